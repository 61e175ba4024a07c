/** A message's full state (SPEC §2 `omni status`, seed 000's `HGETALL status:<id>`), from the database. */
import { asc, eq } from 'drizzle-orm';
import type { Db } from '../storage/index.ts';
import { schema } from '../storage/index.ts';
import { tenantRowById } from '../tenancy/index.ts';

/** One state change; `attempts`, `error`, `turn_id` and the like when the change had them. */
export type HistoryEntry = {
  state: string;
  at: string;
  attempts?: number;
  error?: string;
} & Record<string, unknown>;

export async function messageStatus(db: Db, messageId: string, tenantId?: string) {
  const message = await tenantRowById(db, schema.messages, messageId, tenantId);
  if (!message) return undefined;
  const events = await db
    .select({
      state: schema.messageEvents.state,
      detail: schema.messageEvents.detail,
      at: schema.messageEvents.createdAt,
    })
    .from(schema.messageEvents)
    .where(eq(schema.messageEvents.messageId, messageId))
    .orderBy(asc(schema.messageEvents.id));
  const [outbox] = await db
    .select()
    .from(schema.outbox)
    .where(eq(schema.outbox.messageId, messageId));
  return {
    id: message.id,
    tenant_id: message.tenantId,
    conversation_id: message.conversationId,
    direction: message.direction,
    author: message.author,
    channel: message.channel,
    external_id: message.externalId,
    body: message.body,
    state: message.status,
    error: message.error,
    turn_id: message.turnId,
    created_at: message.createdAt.toISOString(),
    updated_at: message.updatedAt.toISOString(),
    history: events.map(
      (e): HistoryEntry => ({ ...e.detail, state: e.state, at: e.at.toISOString() }),
    ),
    outbox: outbox
      ? {
          id: outbox.id,
          status: outbox.status,
          attempts: outbox.attempts,
          next_attempt_at: outbox.nextAttemptAt.toISOString(),
          idempotency_key: outbox.idempotencyKey,
          provider_message_id: outbox.providerMessageId,
          enviada_em: outbox.enviadaEm?.toISOString() ?? null,
          errors: outbox.errors,
        }
      : null,
  };
}

export type MessageStatus = NonNullable<Awaited<ReturnType<typeof messageStatus>>>;
