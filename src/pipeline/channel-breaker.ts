/**
 * Channel breakers (issue 13): a channel that keeps failing for a tenant is probed, not hammered.
 * After `BREAKER_OPENS_AFTER` retryable send failures in a row the breaker opens; from then on one
 * send per backoff period is let through as a probe (claimed in the database, so one probe across
 * every dispatcher process) and every other reply of that tenant and channel waits without an
 * attempt. The probe's success closes the breaker and releases the waiting replies at once.
 *
 * The state lives in `channel_breakers` (no row: closed) so health, /metrics and `omni doctor`
 * all read the same thing, whichever process tripped it.
 */
import { sql } from 'drizzle-orm';
import type { HealthCheck } from '../observability/index.ts';
import { type Db, queryRows } from '../storage/index.ts';
import type { PipelineDeps } from './types.ts';

/** Retryable failures in a row that open a breaker: one bad answer is noise, three are an outage. */
export const BREAKER_OPENS_AFTER = 3;
/** The first retry and the first probe period start from this; each failure doubles it up to the cap. */
export const BACKOFF_BASE_MS = 500;

export interface BreakerKey {
  tenantId: string;
  channel: string;
}

export type BreakerGate =
  /** Send normally; `tracked`: failures are being counted, a success must reset them. */
  | { kind: 'closed'; tracked: boolean }
  /** The breaker is open and this send is its one probe. */
  | { kind: 'probe' }
  /** The breaker is open and its probe is not due (or in flight): wait until `until`. */
  | { kind: 'held'; until: Date };

/**
 * The probe period after `failures` in a row: exponential from the base, capped, with "equal
 * jitter" (half fixed, half random) so probes of many tenants spread out yet never come closer
 * than half a period; a longer `Retry-After` wins.
 */
export function probePeriodMs(
  failures: number,
  capMs: number,
  retryAfterMs = 0,
  random = Math.random,
): number {
  const exponent = Math.max(0, failures - BREAKER_OPENS_AFTER);
  const ceiling = Math.min(capMs, BACKOFF_BASE_MS * 2 ** exponent);
  return Math.max(Math.round(ceiling / 2 + (random() * ceiling) / 2), retryAfterMs);
}

/** Decides whether a send may go out now; claims the probe when the breaker is open and due. */
export async function passBreaker(
  db: Db,
  key: BreakerKey,
  probeLeaseMs: number,
): Promise<BreakerGate> {
  const [probe] = await queryRows<{ failures: number }>(
    db,
    sql`update channel_breakers
           set next_probe_at = now() + make_interval(secs => ${probeLeaseMs / 1000}), updated_at = now()
         where tenant_id = ${key.tenantId} and channel = ${key.channel}
           and opened_at is not null and next_probe_at <= now()
     returning failures`,
  );
  if (probe) return { kind: 'probe' };
  const [row] = await queryRows<{ opened: boolean; next_probe_at: Date | string | null }>(
    db,
    sql`select opened_at is not null as opened, next_probe_at from channel_breakers
         where tenant_id = ${key.tenantId} and channel = ${key.channel}`,
  );
  if (!row) return { kind: 'closed', tracked: false };
  if (!row.opened) return { kind: 'closed', tracked: true };
  return { kind: 'held', until: new Date(row.next_probe_at ?? Date.now()) };
}

/**
 * A send went through: the breaker closes. When it had been open, the replies it held are due
 * now and their conversations are signalled (the number of conversations released).
 */
export async function breakerSucceeded(deps: PipelineDeps, key: BreakerKey): Promise<number> {
  const [closed] = await queryRows<{ was_open: boolean }>(
    deps.db,
    sql`delete from channel_breakers where tenant_id = ${key.tenantId} and channel = ${key.channel}
     returning opened_at is not null as was_open`,
  );
  if (!closed?.was_open) return 0;
  const held = await queryRows<{ conversation_id: string }>(
    deps.db,
    sql`update outbox set next_attempt_at = now(), updated_at = now()
         where tenant_id = ${key.tenantId} and channel = ${key.channel}
           and status = 'pendente' and next_attempt_at > now()
     returning conversation_id`,
  );
  const conversations = [...new Set(held.map((r) => r.conversation_id))];
  for (const conversationId of conversations) {
    await deps.queue.enqueue(
      'omni.outbox',
      { tenantId: key.tenantId, conversationId },
      { key: conversationId },
    );
  }
  deps.metrics.breakerTransitions.inc({ channel: key.channel, to: 'closed' });
  deps.logger.info(
    { tenant_id: key.tenantId, channel: key.channel, released: conversations.length },
    'channel breaker closed: the probe went through',
  );
  return conversations.length;
}

/**
 * A retryable send failed: one more failure in a row. At the threshold the breaker opens; while
 * open, each failed probe pushes the next one a (longer) period away. Returns the next probe time
 * when the breaker is open.
 */
export async function breakerFailed(
  deps: PipelineDeps,
  key: BreakerKey,
  error: { message: string; retryAfterMs?: number },
): Promise<Date | undefined> {
  const [row] = await queryRows<{ failures: number; opened_at: Date | string | null }>(
    deps.db,
    sql`insert into channel_breakers as b (tenant_id, channel, failures, last_error)
        values (${key.tenantId}, ${key.channel}, 1, ${error.message})
        on conflict (tenant_id, channel) do update
           set failures = b.failures + 1, last_error = excluded.last_error, updated_at = now()
     returning failures, opened_at`,
  );
  if (!row || row.failures < BREAKER_OPENS_AFTER) return undefined;
  const periodMs = probePeriodMs(row.failures, deps.settings.backoffMaxMs, error.retryAfterMs);
  const [opened] = await queryRows<{ next_probe_at: Date | string }>(
    deps.db,
    sql`update channel_breakers
           set opened_at = coalesce(opened_at, now()),
               next_probe_at = now() + make_interval(secs => ${periodMs / 1000})
         where tenant_id = ${key.tenantId} and channel = ${key.channel}
     returning next_probe_at`,
  );
  if (!row.opened_at) {
    deps.metrics.breakerTransitions.inc({ channel: key.channel, to: 'open' });
    deps.logger.warn(
      { tenant_id: key.tenantId, channel: key.channel, failures: row.failures, err: error.message },
      `channel breaker opened: one probe per backoff period until ${key.channel} answers`,
    );
  }
  return opened ? new Date(opened.next_probe_at) : undefined;
}

export interface BreakerView {
  tenant_id: string;
  tenant: string;
  channel: string;
  state: 'open' | 'closed';
  failures: number;
  opened_at: string | null;
  next_probe_at: string | null;
  last_error: string | null;
}

/** Breakers that are counting failures or open, for health, /metrics and doctor. */
export async function listChannelBreakers(db: Db): Promise<BreakerView[]> {
  const rows = await queryRows<{
    tenant_id: string;
    tenant: string;
    channel: string;
    failures: number;
    opened_at: Date | string | null;
    next_probe_at: Date | string | null;
    last_error: string | null;
  }>(
    db,
    sql`select b.tenant_id, t.slug as tenant, b.channel, b.failures, b.opened_at, b.next_probe_at, b.last_error
          from channel_breakers b join tenants t on t.id = b.tenant_id
         order by b.opened_at nulls last, t.slug, b.channel`,
  );
  const iso = (value: Date | string | null) => (value ? new Date(value).toISOString() : null);
  return rows.map((r) => ({
    tenant_id: r.tenant_id,
    tenant: r.tenant,
    channel: r.channel,
    state: r.opened_at ? 'open' : 'closed',
    failures: r.failures,
    opened_at: iso(r.opened_at),
    next_probe_at: iso(r.next_probe_at),
    last_error: r.last_error,
  }));
}

/** Health: a tenant's channel with an open breaker degrades the service (its replies wait). */
export function channelBreakerCheck(db: Db): HealthCheck {
  return {
    name: 'channel_breakers',
    critical: false,
    async check() {
      const open = (await listChannelBreakers(db)).filter((b) => b.state === 'open');
      if (open.length === 0) return { status: 'up', open: [] };
      return {
        status: 'down',
        error: `${open.length} channel breaker(s) open: ${open.map((b) => `${b.tenant}/${b.channel}`).join(', ')}`,
        open: open.map(({ tenant, channel, failures, opened_at, next_probe_at }) => ({
          tenant,
          channel,
          failures,
          opened_at,
          next_probe_at,
        })),
      };
    },
  };
}
