/**
 * The few Chatwoot REST calls the bridge makes (channel-formats §4.4), all under
 * `/api/v1/accounts/{account}` with the `api_access_token` header.
 */
import { z } from 'zod';
import { IntegrationError, postJson } from './outbound-http.ts';

export interface ChatwootSettings {
  url: string;
  apiToken: string;
  accountId: string;
  inboxId: string;
  /** A label that hands a conversation to a human. */
  label: string;
  timeoutMs: number;
}

export type ChatwootStatus = 'open' | 'pending' | 'resolved';

/** Marks our own posts, so their webhook echo is not taken for a human agent's reply. */
export const OMNI_MARK = 'omni_message_id';

const createdContact = z.object({
  payload: z.object({
    contact: z.object({
      id: z.number(),
      contact_inboxes: z.array(z.object({ source_id: z.string() })).optional(),
    }),
    contact_inbox: z.object({ source_id: z.string() }).optional(),
  }),
});
const withId = z.object({ id: z.number() });

export function createChatwootClient(settings: ChatwootSettings) {
  const base = `${settings.url.replace(/\/+$/, '')}/api/v1/accounts/${settings.accountId}`;
  async function call<T>(path: string, body: unknown, shape: z.ZodType<T>): Promise<T> {
    const text = await postJson({
      service: 'Chatwoot',
      url: `${base}${path}`,
      body,
      headers: { api_access_token: settings.apiToken },
      timeoutMs: settings.timeoutMs,
    });
    const parsed = shape.safeParse(text ? JSON.parse(text) : {});
    if (!parsed.success) {
      throw new IntegrationError(`Chatwoot answered ${path} with an unexpected body.`, {
        retryable: false,
      });
    }
    return parsed.data;
  }

  return {
    inboxId: settings.inboxId,
    async createContact(contact: { name: string }) {
      const { payload } = await call(
        '/contacts',
        { inbox_id: Number(settings.inboxId), name: contact.name },
        createdContact,
      );
      const sourceId =
        payload.contact_inbox?.source_id ?? payload.contact.contact_inboxes?.[0]?.source_id;
      if (!sourceId) {
        throw new IntegrationError('Chatwoot created the contact without an inbox source id.', {
          retryable: false,
        });
      }
      return { contactId: payload.contact.id, sourceId };
    },
    async createConversation(input: {
      contactId: number;
      sourceId: string;
      omniConversationId: string;
    }) {
      const { id } = await call(
        '/conversations',
        {
          source_id: input.sourceId,
          inbox_id: Number(settings.inboxId),
          contact_id: input.contactId,
          custom_attributes: { omni_conversation_id: input.omniConversationId },
        },
        withId,
      );
      return id;
    },
    async postMessage(
      conversationId: number,
      message: { content: string; type: 'incoming' | 'outgoing'; private: boolean; omniId: string },
    ) {
      const { id } = await call(
        `/conversations/${conversationId}/messages`,
        {
          content: message.content,
          message_type: message.type,
          private: message.private,
          content_type: 'text',
          content_attributes: { [OMNI_MARK]: message.omniId },
        },
        withId,
      );
      return id;
    },
    async toggleStatus(conversationId: number, status: ChatwootStatus) {
      await call(`/conversations/${conversationId}/toggle_status`, { status }, z.unknown());
    },
  };
}

export type ChatwootClient = ReturnType<typeof createChatwootClient>;
