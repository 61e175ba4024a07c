/**
 * Chatwoot → Omni (channel-formats §4.1–4.5): what the Agent Bot webhook and the account/inbox
 * webhook tell us about a mirrored conversation.
 * - A human agent's public reply (`message_created`, `outgoing`, sender `user`, not one of our own
 *   posts) reaches the contact through Omni's channel, and makes the conversation human.
 * - Status `open` (set by an agent) takes the conversation over; `pending` (Chatwoot's bot status)
 *   returns it to the bot; `resolved` resolves it. An `open` we caused ourselves while a human is
 *   only awaited leaves it waiting: the first human reply takes it.
 * - The handoff label (CHATWOOT_HANDOFF_LABEL), when it is added, takes the conversation over.
 * Payloads are read leniently: newer Chatwoot versions add fields.
 */
import { z } from 'zod';
import type { Queue } from '../queue/index.ts';
import type { Db } from '../storage/index.ts';
import { OMNI_MARK } from './chatwoot-client.ts';
import { conversationOfTwin } from './chatwoot-mirror.ts';
import { sendOperatorMessage } from './operator.ts';
import { release, resolve, takeOver } from './state.ts';

const messageCreated = z.object({
  event: z.literal('message_created'),
  id: z.number(),
  content: z.string().nullish(),
  message_type: z.union([z.string(), z.number()]),
  private: z.boolean().nullish(),
  content_attributes: z.record(z.string(), z.unknown()).nullish(),
  sender: z.object({ type: z.string().nullish() }).nullish(),
  conversation: z.object({ id: z.number() }),
});

const conversationEvent = z.object({
  event: z.enum([
    'conversation_status_changed',
    'conversation_updated',
    'conversation_opened',
    'conversation_resolved',
  ]),
  id: z.number(),
  status: z.string().nullish(),
  labels: z.array(z.string()).nullish(),
  changed_attributes: z.array(z.record(z.string(), z.unknown())).nullish(),
});

export type ChatwootOutcome =
  | 'agent_reply'
  | 'taken_over'
  | 'released'
  | 'resolved'
  | 'unknown_conversation'
  | 'ignored';

export interface ChatwootEventDeps {
  db: Db;
  queue: Queue;
  /** The label that hands a conversation to a human. */
  label: string;
}

export async function handleChatwootEvent(
  deps: ChatwootEventDeps,
  tenantId: string,
  body: unknown,
): Promise<ChatwootOutcome> {
  const message = messageCreated.safeParse(body);
  if (message.success) return onMessage(deps, tenantId, message.data);
  const conversation = conversationEvent.safeParse(body);
  if (conversation.success) return onConversation(deps, tenantId, conversation.data);
  return 'ignored';
}

async function onMessage(
  deps: ChatwootEventDeps,
  tenantId: string,
  message: z.infer<typeof messageCreated>,
): Promise<ChatwootOutcome> {
  const outgoing = message.message_type === 'outgoing' || message.message_type === 1;
  const fromHuman = message.sender?.type === 'user';
  const ours = message.content_attributes?.[OMNI_MARK] !== undefined;
  if (!outgoing || !fromHuman || ours || message.private || !message.content?.trim()) {
    return 'ignored';
  }
  const conversation = await conversationOfTwin(deps.db, tenantId, message.conversation.id);
  if (!conversation) return 'unknown_conversation';
  await sendOperatorMessage(deps, {
    tenantId,
    conversationId: conversation.id,
    text: message.content,
    trigger: 'chatwoot',
    source: 'chatwoot',
    externalId: String(message.id),
  });
  return 'agent_reply';
}

async function onConversation(
  deps: ChatwootEventDeps,
  tenantId: string,
  event: z.infer<typeof conversationEvent>,
): Promise<ChatwootOutcome> {
  const conversation = await conversationOfTwin(deps.db, tenantId, event.id);
  if (!conversation) return 'unknown_conversation';
  const input = { tenantId, conversationId: conversation.id, trigger: 'chatwoot' as const };
  const changed = new Set((event.changed_attributes ?? []).flatMap((c) => Object.keys(c)));
  const statusNews =
    event.event === 'conversation_opened'
      ? 'open'
      : event.event === 'conversation_resolved'
        ? 'resolved'
        : event.event === 'conversation_status_changed' || changed.has('status')
          ? event.status
          : undefined;

  if (statusNews === 'open' && conversation.controlledBy === 'bot') {
    await takeOver(deps.db, input);
    return 'taken_over';
  }
  if (statusNews === 'pending' && conversation.controlledBy !== 'bot') {
    await release(deps.db, input);
    return 'released';
  }
  if (statusNews === 'resolved') {
    await resolve(deps.db, input);
    return 'resolved';
  }
  const labelNews = changed.size === 0 || changed.has('labels') || changed.has('label_list');
  if (
    statusNews === undefined &&
    labelNews &&
    (event.labels ?? []).includes(deps.label) &&
    conversation.controlledBy === 'bot'
  ) {
    await takeOver(deps.db, input);
    return 'taken_over';
  }
  return 'ignored';
}
