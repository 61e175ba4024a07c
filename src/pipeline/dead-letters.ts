/**
 * The dead-letter queue (SPEC §4.6): entries that exhausted their retries, failed for good, or
 * could not be parsed. The database keeps them (with the payload and every error) so they survive
 * a Redis flush; in the scale profile each is also added to the `omni.dlq` stream for operators
 * who look there. Replay puts the work back where it came from.
 *
 * A dead-lettered outbox row stays the head of its conversation: the replies behind it wait
 * ("blocked by dead letter") so order holds even here. Replay sends the head, then the rest in
 * order; discard drops the head (audited) and releases the rest.
 */
import { and, desc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { PgUpdateSetSource } from 'drizzle-orm/pg-core';
import { DLQ_STREAM, type Stream } from '../queue/index.ts';
import { type Db, queryRows, schema } from '../storage/index.ts';
import { type Actor, recordAudit, tenantRowById } from '../tenancy/index.ts';
import { recordStates, type StateChange } from './message-state.ts';
import type { PipelineDeps } from './types.ts';

export type DeadLetter = typeof schema.deadLetters.$inferSelect;

export interface DeadLetterInput {
  tenantId: string | null;
  stream: Stream;
  payload: Record<string, unknown>;
  reason: string;
  errors: unknown[];
  attempts: number;
}

export async function deadLetter(
  deps: Pick<PipelineDeps, 'db' | 'redis' | 'metrics' | 'logger'>,
  input: DeadLetterInput,
): Promise<DeadLetter> {
  const [row] = await deps.db
    .insert(schema.deadLetters)
    .values({
      tenantId: input.tenantId,
      queue: input.stream,
      payload: input.payload,
      reason: input.reason,
      errors: input.errors,
      attempts: input.attempts,
    })
    .returning();
  const letter = row as DeadLetter;
  deps.metrics.deadLettered.inc({ stream: input.stream, reason: input.reason });
  await deps.redis
    ?.xadd(
      DLQ_STREAM,
      '*',
      'id',
      letter.id,
      'stream',
      input.stream,
      'reason',
      input.reason,
      'payload',
      JSON.stringify(input.payload),
      'errors',
      JSON.stringify(input.errors),
    )
    .catch((error) =>
      deps.logger.warn({ err: error }, 'could not mirror a dead letter to omni.dlq'),
    );
  return letter;
}

export function listDeadLetters(
  deps: Pick<PipelineDeps, 'db'>,
  options: { tenantId?: string; includeReplayed?: boolean; limit?: number } = {},
) {
  return deps.db
    .select()
    .from(schema.deadLetters)
    .where(
      and(
        options.tenantId ? eq(schema.deadLetters.tenantId, options.tenantId) : undefined,
        options.includeReplayed ? undefined : isNull(schema.deadLetters.replayedAt),
      ),
    )
    .orderBy(desc(schema.deadLetters.createdAt))
    .limit(options.limit ?? 100);
}

export async function getDeadLetter(
  deps: Pick<PipelineDeps, 'db'>,
  id: string,
  tenantId?: string,
): Promise<DeadLetter | undefined> {
  return tenantRowById(deps.db, schema.deadLetters, id, tenantId);
}

/** Dead letters not yet replayed, per stream they came from. */
export async function countOpenDeadLetters(
  deps: Pick<PipelineDeps, 'db'>,
): Promise<Record<string, number>> {
  const rows = await deps.db
    .select({ stream: schema.deadLetters.queue, n: sql<number>`count(*)::int` })
    .from(schema.deadLetters)
    .where(isNull(schema.deadLetters.replayedAt))
    .groupBy(schema.deadLetters.queue);
  return Object.fromEntries(rows.map((r) => [r.stream, r.n]));
}

/** Outbox statuses of a dead-lettered row: it stays its conversation's head until replayed or discarded. */
export const DEAD_OUTBOX_STATUSES = ['dlq', 'falhou'] as const;

/** SQL: outbox row `o` waits behind an older dead-lettered row of its conversation. */
export const blockedByDeadLetter = sql`exists (
  select 1 from outbox d
   where d.conversation_id = o.conversation_id and d.status in ('dlq', 'falhou')
     and (d.created_at, d.id) < (o.created_at, o.id))`;

/**
 * Moves a dead letter's outbox row on (replayed or cancelled) and records its message's new state;
 * a row no longer dead (already moved by another caller) is left as it is.
 */
async function moveDeadOutbox(
  tx: Db,
  outboxId: string,
  changes: PgUpdateSetSource<typeof schema.outbox>,
  message: Pick<StateChange, 'state' | 'detail'>,
): Promise<void> {
  const [outbox] = await tx
    .update(schema.outbox)
    .set({ ...changes, updatedAt: sql`now()` })
    .where(
      and(eq(schema.outbox.id, outboxId), inArray(schema.outbox.status, [...DEAD_OUTBOX_STATUSES])),
    )
    .returning();
  if (!outbox) return;
  const { tenantId, conversationId, messageId } = outbox;
  await recordStates(tx, [{ tenantId, conversationId, messageId, ...message }]);
}

/**
 * Claims a dead letter not yet resolved — replayed (kept, marked) or discarded (deleted) — and
 * moves its outbox row on in the same transaction; false when another caller resolved it first.
 */
async function resolveDeadLetter(
  tx: Db,
  letter: DeadLetter,
  resolution: 'replay' | 'discard',
  outbox: {
    changes: PgUpdateSetSource<typeof schema.outbox>;
    message: Pick<StateChange, 'state' | 'detail'>;
  },
): Promise<boolean> {
  const open = and(eq(schema.deadLetters.id, letter.id), isNull(schema.deadLetters.replayedAt));
  const [row] =
    resolution === 'replay'
      ? await tx
          .update(schema.deadLetters)
          .set({ replayedAt: sql`now()` })
          .where(open)
          .returning({ id: schema.deadLetters.id })
      : await tx.delete(schema.deadLetters).where(open).returning({ id: schema.deadLetters.id });
  if (!row) return false;
  const { outboxId } = letter.payload as { outboxId?: string };
  if (letter.queue === 'omni.outbox' && outboxId) {
    await moveDeadOutbox(tx, outboxId, outbox.changes, outbox.message);
  }
  return true;
}

/** Replies waiting behind a dead-lettered head of their conversation (per tenant, or all). */
export async function countBlockedByDeadLetter(
  deps: Pick<PipelineDeps, 'db'>,
  tenantId?: string,
): Promise<number> {
  const [row] = await queryRows<{ n: number }>(
    deps.db,
    sql`select count(*)::int as n from outbox o
         where o.status = 'pendente' and ${blockedByDeadLetter}
           ${tenantId ? sql`and o.tenant_id = ${tenantId}` : sql``}`,
  );
  return row?.n ?? 0;
}

/** Puts a dead letter's work back on its stream; false if it was already replayed. */
export async function replayDeadLetter(deps: PipelineDeps, letter: DeadLetter): Promise<boolean> {
  const payload = letter.payload as {
    conversationId?: string;
    tenantId?: string;
    messageIds?: string[];
  };
  const claimed = await deps.db.transaction(async (tx) => {
    const resolved = await resolveDeadLetter(tx, letter, 'replay', {
      // The errors stay on the dead letter; cleared here, they start a new retry window.
      changes: { status: 'pendente', attempts: 0, errors: [], nextAttemptAt: sql`now()` },
      message: { state: 'queued', detail: { replayed_from: letter.id } },
    });
    if (!resolved) return false;
    if (
      letter.queue === 'omni.messages' &&
      payload.messageIds?.length &&
      payload.tenantId &&
      payload.conversationId
    ) {
      await recordStates(
        tx,
        payload.messageIds.map((messageId) => ({
          tenantId: payload.tenantId as string,
          conversationId: payload.conversationId as string,
          messageId,
          state: 'received',
          detail: { replayed_from: letter.id },
        })),
      );
    }
    return true;
  });
  if (!claimed) return false;
  const work = payload.conversationId
    ? { tenantId: payload.tenantId, conversationId: payload.conversationId }
    : letter.payload;
  await deps.queue.enqueue(letter.queue as Stream, work, { key: payload.conversationId });
  deps.logger.info({ dead_letter_id: letter.id, stream: letter.queue }, 'dead letter replayed');
  return true;
}

export type DiscardOutcome = 'discarded' | 'already_resolved';

/**
 * Drops a dead letter for good: its outbox row is cancelled (never sent) and the replies waiting
 * behind it are released. The letter itself is deleted, so the audit row carries everything it
 * said (payload, reason, errors).
 */
export async function discardDeadLetter(
  deps: PipelineDeps,
  letter: DeadLetter,
  actor: Actor,
): Promise<DiscardOutcome> {
  const payload = letter.payload as { conversationId?: string };
  const discarded = await deps.db.transaction(async (tx) => {
    const resolved = await resolveDeadLetter(tx, letter, 'discard', {
      changes: { status: 'cancelada' },
      message: {
        state: 'cancelled',
        detail: { reason: 'dead_letter_discarded', dead_letter_id: letter.id },
      },
    });
    if (!resolved) return false;
    await recordAudit(tx, {
      tenantId: letter.tenantId,
      actor,
      action: 'dlq.discard',
      targetType: 'dead_letter',
      targetId: letter.id,
      details: {
        stream: letter.queue,
        reason: letter.reason,
        attempts: letter.attempts,
        payload: letter.payload,
        errors: letter.errors,
      },
    });
    return true;
  });
  if (!discarded) return 'already_resolved';
  if (letter.queue === 'omni.outbox' && payload.conversationId) {
    await deps.queue.enqueue(
      'omni.outbox',
      { tenantId: letter.tenantId, conversationId: payload.conversationId },
      { key: payload.conversationId },
    );
  }
  deps.logger.info({ dead_letter_id: letter.id, stream: letter.queue }, 'dead letter discarded');
  return 'discarded';
}

export async function purgeDeadLetters(deps: Pick<PipelineDeps, 'db' | 'redis'>): Promise<number> {
  const removed = await deps.db.delete(schema.deadLetters).returning({ id: schema.deadLetters.id });
  await deps.redis?.del(DLQ_STREAM).catch(() => {});
  return removed.length;
}
