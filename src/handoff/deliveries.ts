/**
 * The integrations outbox (`integration_deliveries`). A scan turns the rows integrations follow
 * (new handoffs, episodes closed, messages) into delivery rows, one per call, keyed so a second
 * scan adds nothing; a claim takes the due head of each lane (a target and a conversation: order
 * holds within it, and one slow lane does not hold up the others); a settle records the outcome,
 * the retry time (backoff, or the service's Retry-After), or the dead end.
 */
import { sql } from 'drizzle-orm';
import { backoffDelayMs } from '../queue/index.ts';
import type { Db, HeldRow } from '../storage/index.ts';
import { notHeld, queryRows } from '../storage/index.ts';
import { IntegrationError } from './outbound-http.ts';

/** Rows older than this are not looked at by the scan (a worker down longer misses them). */
const SCAN_WINDOW = sql.raw(`interval '1 hour'`);
/** Outside services have outages of minutes: retried for longer than queue entries. */
export const INTEGRATION_MAX_ATTEMPTS = 10;
/** Advisory-lock namespace of deliveries in flight (storage/held-call.ts says why they are held). */
const DELIVERY_LOCK_SPACE = 0x0e4e;

export interface Delivery {
  id: string;
  tenant_id: string;
  conversation_id: string | null;
  target: 'slack' | 'chatwoot';
  kind: string;
  payload: Record<string, unknown>;
  attempts: number;
}

export interface ScanTargets {
  slack: boolean;
  chatwoot: boolean;
}

export async function scanForDeliveries(db: Db, targets: ScanTargets): Promise<void> {
  if (targets.slack) {
    // Episodes someone has to come to: asked for, not opened by a human already there
    // (a take-over is accepted in the transaction that creates it).
    await db.execute(sql`
      insert into integration_deliveries
        (tenant_id, conversation_id, target, kind, lane, dedupe_key, payload, created_at)
      select h.tenant_id, h.conversation_id, 'slack', 'handoff', 'slack', 'slack:handoff:' || h.id,
             jsonb_build_object('handoff_id', h.id), h.created_at
        from handoffs h
       where h.created_at > now() - ${SCAN_WINDOW}
         and (h.accepted_at is null or h.accepted_at > h.created_at)
         and not exists (select 1 from integration_deliveries d
                          where d.dedupe_key = 'slack:handoff:' || h.id)
      on conflict (dedupe_key) do nothing`);
  }
  if (!targets.chatwoot) return;
  // Contacts' messages, the bot's once sent, humans' and system markers; never what came from
  // Chatwoot itself. Rows take the message's time, so the lane keeps the conversation's order.
  await db.execute(sql`
    insert into integration_deliveries
      (tenant_id, conversation_id, target, kind, lane, dedupe_key, payload, created_at)
    select m.tenant_id, m.conversation_id, 'chatwoot', 'message', 'chatwoot:' || m.conversation_id,
           'chatwoot:message:' || m.id, jsonb_build_object('message_id', m.id), m.created_at
      from messages m
     where m.created_at > now() - ${SCAN_WINDOW}
       and (m.author in ('contact', 'operator', 'system')
            or (m.author = 'bot' and m.status in ('sent', 'delivered', 'read')))
       and coalesce(m.content->>'source', '') <> 'chatwoot'
       and not exists (select 1 from integration_deliveries d
                        where d.dedupe_key = 'chatwoot:message:' || m.id)
    on conflict (dedupe_key) do nothing`);
  // Handoff → `open`; the episode closed → `pending` (the bot's status in Chatwoot). A change
  // Chatwoot itself caused is there already: telling it again would only echo, late.
  await db.execute(sql`
    insert into integration_deliveries
      (tenant_id, conversation_id, target, kind, lane, dedupe_key, payload, created_at)
    select h.tenant_id, h.conversation_id, 'chatwoot', 'status', 'chatwoot:' || h.conversation_id,
           'chatwoot:status:' || h.id || ':' || s.status,
           jsonb_build_object('handoff_id', h.id, 'status', s.status), s.at
      from handoffs h
      cross join lateral (values ('open', h.created_at), ('pending', h.resolved_at)) as s(status, at)
     where s.at is not null and s.at > now() - ${SCAN_WINDOW}
       and (case s.status when 'open' then h.trigger
                          else coalesce(h.release_trigger, '') end) <> 'chatwoot'
       and not exists (select 1 from integration_deliveries d
                        where d.dedupe_key = 'chatwoot:status:' || h.id || ':' || s.status)
    on conflict (dedupe_key) do nothing`);
}

/**
 * Takes the due head of up to `lanes` lanes of the configured `targets`, each with a lease of
 * `leaseMs`; with `locks`, never one another worker holds (see `holdDelivery`). Rows of a target
 * configured no longer wait until it is configured again.
 */
export function claimDeliveries(
  db: Db,
  targets: Delivery['target'][],
  lanes: number,
  leaseMs: number,
  locks: boolean,
): Promise<Delivery[]> {
  return queryRows<Delivery>(
    db,
    sql`with heads as (
          select distinct on (lane) id, next_attempt_at from integration_deliveries
           where status in ('pendente', 'enviando')
             and target in (${targetList(targets)})
           order by lane, created_at, id)
        update integration_deliveries d
           set status = 'enviando', attempts = d.attempts + 1, updated_at = now(),
               next_attempt_at = now() + make_interval(secs => ${leaseMs / 1000})
          from (select id from heads where next_attempt_at <= now() limit ${lanes}) due
         where d.id = due.id and d.next_attempt_at <= now()
           ${locks ? sql`and ${notHeld(DELIVERY_LOCK_SPACE, sql`d.id`)}` : sql``}
     returning d.id, d.tenant_id, d.conversation_id, d.target, d.kind, d.payload, d.attempts`,
  );
}

/**
 * How a claimed delivery is held while its call is in flight: its lease renewed, and on
 * PostgreSQL its lock taken, so that a stalled worker is never doubled by another one.
 */
export function holdDelivery(
  delivery: Delivery,
  options: Pick<HeldRow, 'limit' | 'leaseMs' | 'onRenewError'>,
): HeldRow {
  return {
    ...options,
    lockSpace: DELIVERY_LOCK_SPACE,
    id: delivery.id,
    renewLease: sql`update integration_deliveries
                       set next_attempt_at = clock_timestamp() + make_interval(secs => ${options.leaseMs / 1000})
                     where id = ${delivery.id} and ${thisAttempt(delivery)}`,
  };
}

/** Only the attempt that claimed the row may write its outcome: a late one is refused. */
const thisAttempt = (delivery: Delivery) =>
  sql`status = 'enviando' and attempts = ${delivery.attempts}`;

export type Settled =
  | { outcome: 'delivered' }
  | { outcome: 'retry'; delayMs: number }
  | { outcome: 'dead' }
  /** Another attempt has the row now: this one's outcome was not recorded. */
  | { outcome: 'superseded' };

export async function settleDelivery(
  db: Db,
  delivery: Delivery,
  error?: unknown,
): Promise<Settled> {
  const settle = async (changes: ReturnType<typeof sql>, settled: Settled): Promise<Settled> => {
    const updated = await queryRows<{ id: string }>(
      db,
      sql`update integration_deliveries set ${changes}, updated_at = now()
           where id = ${delivery.id} and ${thisAttempt(delivery)} returning id`,
    );
    return updated.length > 0 ? settled : { outcome: 'superseded' };
  };
  if (error === undefined) {
    return settle(sql`status = 'enviada', delivered_at = now(), last_error = null`, {
      outcome: 'delivered',
    });
  }
  const failure =
    error instanceof IntegrationError
      ? error
      : new IntegrationError((error as Error).message, { retryable: true, cause: error });
  if (failure.retryable && delivery.attempts < INTEGRATION_MAX_ATTEMPTS) {
    const delayMs = Math.max(backoffDelayMs(delivery.attempts), failure.retryAfterMs ?? 0);
    return settle(
      sql`status = 'pendente', last_error = ${failure.message},
          next_attempt_at = now() + make_interval(secs => ${delayMs / 1000})`,
      { outcome: 'retry', delayMs },
    );
  }
  return settle(sql`status = 'dlq', last_error = ${failure.message}`, { outcome: 'dead' });
}

/** Milliseconds until the next pending delivery of `targets` is due, if any is waiting. */
export async function nextDeliveryDueIn(
  db: Db,
  targets: Delivery['target'][],
): Promise<number | undefined> {
  if (targets.length === 0) return undefined;
  const [row] = await queryRows<{ wait_ms: number | null }>(
    db,
    // Only lane heads can be claimed: a due row behind a head that waits is not work yet.
    // An overdue head still `enviando` is held by a worker whose call is in flight (a stalled
    // process keeps its lock): looked at again in a second, not in a tight loop.
    sql`with heads as (
          select distinct on (lane) status, next_attempt_at from integration_deliveries
           where status in ('pendente', 'enviando') and target in (${targetList(targets)})
           order by lane, created_at, id)
        select ceil(extract(epoch from (min(
                 case when status = 'enviando' and next_attempt_at <= now()
                      then now() + interval '1 second' else next_attempt_at end) - now())) * 1000)::int as wait_ms
          from heads`,
  );
  return row?.wait_ms === null || row?.wait_ms === undefined ? undefined : Math.max(1, row.wait_ms);
}

function targetList(targets: Delivery['target'][]) {
  return sql.join(
    targets.map((target) => sql`${target}`),
    sql`, `,
  );
}
