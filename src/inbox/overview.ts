/**
 * The numbers of the dashboard's overview (issue 7), for one tenant over the last hours: traffic
 * per channel, time to first reply, handoff and escalation rates, errors, AI cost today, the
 * tenant's backlog and dead letters, and messages per hour for the charts. Read from the rows
 * (the truth in every profile), not from one process's metrics.
 */
import { sql } from 'drizzle-orm';
import { blockedByDeadLetter } from '../pipeline/index.ts';
import { type Db, queryRows } from '../storage/index.ts';

export interface Overview {
  window_hours: number;
  channels: Array<{ channel: string; inbound: number; outbound: number }>;
  first_reply_ms: { p50: number | null; p95: number | null; count: number };
  conversations_started: number;
  /** Conversations started in the window that reached a person. */
  handoffs: number;
  handoff_rate: number | null;
  /** Conversations started in the window the bot escalated on its own judgement. */
  escalations: number;
  escalation_rate: number | null;
  turns: number;
  failed_turns: number;
  error_rate: number | null;
  ai_cost_today_usd: number;
  backlog: { inbound: number; outbound: number };
  dlq_size: number;
  /** Replies waiting behind a dead-lettered head of their conversation (order holds). */
  blocked_by_dead_letter: number;
  hourly: Array<{ hour: string; inbound: number; outbound: number }>;
}

/**
 * The two rates, over the conversations started in the window (each counted once, however many
 * episodes it had):
 * - handoff rate: the share that reached a person, whoever asked (the contact, the bot, an operator);
 * - escalation rate: the share the bot handed over on its own judgement — low confidence, repeated
 *   guardrail blocks, failing providers, the handoff tool — not because the contact asked for a
 *   person (reason `human_request`, agents/escalation.ts) nor because an operator took it.
 */
const ESCALATION_TRIGGERS = ['escalation', 'tool'];
const CONTACT_ASKED = 'human_request:%';

const ratio = (part: number, whole: number) => (whole > 0 ? part / whole : null);

export async function overviewStats(
  db: Db,
  options: { tenantId: string; hours: number },
): Promise<Overview> {
  const { tenantId, hours } = options;
  const since = sql`now() - make_interval(hours => ${hours})`;
  const [channels, [reply], [counts], hourly] = await Promise.all([
    queryRows<{ channel: string; inbound: number; outbound: number }>(
      db,
      sql`select channel,
                 count(*) filter (where direction = 'inbound')::int as inbound,
                 count(*) filter (where direction = 'outbound' and status in ('sent', 'delivered', 'read'))::int as outbound
            from messages
           where tenant_id = ${tenantId} and created_at >= ${since} and author <> 'system'
           group by channel order by channel`,
    ),
    queryRows<{ p50: number | null; p95: number | null; count: number }>(
      db,
      sql`with replies as (
            select extract(epoch from (o.enviada_em - min(i.created_at))) * 1000 as ms
              from outbox o
              join messages r on r.id = o.message_id and r.author = 'bot'
              join messages i on i.turn_id = r.turn_id and i.direction = 'inbound'
             where o.tenant_id = ${tenantId} and o.status = 'enviada' and o.enviada_em >= ${since}
             group by o.id, o.enviada_em)
          select percentile_cont(0.5) within group (order by ms) as p50,
                 percentile_cont(0.95) within group (order by ms) as p95,
                 count(*)::int as count
            from replies`,
    ),
    queryRows<{
      started: number;
      handoffs: number;
      escalations: number;
      turns: number;
      failed: number;
      cost: string | null;
      inbound_backlog: number;
      outbound_backlog: number;
      dlq: number;
      blocked: number;
    }>(
      db,
      sql`select
            (select count(*)::int from conversations where tenant_id = ${tenantId} and created_at >= ${since}) as started,
            (select count(distinct h.conversation_id)::int from handoffs h
               join conversations c on c.id = h.conversation_id
              where c.tenant_id = ${tenantId} and c.created_at >= ${since}) as handoffs,
            (select count(distinct h.conversation_id)::int from handoffs h
               join conversations c on c.id = h.conversation_id
              where c.tenant_id = ${tenantId} and c.created_at >= ${since}
                and h.trigger in (${sql.join(
                  ESCALATION_TRIGGERS.map((t) => sql`${t}`),
                  sql`, `,
                )})
                and h.reason not like ${CONTACT_ASKED}) as escalations,
            (select count(*)::int from turns where tenant_id = ${tenantId} and started_at >= ${since}
                and status in ('committed', 'failed')) as turns,
            (select count(*)::int from turns where tenant_id = ${tenantId} and started_at >= ${since}
                and status = 'failed') as failed,
            (select coalesce(sum(cost_usd), 0)::text from llm_attempts where tenant_id = ${tenantId}
                and created_at >= date_trunc('day', now())) as cost,
            (select count(*)::int from messages where tenant_id = ${tenantId} and direction = 'inbound'
                and status in ('received', 'processing')) as inbound_backlog,
            (select count(*)::int from outbox where tenant_id = ${tenantId}
                and status in ('pendente', 'enviando')) as outbound_backlog,
            (select count(*)::int from dead_letters where tenant_id = ${tenantId} and replayed_at is null) as dlq,
            (select count(*)::int from outbox o where o.tenant_id = ${tenantId} and o.status = 'pendente'
                and ${blockedByDeadLetter}) as blocked`,
    ),
    queryRows<{ hour: Date | string; inbound: number; outbound: number }>(
      db,
      sql`select date_trunc('hour', created_at) as hour,
                 count(*) filter (where direction = 'inbound')::int as inbound,
                 count(*) filter (where direction = 'outbound')::int as outbound
            from messages
           where tenant_id = ${tenantId} and created_at >= ${since} and author <> 'system'
           group by 1 order by 1`,
    ),
  ]);
  const c = counts as NonNullable<typeof counts>;
  return {
    window_hours: hours,
    channels,
    first_reply_ms: {
      p50: reply?.p50 === null || reply?.p50 === undefined ? null : Math.round(Number(reply.p50)),
      p95: reply?.p95 === null || reply?.p95 === undefined ? null : Math.round(Number(reply.p95)),
      count: reply?.count ?? 0,
    },
    conversations_started: c.started,
    handoffs: c.handoffs,
    handoff_rate: ratio(c.handoffs, c.started),
    escalations: c.escalations,
    escalation_rate: ratio(c.escalations, c.started),
    turns: c.turns,
    failed_turns: c.failed,
    error_rate: ratio(c.failed, c.turns),
    ai_cost_today_usd: Number(c.cost ?? 0),
    backlog: { inbound: c.inbound_backlog, outbound: c.outbound_backlog },
    dlq_size: c.dlq,
    blocked_by_dead_letter: c.blocked,
    hourly: hourly.map((h) => ({
      hour: new Date(h.hour).toISOString(),
      inbound: h.inbound,
      outbound: h.outbound,
    })),
  };
}
