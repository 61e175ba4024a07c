/**
 * The sweeper (SPEC §4.5): the database is the truth, queue entries are only signals. It finds
 * work the database says is unfinished but no worker is doing — inbound messages left unanswered,
 * outbox rows overdue or whose send lease ran out (not those waiting behind a dead letter, which
 * only an operator releases) — and signals it again. That recovers from a
 * Redis flush or restart, a crash between commit and enqueue, and a dead worker's send.
 */
import { sql } from 'drizzle-orm';
import { queryRows } from '../storage/index.ts';
import { blockedByDeadLetter } from './dead-letters.ts';
import type { PipelineDeps } from './types.ts';

export interface SweepResult {
  conversations: number;
  outboxes: number;
}

/**
 * `staleMs`: how long work must have waited to be signalled again; by default two claim-idle
 * periods and the debounce cap (nobody is going to get to it by itself). 0 after a Redis outage:
 * every signal sent meanwhile was lost, and a duplicate signal does no harm.
 */
export async function sweep(
  deps: PipelineDeps,
  options: { staleMs?: number } = {},
): Promise<SweepResult> {
  const staleMs = options.staleMs ?? deps.settings.claimIdleMs * 2 + deps.settings.debounceMaxMs;
  const stale = sql`now() - make_interval(secs => ${staleMs / 1000})`;
  const inbound = await queryRows<{ tenant_id: string; conversation_id: string }>(
    deps.db,
    sql`select distinct m.tenant_id, m.conversation_id
          from messages m join conversations c on c.id = m.conversation_id
         where m.direction = 'inbound' and m.status in ('received', 'processing')
           and m.updated_at < ${stale}
           and (c.lease_owner is null or c.lease_expires_at < now())`,
  );
  const outbound = await queryRows<{ tenant_id: string; conversation_id: string }>(
    deps.db,
    sql`select distinct o.tenant_id, o.conversation_id from outbox o
         where o.status in ('pendente', 'enviando')
           and o.next_attempt_at < now() - make_interval(secs => ${(options.staleMs ?? deps.settings.claimIdleMs) / 1000})
           and not ${blockedByDeadLetter}`,
  );
  for (const row of inbound) {
    await deps.queue.enqueue(
      'omni.messages',
      { tenantId: row.tenant_id, conversationId: row.conversation_id },
      { key: row.conversation_id },
    );
  }
  for (const row of outbound) {
    await deps.queue.enqueue(
      'omni.outbox',
      { tenantId: row.tenant_id, conversationId: row.conversation_id },
      { key: row.conversation_id },
    );
  }
  if (inbound.length > 0) deps.metrics.sweptTotal.inc({ stream: 'omni.messages' }, inbound.length);
  if (outbound.length > 0) deps.metrics.sweptTotal.inc({ stream: 'omni.outbox' }, outbound.length);
  if (inbound.length + outbound.length > 0) {
    deps.logger.warn(
      { conversations: inbound.length, outboxes: outbound.length },
      'sweeper re-signalled unfinished work',
    );
  }
  return { conversations: inbound.length, outboxes: outbound.length };
}
