/**
 * A human's reply to the contact (dashboard, API, Chatwoot): stored as an `operator` message and
 * sent through the conversation's own channel by the outbox, like a bot reply — but never
 * cancelled by the ownership check, which holds back only the bot. Writing while the bot is in
 * charge takes the conversation over first: a human who speaks owns the conversation.
 */
import { and, eq, sql } from 'drizzle-orm';
import { announceMessageEvents } from '../pipeline/index.ts';
import type { Queue } from '../queue/index.ts';
import type { Db } from '../storage/index.ts';
import { schema } from '../storage/index.ts';
import { HandoffError } from './errors.ts';
import { type HandoffTrigger, takeOver } from './state.ts';

export interface OperatorMessageInput {
  tenantId: string;
  conversationId: string;
  text: string;
  operatorId?: string;
  /** How the human reached us: `operator` (dashboard/API) or `chatwoot`. */
  trigger: HandoffTrigger;
  /** Where the text came from, kept on the message (`chatwoot` keeps it out of the mirror). */
  source?: string;
  /** The source's own id of the message; a repeat of the same id is not sent twice. */
  externalId?: string;
}

export interface OperatorMessageResult {
  messageId: string;
  duplicate: boolean;
}

export async function sendOperatorMessage(
  deps: { db: Db; queue: Queue },
  input: OperatorMessageInput,
): Promise<OperatorMessageResult> {
  await takeOver(deps.db, {
    tenantId: input.tenantId,
    conversationId: input.conversationId,
    operatorId: input.operatorId,
    trigger: input.trigger,
  });
  const result = await deps.db.transaction(async (tx) => {
    const [conversation] = await tx
      .select({ channel: schema.conversations.channel, status: schema.conversations.status })
      .from(schema.conversations)
      .where(eq(schema.conversations.id, input.conversationId));
    if (!conversation) {
      throw new HandoffError('not_found', `No conversation "${input.conversationId}".`);
    }
    if (conversation.status !== 'active') {
      throw new HandoffError(
        'conflict',
        'The conversation is resolved; the contact must write first.',
      );
    }
    const externalId = input.externalId
      ? `${input.source ?? 'operator'}:${input.externalId}`
      : null;
    const [message] = await tx
      .insert(schema.messages)
      .values({
        tenantId: input.tenantId,
        conversationId: input.conversationId,
        direction: 'outbound',
        author: 'operator',
        authorUserId: input.operatorId ?? null,
        channel: conversation.channel,
        // The external id lives under the source's name, so it never collides with the channel's ids.
        externalId,
        body: input.text,
        content: input.source ? { source: input.source } : {},
        status: 'queued',
      })
      .onConflictDoNothing({
        target: [schema.messages.tenantId, schema.messages.channel, schema.messages.externalId],
        where: sql`external_id is not null`,
      })
      .returning({ id: schema.messages.id });
    if (!message) {
      const [existing] = await tx
        .select({ id: schema.messages.id })
        .from(schema.messages)
        .where(
          and(
            eq(schema.messages.tenantId, input.tenantId),
            eq(schema.messages.channel, conversation.channel),
            eq(schema.messages.externalId, externalId as string),
          ),
        );
      return { messageId: existing?.id ?? '', duplicate: true };
    }
    await tx.insert(schema.messageEvents).values({
      tenantId: input.tenantId,
      messageId: message.id,
      state: 'queued',
      detail: { author: 'operator' },
    });
    // Dashboards and the web chat hear of it on commit, in every process.
    await announceMessageEvents(tx, [
      {
        tenantId: input.tenantId,
        conversationId: input.conversationId,
        messageId: message.id,
        state: 'queued',
      },
    ]);
    await tx.insert(schema.outbox).values({
      tenantId: input.tenantId,
      conversationId: input.conversationId,
      messageId: message.id,
      channel: conversation.channel,
      idempotencyKey: `operator:${message.id}`,
      payload: { text: input.text },
    });
    await tx
      .update(schema.conversations)
      .set({ lastMessageAt: sql`now()`, updatedAt: sql`now()` })
      .where(eq(schema.conversations.id, input.conversationId));
    return { messageId: message.id, duplicate: false };
  });
  if (result.duplicate) return result;
  // A lost wake-up only delays the send: the pipeline's sweeper re-creates it from the outbox row.
  await deps.queue
    .enqueue(
      'omni.outbox',
      { tenantId: input.tenantId, conversationId: input.conversationId },
      { key: input.conversationId },
    )
    .catch(() => {});
  return result;
}
