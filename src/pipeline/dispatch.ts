/**
 * The dispatcher's job for one conversation (SPEC §4.4, §4.6): send its due outbox rows in order.
 * The head row is taken with a send lease (`enviando` until `next_attempt_at`), so two dispatchers
 * never send for the same conversation at once and order holds; a failed head blocks the rows
 * behind it until it is delivered — a dead-lettered head keeps blocking them until it is replayed or
 * discarded (see dead-letters.ts). A bot reply is re-checked against the conversation's owner
 * right before sending: if a human took over, it is cancelled, not sent.
 *
 * Retries are bounded by time: a retryable failure is tried again with capped exponential backoff
 * (and the channel's Retry-After) until DISPATCH_RETRY_WINDOW has passed since the row's first
 * failure; a permanent one is dead-lettered at once. A channel that keeps failing for a tenant is
 * gated by its breaker (channel-breaker.ts): one probe per period, the other replies wait.
 */
import { sql } from 'drizzle-orm';
import { backoffDelayMs } from '../queue/index.ts';
import { awakeTimeout } from '../retry/index.ts';
import { notHeld, queryRows, RowTakenError, schema, whileHolding } from '../storage/index.ts';
import {
  BACKOFF_BASE_MS,
  type BreakerGate,
  type BreakerKey,
  breakerFailed,
  breakerSucceeded,
  passBreaker,
} from './channel-breaker.ts';
import { ChannelError } from './channel-port.ts';
import { deadLetter } from './dead-letters.ts';
import { mirrorStates, recordStates, type StateChange } from './message-state.ts';
import type { ConversationWork } from './turn.ts';
import type { PipelineDeps } from './types.ts';

interface HeadRow {
  id: string;
  tenant_id: string;
  conversation_id: string;
  message_id: string;
  channel: string;
  idempotency_key: string;
  /** `notice: 'handoff'`: the bot telling the contact a person is coming (see TurnReply). */
  payload: { text?: string; notice?: 'handoff' };
  attempts: number;
  errors: unknown[];
  author: string;
  controlled_by: string;
  contact: string;
  inbound_at: Date | string | null;
}

/** Send lines carry seed 001's word for sending: its runbook greps "enviar". */
const SEND_STEP = 'enviar';

/**
 * A send may take `sendTimeoutMs`; the row's send lease is twice that, renewed while the send is
 * in flight, so another dispatcher takes the row only once the first one has given up (or died).
 */
const sendLeaseMs = (deps: PipelineDeps) => deps.settings.sendTimeoutMs * 2;

/** Advisory-lock namespace of in-flight sends (storage/held-call.ts says why they are held). */
const SEND_LOCK_SPACE = 0x0e4d;

export type DispatchOutcome = { sent: number; waitingMs?: number };

export async function dispatchConversation(
  deps: PipelineDeps,
  work: ConversationWork,
): Promise<DispatchOutcome> {
  let sent = 0;
  for (;;) {
    const head = await takeHead(deps, work.conversationId);
    if (!head) {
      const waitingMs = await nextDueIn(deps, work.conversationId);
      if (waitingMs !== undefined) {
        await deps.queue.enqueue('omni.outbox', work, {
          key: work.conversationId,
          delayMs: waitingMs,
        });
      }
      return { sent, waitingMs };
    }
    // After a failure the next takeHead finds the head not yet due, and schedules the retry.
    if ((await sendHead(deps, head)) === 'sent') sent++;
  }
}

async function takeHead(deps: PipelineDeps, conversationId: string): Promise<HeadRow | undefined> {
  const [row] = await queryRows<HeadRow>(
    deps.db,
    sql`with head as (
          select o.id, o.status from outbox o
           where o.conversation_id = ${conversationId}
             and o.status in ('pendente', 'enviando', 'dlq', 'falhou')
           order by o.created_at, o.id limit 1 for update)
        update outbox o
           set status = 'enviando', attempts = o.attempts + 1, updated_at = now(),
               next_attempt_at = now() + make_interval(secs => ${sendLeaseMs(deps) / 1000})
          from head, messages m, conversations c, contacts k
         where o.id = head.id and head.status in ('pendente', 'enviando') and o.next_attempt_at <= now()
           ${deps.holds ? sql`and ${notHeld(SEND_LOCK_SPACE, sql`o.id`)}` : sql``}
           and m.id = o.message_id and c.id = o.conversation_id and k.id = c.contact_id
     returning o.id, o.tenant_id, o.conversation_id, o.message_id, o.channel, o.idempotency_key,
               o.payload, o.attempts, o.errors, m.author, c.controlled_by, k.external_id as contact,
               (select min(i.created_at) from messages i where i.turn_id = m.turn_id and i.direction = 'inbound') as inbound_at`,
  );
  return row;
}

/**
 * Milliseconds until the conversation's head row is due, if it has one waiting. A dead-lettered
 * head is not due until an operator replays or discards it, so nothing is scheduled behind it.
 */
async function nextDueIn(deps: PipelineDeps, conversationId: string): Promise<number | undefined> {
  const [row] = await queryRows<{ wait_ms: number; status: string }>(
    deps.db,
    sql`select status, greatest(0, ceil(extract(epoch from (next_attempt_at - now())) * 1000))::int as wait_ms
          from outbox where conversation_id = ${conversationId}
           and status in ('pendente', 'enviando', 'dlq', 'falhou')
         order by created_at, id limit 1`,
  );
  if (!row || row.status === 'dlq' || row.status === 'falhou') return undefined;
  // Overdue yet not taken: another dispatcher's send is still in flight (it holds the row's lock).
  if (row.status === 'enviando' && row.wait_ms === 0) return sendLeaseMs(deps) / 2;
  return Math.max(row.wait_ms, 1);
}

type SendOutcome = 'sent' | 'cancelled' | 'held' | 'retry_later' | 'dead';

async function sendHead(deps: PipelineDeps, head: HeadRow): Promise<SendOutcome> {
  const base = {
    tenantId: head.tenant_id,
    conversationId: head.conversation_id,
    messageId: head.message_id,
  };
  const handoffNotice = head.payload.notice === 'handoff' && head.controlled_by === 'pending_human';
  if (head.author === 'bot' && head.controlled_by !== 'bot' && !handoffNotice) {
    await settle(deps, head, { status: 'cancelada' }, [
      { ...base, state: 'cancelled', detail: { reason: 'human_took_over' } },
    ]);
    deps.logger.info(
      { conversation_id: head.conversation_id, message_id: head.message_id },
      'bot reply cancelled: a human took over',
    );
    return 'cancelled';
  }
  const adapter = deps.channels.get(head.channel);
  const breaker = { tenantId: head.tenant_id, channel: head.channel };
  const gate: BreakerGate = adapter
    ? await passBreaker(deps.db, breaker, sendLeaseMs(deps))
    : { kind: 'closed', tracked: false };
  if (gate.kind === 'held') {
    // Not an attempt: the reply waits for the breaker's probe without touching the channel.
    await settle(
      deps,
      head,
      { status: 'pendente', attempts: head.attempts - 1, nextAttemptAt: gate.until },
      [],
    );
    deps.metrics.heldByBreaker.inc({ channel: head.channel });
    return 'held';
  }
  const started = performance.now();
  deps.metrics.dispatcherTotal.inc({ channel: head.channel });
  try {
    if (!adapter)
      throw new ChannelError(`No adapter sends on channel "${head.channel}".`, {
        retryable: false,
      });
    // Time spent stopped does not count: a resumed dispatcher reads the answer instead of aborting.
    const timeout = awakeTimeout(deps.settings.sendTimeoutMs);
    const result = await whileSending(deps, head, () =>
      adapter.send(
        {
          tenantId: head.tenant_id,
          conversationId: head.conversation_id,
          messageId: head.message_id,
          idempotencyKey: head.idempotency_key,
          to: head.contact,
          text: head.payload.text ?? '',
        },
        timeout.signal,
      ),
    ).finally(() => timeout.clear());
    await settle(
      deps,
      head,
      {
        status: 'enviada',
        enviadaEm: sql`now()`,
        providerMessageId: result.providerMessageId ?? null,
      },
      [
        {
          ...base,
          state: 'sent',
          detail: { attempts: head.attempts, provider_message_id: result.providerMessageId },
        },
      ],
    );
    if (gate.kind === 'probe' || gate.tracked) {
      await breakerSucceeded(deps, breaker).catch((error) =>
        deps.logger.warn(
          { err: error, channel: head.channel },
          'could not close a channel breaker',
        ),
      );
    }
    deps.metrics.dispatchMs.observe({ channel: head.channel }, performance.now() - started);
    deps.metrics.outboundTotal.inc({ channel: head.channel });
    if (head.inbound_at) {
      deps.metrics.timeToFirstReplyMs.observe(
        { channel: head.channel },
        Date.now() - new Date(head.inbound_at).getTime(),
      );
    }
    deps.logger.info(
      {
        tenant_id: head.tenant_id,
        conversation_id: head.conversation_id,
        message_id: head.message_id,
        attempts: head.attempts,
        step: SEND_STEP,
      },
      'outbound sent',
    );
    return 'sent';
  } catch (error) {
    // Another dispatcher has the row now (it waited too long for a connection): not a failure.
    if (error instanceof RowTakenError) return 'retry_later';
    return failed(deps, head, error, adapter ? breaker : undefined);
  }
}

/**
 * Runs the channel call with the row held (storage/held-call.ts): its send lease renewed, fenced
 * by the attempt number — once another dispatcher took the row, this one's late outcome is refused
 * by `settle` — and on PostgreSQL its send lock taken.
 */
function whileSending<T>(deps: PipelineDeps, head: HeadRow, send: () => Promise<T>): Promise<T> {
  const leaseMs = sendLeaseMs(deps);
  return whileHolding(
    deps.db,
    {
      lockSpace: SEND_LOCK_SPACE,
      id: head.id,
      limit: deps.holds,
      leaseMs,
      renewLease: sql`update outbox set next_attempt_at = clock_timestamp() + make_interval(secs => ${leaseMs / 1000})
                       where id = ${head.id} and status = 'enviando' and attempts = ${head.attempts}`,
      onRenewError: (error) =>
        deps.logger.warn({ err: error, outbox_id: head.id }, 'could not renew a send lease'),
    },
    send,
  );
}

/** When this row first failed (its errors are cleared by a replay, which starts a new window). */
function firstFailureAt(head: HeadRow): number {
  const first = head.errors[0] as { at?: string } | undefined;
  const at = first?.at ? Date.parse(first.at) : Number.NaN;
  return Number.isNaN(at) ? Date.now() : at;
}

async function failed(
  deps: PipelineDeps,
  head: HeadRow,
  error: unknown,
  breaker: BreakerKey | undefined,
): Promise<SendOutcome> {
  const channelError =
    error instanceof ChannelError
      ? error
      : new ChannelError((error as Error).message, { retryable: true, cause: error });
  const record = {
    at: new Date().toISOString(),
    attempt: head.attempts,
    error: channelError.message,
    status: channelError.status,
  };
  const errors = [...head.errors, record];
  const base = {
    tenantId: head.tenant_id,
    conversationId: head.conversation_id,
    messageId: head.message_id,
  };
  const log = {
    conversation_id: head.conversation_id,
    message_id: head.message_id,
    attempts: head.attempts,
    err: channelError.message,
    step: SEND_STEP,
  };

  // A contact-specific refusal (permanent) says nothing about the channel: only retryable ones count.
  const nextProbe =
    breaker && channelError.retryable
      ? await breakerFailed(deps, breaker, channelError).catch((failure) => {
          deps.logger.warn({ err: failure, channel: head.channel }, 'could not count a failure');
          return undefined;
        })
      : undefined;
  const inWindow = Date.now() - firstFailureAt(head) < deps.settings.retryWindowMs;
  if (channelError.retryable && inWindow) {
    const delayMs = Math.max(
      backoffDelayMs(head.attempts, BACKOFF_BASE_MS, deps.settings.backoffMaxMs),
      channelError.retryAfterMs ?? 0,
      nextProbe ? nextProbe.getTime() - Date.now() : 0,
    );
    await settle(
      deps,
      head,
      {
        status: 'pendente',
        lastError: channelError.message,
        errors,
        nextAttemptAt: sql`now() + make_interval(secs => ${delayMs / 1000})`,
      },
      [
        {
          ...base,
          state: 'retrying',
          detail: { attempts: head.attempts, error: channelError.message, retry_in_ms: delayMs },
        },
      ],
    );
    deps.metrics.dispatchFailures.inc({ channel: head.channel, outcome: 'retry' });
    deps.logger.warn({ ...log, retry_in_ms: delayMs }, 'send failed; will retry');
    return 'retry_later';
  }

  const reason = channelError.retryable ? 'retry_window_exceeded' : 'permanent_failure';
  await settle(
    deps,
    head,
    { status: channelError.retryable ? 'dlq' : 'falhou', lastError: channelError.message, errors },
    [
      {
        ...base,
        state: channelError.retryable ? 'dlq' : 'failed',
        detail: { attempts: head.attempts, error: channelError.message },
      },
    ],
  );
  await deadLetter(deps, {
    tenantId: head.tenant_id,
    stream: 'omni.outbox',
    payload: { outboxId: head.id, tenantId: head.tenant_id, conversationId: head.conversation_id },
    reason,
    errors,
    attempts: head.attempts,
  });
  deps.metrics.dispatchFailures.inc({ channel: head.channel, outcome: 'dead' });
  deps.logger.error(log, `send failed for good (${reason}); dead-lettered`);
  return 'dead';
}

/** Writes the row's new state, only if this dispatcher still holds its send lease. */
async function settle(
  deps: PipelineDeps,
  head: HeadRow,
  set: Partial<Record<keyof typeof schema.outbox.$inferInsert, unknown>>,
  changes: StateChange[],
): Promise<void> {
  const applied = await deps.db.transaction(async (tx) => {
    const rows = await tx
      .update(schema.outbox)
      .set({ ...(set as Partial<typeof schema.outbox.$inferInsert>), updatedAt: sql`now()` })
      .where(
        sql`${schema.outbox.id} = ${head.id} and ${schema.outbox.status} = 'enviando' and ${schema.outbox.attempts} = ${head.attempts}`,
      )
      .returning({ id: schema.outbox.id });
    if (rows.length === 0) return false;
    await recordStates(tx, changes);
    return true;
  });
  if (applied) await mirrorStates(deps.redis, changes);
  else deps.logger.warn({ outbox_id: head.id }, 'send lease lost before the outcome was recorded');
}
