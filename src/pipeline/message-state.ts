/**
 * A message's state lives in the database (`messages.status` plus one `message_events` row per
 * change). In the scale profile `status:<messageId>` in Redis mirrors it for seed 000's
 * `HGETALL status:<id>`; the mirror is best effort and never the truth.
 */
import { and, inArray, notInArray, sql } from 'drizzle-orm';
import type { Redis } from 'ioredis';
import type { Db } from '../storage/index.ts';
import { schema } from '../storage/index.ts';
import { announceMessageEvents } from './events.ts';

export interface StateChange {
  tenantId: string;
  conversationId: string;
  messageId: string;
  state: string;
  detail?: Record<string, unknown>;
}

/** Records the changes inside the caller's transaction, and announces them on commit (events.ts). */
export async function recordStates(tx: Db, changes: StateChange[]): Promise<void> {
  if (changes.length === 0) return;
  await tx.insert(schema.messageEvents).values(
    changes.map((c) => ({
      tenantId: c.tenantId,
      messageId: c.messageId,
      state: c.state,
      detail: c.detail ?? {},
    })),
  );
  const byState = new Map<string, string[]>();
  for (const c of changes) byState.set(c.state, [...(byState.get(c.state) ?? []), c.messageId]);
  for (const [state, ids] of byState) {
    const error = changes.find((c) => c.state === state && c.detail?.error)?.detail?.error;
    await tx
      .update(schema.messages)
      .set({ status: state, updatedAt: sql`now()`, ...(error ? { error: String(error) } : {}) })
      .where(
        state === 'sent'
          ? // A channel's delivered/read webhook can beat the dispatcher's own `sent` write.
            and(
              inArray(schema.messages.id, ids),
              notInArray(schema.messages.status, ['delivered', 'read']),
            )
          : inArray(schema.messages.id, ids),
      );
  }
  await announceMessageEvents(tx, changes);
}

/** The mirror is for live debugging; the history stays in the database. */
const MIRROR_TTL_SECONDS = 7 * 24 * 3600;

/**
 * HSET + EXPIRE in one step, except that `sent` never overwrites `delivered`/`read`: a channel's
 * receipt can reach the mirror before the dispatcher's own `sent` (the database has the same rule).
 */
const MIRROR_SCRIPT = `
local current = redis.call('HGET', KEYS[1], 'state')
if ARGV[3] == 'sent' and (current == 'delivered' or current == 'read') then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
return redis.call('EXPIRE', KEYS[1], ARGV[1])`;

/** Mirrors committed changes into Redis hashes; failures are ignored (the database has them). */
export async function mirrorStates(
  redis: Redis | undefined,
  changes: StateChange[],
): Promise<void> {
  if (!redis || changes.length === 0) return;
  const pipeline = redis.pipeline();
  const now = new Date().toISOString();
  for (const c of changes) {
    const fields: Record<string, string> = {
      state: c.state,
      conversation: c.conversationId,
      updated_at: now,
    };
    if (c.detail?.attempts !== undefined) fields.attempts = String(c.detail.attempts);
    if (c.detail?.error !== undefined) fields.error = String(c.detail.error);
    pipeline.eval(
      MIRROR_SCRIPT,
      1,
      `status:${c.messageId}`,
      MIRROR_TTL_SECONDS,
      ...Object.entries(fields).flat(),
    );
  }
  await pipeline.exec().catch(() => {});
}
