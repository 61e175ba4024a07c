/**
 * A Chatwoot account over real HTTP, following channel-formats §4: the REST calls the bridge
 * makes (contacts, conversations, messages, toggle_status, labels; `api_access_token` checked),
 * and the webhooks Chatwoot sends back — `message_created` for every message, our own posts
 * included (the echo a bot must recognise), and `conversation_status_changed` /
 * `conversation_updated` when an agent changes status or labels. A new conversation in an inbox
 * with an active bot starts `pending`, as Chatwoot does. `agentReplies`, `agentSetsStatus` and
 * `agentLabels` play the human agent in Chatwoot's UI.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

export interface SimMessage {
  id: number;
  content: string;
  message_type: 'incoming' | 'outgoing';
  private: boolean;
  content_attributes: Record<string, unknown>;
  sender: { id: number; type: 'contact' | 'user' };
}

export interface SimConversation {
  id: number;
  contactId: number;
  status: 'open' | 'pending' | 'resolved';
  labels: string[];
  messages: SimMessage[];
  customAttributes: Record<string, unknown>;
}

export interface ChatwootSim {
  url: string;
  accountId: string;
  inboxId: string;
  token: string;
  /** Where webhooks go (the Agent Bot's outgoing_url); set once Omni listens. */
  webhookUrl: string;
  conversations: Map<number, SimConversation>;
  contacts: number;
  statusCalls: Array<{ conversation: number; status: string }>;
  agentReplies(conversation: number, content: string): Promise<void>;
  agentSetsStatus(conversation: number, status: SimConversation['status']): Promise<void>;
  agentLabels(conversation: number, labels: string[]): Promise<void>;
  /** REST calls received so far, repeats included. */
  requests: number;
  /** Runs on each REST call as it arrives, before it is answered. */
  onRequest(listener: () => void): void;
  close(): Promise<void>;
}

const AGENT = { id: 1, name: 'John', type: 'user' as const };

export async function startChatwootSim(): Promise<ChatwootSim> {
  let nextId = 100;
  let requestListener = () => {};
  const sim: ChatwootSim = {
    url: '',
    accountId: '7',
    inboxId: '3',
    token: 'cw-user-token',
    webhookUrl: '',
    conversations: new Map(),
    contacts: 0,
    statusCalls: [],
    requests: 0,
    onRequest(listener) {
      requestListener = listener;
    },
    async agentReplies(conversation, content) {
      const found = mustFind(conversation);
      const message: SimMessage = {
        id: nextId++,
        content,
        message_type: 'outgoing',
        private: false,
        content_attributes: {},
        sender: { id: AGENT.id, type: 'user' },
      };
      found.messages.push(message);
      await fire(messageCreated(found, message));
    },
    async agentSetsStatus(conversation, status) {
      const found = mustFind(conversation);
      const previous = found.status;
      found.status = status;
      await fire({
        ...conversationData(found),
        event: 'conversation_status_changed',
        changed_attributes: [{ status: { previous_value: previous, current_value: status } }],
      });
    },
    async agentLabels(conversation, labels) {
      const found = mustFind(conversation);
      const previous = found.labels;
      found.labels = labels;
      await fire({
        ...conversationData(found),
        event: 'conversation_updated',
        changed_attributes: [{ label_list: { previous_value: previous, current_value: labels } }],
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };

  function mustFind(id: number): SimConversation {
    const found = sim.conversations.get(id);
    if (!found) throw new Error(`no simulated Chatwoot conversation ${id}`);
    return found;
  }

  function conversationData(c: SimConversation) {
    return {
      additional_attributes: {},
      can_reply: true,
      channel: 'Channel::Api',
      id: c.id,
      inbox_id: Number(sim.inboxId),
      contact_inbox: { id: c.contactId, contact_id: c.contactId, inbox_id: Number(sim.inboxId) },
      messages: [],
      labels: c.labels,
      custom_attributes: c.customAttributes,
      meta: { sender: { id: c.contactId, type: 'contact' }, assignee: AGENT },
      status: c.status,
      unread_count: 0,
      timestamp: Math.floor(Date.now() / 1000),
    };
  }

  function messageCreated(c: SimConversation, m: SimMessage) {
    return {
      id: m.id,
      content: m.content,
      created_at: new Date().toISOString(),
      message_type: m.message_type,
      content_type: 'text',
      private: m.private,
      content_attributes: m.content_attributes,
      source_id: null,
      sender: m.sender.type === 'user' ? AGENT : { id: c.contactId, type: 'contact' },
      inbox: { id: Number(sim.inboxId), name: 'Omni' },
      conversation: conversationData(c),
      account: { id: Number(sim.accountId), name: 'Acme Inc' },
      event: 'message_created',
    };
  }

  async function fire(payload: unknown): Promise<void> {
    if (!sim.webhookUrl) return;
    const response = await fetch(sim.webhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(payload),
    });
    await response.text();
  }

  const prefix = () => `/api/v1/accounts/${sim.accountId}`;

  async function route(path: string, body: Record<string, unknown>, response: ServerResponse) {
    const json = (status: number, value: unknown) =>
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
    if (path === `${prefix()}/contacts`) {
      const id = ++sim.contacts;
      const sourceId = `src-${id}`;
      return json(200, {
        payload: {
          contact: { id, name: body.name, contact_inboxes: [{ source_id: sourceId }] },
          contact_inbox: { source_id: sourceId, inbox: { id: Number(sim.inboxId) } },
        },
      });
    }
    if (path === `${prefix()}/conversations`) {
      const id = nextId++;
      sim.conversations.set(id, {
        id,
        contactId: Number(body.contact_id),
        // The inbox has an active Agent Bot: new conversations are `pending`.
        status: 'pending',
        labels: [],
        messages: [],
        customAttributes: (body.custom_attributes as Record<string, unknown>) ?? {},
      });
      return json(200, { id, status: 'pending', inbox_id: Number(sim.inboxId) });
    }
    const match = path.match(/\/conversations\/(\d+)\/(messages|toggle_status|labels)$/);
    const conversation = match ? sim.conversations.get(Number(match[1])) : undefined;
    if (!match || !conversation) return json(404, { error: 'Resource could not be found' });
    if (match[2] === 'messages') {
      if (typeof body.content !== 'string' || !body.content) {
        return json(422, { error: 'content is required' });
      }
      const message: SimMessage = {
        id: nextId++,
        content: body.content,
        message_type: body.message_type === 'incoming' ? 'incoming' : 'outgoing',
        private: body.private === true,
        content_attributes: (body.content_attributes as Record<string, unknown>) ?? {},
        // The bridge posts with a user token, so Chatwoot names that user as the sender.
        sender:
          body.message_type === 'incoming'
            ? { id: conversation.contactId, type: 'contact' }
            : { id: AGENT.id, type: 'user' },
      };
      conversation.messages.push(message);
      json(200, { id: message.id, content: message.content, message_type: message.message_type });
      // Chatwoot tells the bot about every message, its own included.
      if (!message.private) await fire(messageCreated(conversation, message));
      return;
    }
    if (match[2] === 'toggle_status') {
      const status = body.status as SimConversation['status'];
      sim.statusCalls.push({ conversation: conversation.id, status });
      const previous = conversation.status;
      conversation.status = status;
      json(200, {
        meta: {},
        payload: { success: true, current_status: status, conversation_id: conversation.id },
      });
      if (previous !== status) {
        await fire({
          ...conversationData(conversation),
          event: 'conversation_status_changed',
          changed_attributes: [{ status: { previous_value: previous, current_value: status } }],
        });
      }
      return;
    }
    conversation.labels = (body.labels as string[]) ?? [];
    return json(200, { payload: conversation.labels });
  }

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    let raw = '';
    request.on('data', (chunk) => {
      raw += chunk;
    });
    request.on('end', () => {
      sim.requests++;
      requestListener();
      if (request.headers.api_access_token !== sim.token) {
        response.writeHead(401, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ error: 'Invalid Access Token' }));
        return;
      }
      const body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
      route(request.url ?? '', body, response).catch(() => {
        if (!response.headersSent) response.writeHead(500).end();
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  sim.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return sim;
}
