/**
 * Ingest, used by every channel (SPEC §4.1–4.2): store the inbound message, its contact and
 * conversation in one transaction, then signal the inbound workers. A redelivery of a message
 * already stored (same tenant, channel and external id) is acknowledged and counted, never
 * processed twice; nothing that was not stored is ever dropped.
 */
import { and, eq, sql } from 'drizzle-orm';
import { admitAttachment, type InboundAttachment, insertAttachments } from '../media/index.ts';
import { schema } from '../storage/index.ts';
import { type ContactDetails, openConversation } from './conversation-open.ts';
import { mirrorStates, recordStates, type StateChange } from './message-state.ts';
import type { PipelineDeps } from './types.ts';

export interface InboundInput {
  tenantId: string;
  channel: string;
  contact: ContactDetails;
  /** The channel's id of the message; absent for channels without one (then no dedupe). */
  externalId?: string;
  text: string;
  content?: Record<string, unknown>;
  /** Every attachment of the message, in the channel's order. */
  attachments?: InboundAttachment[];
}

export interface IngestResult {
  messageId: string;
  conversationId: string;
  status: string;
  duplicate: boolean;
}

export async function ingest(deps: PipelineDeps, input: InboundInput): Promise<IngestResult> {
  const { db, queue, metrics } = deps;
  // Files the webhook carried are kept before the transaction (content-addressed: a redelivery
  // writes the same file again, harmlessly); the rest are fetched when their turn comes.
  const media = deps.media;
  const attachments = media
    ? await Promise.all(
        (input.attachments ?? []).map((attachment, position) =>
          admitAttachment(media, input.tenantId, attachment, position),
        ),
      )
    : [];
  const result = await db.transaction(async (tx) => {
    const { conversationId, started } = await openConversation(tx, {
      tenantId: input.tenantId,
      channel: input.channel,
      contact: input.contact,
    });

    const [inserted] = await tx
      .insert(schema.messages)
      .values({
        tenantId: input.tenantId,
        conversationId,
        direction: 'inbound',
        author: 'contact',
        channel: input.channel,
        externalId: input.externalId ?? null,
        body: input.text,
        content: input.content ?? {},
        status: 'received',
      })
      .onConflictDoNothing({
        target: [schema.messages.tenantId, schema.messages.channel, schema.messages.externalId],
        where: sql`external_id is not null`,
      })
      .returning({ id: schema.messages.id, conversationId: schema.messages.conversationId });

    if (!inserted) {
      const [existing] = await tx
        .select({
          id: schema.messages.id,
          conversationId: schema.messages.conversationId,
          status: schema.messages.status,
        })
        .from(schema.messages)
        .where(
          and(
            eq(schema.messages.tenantId, input.tenantId),
            eq(schema.messages.channel, input.channel),
            eq(schema.messages.externalId, input.externalId as string),
          ),
        );
      const found = existing as { id: string; conversationId: string; status: string };
      return {
        messageId: found.id,
        conversationId: found.conversationId,
        status: found.status,
        duplicate: true,
        change: null,
      };
    }
    await insertAttachments(tx, input.tenantId, inserted.id, attachments);
    const change: StateChange = {
      tenantId: input.tenantId,
      conversationId,
      messageId: inserted.id,
      state: 'received',
    };
    await recordStates(tx, [change]);
    await tx
      .update(schema.conversations)
      .set({ lastMessageAt: sql`now()`, updatedAt: sql`now()` })
      .where(eq(schema.conversations.id, conversationId));
    return {
      messageId: inserted.id,
      conversationId,
      status: 'received',
      duplicate: false,
      change,
      conversationStarted: started,
    };
  });

  if (result.duplicate) {
    metrics.duplicatesSuppressed.inc({ channel: input.channel });
    deps.logger.info(
      {
        tenant_id: input.tenantId,
        message_id: result.messageId,
        external_id: input.externalId,
        channel: input.channel,
        component: 'ingest-message',
      },
      'duplicate inbound acknowledged',
    );
  } else {
    metrics.inboundTotal.inc({ channel: input.channel });
    if (result.conversationStarted) metrics.conversationsStarted.inc({ channel: input.channel });
    deps.logger.info(
      {
        tenant_id: input.tenantId,
        conversation_id: result.conversationId,
        message_id: result.messageId,
        channel: input.channel,
        component: 'ingest-message',
      },
      'inbound stored',
    );
    await mirrorStates(deps.redis, result.change ? [result.change] : []);
    // Committed already: if this signal is lost (Redis down), the sweeper re-creates it.
    await queue
      .enqueue(
        'omni.messages',
        { tenantId: input.tenantId, conversationId: result.conversationId },
        { key: result.conversationId },
      )
      .catch((error) =>
        deps.logger.warn(
          { err: error, conversation_id: result.conversationId },
          'enqueue failed; the sweeper will retry',
        ),
      );
  }
  const { change: _change, ...answer } = result;
  return answer;
}
