/**
 * The visitors' sockets of this process, by visitor, and what each message event means for them.
 * Events come from every process (pipeline/events.ts): the reply to a visitor connected here may
 * have been dispatched by a worker elsewhere, and a visitor's other tab may be connected to
 * another API process. A visitor's conversations are learnt when a tab says hello or writes; a
 * conversation this process has not seen (opened through another process) is looked up once.
 */
import type { Db } from '../../storage/index.ts';
import { conversationState, conversationVisitor, visibleMessage } from './history.ts';
import type { ServerFrame } from './protocol.ts';

export interface VisitorSocket {
  send(frame: ServerFrame): void;
}

/** The message states a visitor's widget reacts to, and how. */
const SHOW_MESSAGE = new Set(['received', 'sent']);
const TYPING_ON = new Set(['processing']);
/** A turn that ends without a reply for now: a human was called, or every attempt failed. */
const TYPING_OFF = new Set(['awaiting_human', 'failed', 'cancelled']);
/** Conversations remembered (theirs, or "not web chat"); the oldest are forgotten past this. */
const REMEMBERED_CONVERSATIONS = 10_000;

export interface HubEvent {
  tenantId: string;
  conversationId: string;
  messageId: string;
  state: string;
}

export interface WebchatHub {
  /** The socket belongs to this visitor (the contact's id on the channel) of this tenant. */
  join(socket: VisitorSocket, tenantId: string, contactId: string): void;
  /** The conversation is this visitor's: its events go to every tab of theirs. */
  link(conversationId: string, tenantId: string, contactId: string): void;
  leave(socket: VisitorSocket): void;
  handle(events: HubEvent[]): Promise<void>;
  /** Who answers the conversation changed (a handoff asked, taken, released, resolved). */
  handleConversation(event: { tenantId: string; conversationId: string }): Promise<void>;
}

const visitorKey = (tenantId: string, contactId: string) => `${tenantId}:${contactId}`;

export function createWebchatHub(db: Db): WebchatHub {
  const byVisitor = new Map<string, Set<VisitorSocket>>();
  const visitorOf = new Map<VisitorSocket, string>();
  const socketsPerTenant = new Map<string, number>();
  /** conversation id → visitor key, or null when it is not a web chat conversation. */
  const owners = new Map<string, string | null>();

  const remember = (conversationId: string, owner: string | null) => {
    owners.delete(conversationId);
    owners.set(conversationId, owner);
    if (owners.size > REMEMBERED_CONVERSATIONS) {
      owners.delete(owners.keys().next().value as string);
    }
  };

  const ownerOf = async (event: {
    tenantId: string;
    conversationId: string;
  }): Promise<string | null> => {
    const known = owners.get(event.conversationId);
    if (known !== undefined) return known;
    const contactId = await conversationVisitor(db, event.conversationId);
    const owner = contactId ? visitorKey(event.tenantId, contactId) : null;
    remember(event.conversationId, owner);
    return owner;
  };

  const leave = (socket: VisitorSocket) => {
    const key = visitorOf.get(socket);
    if (key === undefined) return;
    visitorOf.delete(socket);
    const sockets = byVisitor.get(key);
    sockets?.delete(socket);
    if (sockets?.size === 0) byVisitor.delete(key);
    const tenantId = key.slice(0, key.indexOf(':'));
    const left = (socketsPerTenant.get(tenantId) ?? 1) - 1;
    if (left > 0) socketsPerTenant.set(tenantId, left);
    else socketsPerTenant.delete(tenantId);
  };

  const socketsOf = async (event: { tenantId: string; conversationId: string }) => {
    if (!socketsPerTenant.has(event.tenantId)) return undefined;
    const owner = await ownerOf(event);
    return owner ? byVisitor.get(owner) : undefined;
  };

  return {
    join(socket, tenantId, contactId) {
      leave(socket);
      const key = visitorKey(tenantId, contactId);
      visitorOf.set(socket, key);
      const sockets = byVisitor.get(key) ?? new Set();
      sockets.add(socket);
      byVisitor.set(key, sockets);
      socketsPerTenant.set(tenantId, (socketsPerTenant.get(tenantId) ?? 0) + 1);
    },
    link(conversationId, tenantId, contactId) {
      remember(conversationId, visitorKey(tenantId, contactId));
    },
    leave,
    async handle(events) {
      for (const event of events) {
        const sockets = await socketsOf(event);
        if (!sockets) continue;
        const send = (frame: ServerFrame) => {
          for (const socket of sockets) socket.send(frame);
        };
        if (TYPING_ON.has(event.state)) send({ type: 'typing', on: true });
        if (TYPING_OFF.has(event.state)) send({ type: 'typing', on: false });
        if (SHOW_MESSAGE.has(event.state)) {
          const message = await visibleMessage(db, event.messageId);
          if (message) send({ type: 'message', message });
        }
      }
    },
    async handleConversation(event) {
      const sockets = await socketsOf(event);
      if (!sockets) return;
      const frame: ServerFrame = {
        type: 'state',
        state: await conversationState(db, event.conversationId),
      };
      for (const socket of sockets) socket.send(frame);
    },
  };
}
