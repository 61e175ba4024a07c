/** The pipeline's metrics, under the names seed 000 and SPEC §8 use. */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { type Queue, STREAMS, type StreamStats } from '../queue/index.ts';

const MS_BUCKETS = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000];

export function createPipelineMetrics(
  registry: Registry,
  sources: {
    queue: Queue;
    openDeadLetters: () => Promise<Record<string, number>>;
    blockedByDeadLetter: () => Promise<number>;
    openBreakers: () => Promise<Array<{ channel: string }>>;
  },
) {
  const registers = [registry];
  // Each gauge reads the queue itself: prom-client collects metrics concurrently.
  const streamGauge = (name: string, help: string, pick: (s: StreamStats) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['stream'] as const,
      registers,
      async collect() {
        for (const s of await sources.queue.stats().catch(() => []))
          this.set({ stream: s.stream }, pick(s));
      },
    });
  streamGauge('queue_depth', 'Entries waiting (ready or delayed) per stream.', (s) => s.waiting);
  streamGauge(
    'queue_pending',
    'Entries claimed by a consumer and not yet acknowledged, per stream.',
    (s) => s.pending,
  );
  return {
    inboundTotal: new Counter({
      name: 'inbound_total',
      help: 'Inbound messages accepted.',
      labelNames: ['channel'] as const,
      registers,
    }),
    inboundMs: new Histogram({
      name: 'inbound_ms',
      help: 'Milliseconds from an inbound message to its committed reply.',
      labelNames: ['channel'] as const,
      buckets: MS_BUCKETS,
      registers,
    }),
    conversationsStarted: new Counter({
      name: 'conversations_started_total',
      help: 'Conversations opened by a first inbound message (the denominator of the handoff rate).',
      labelNames: ['channel'] as const,
      registers,
    }),
    outboundTotal: new Counter({
      name: 'outbound_total',
      help: 'Outbound messages delivered to a channel.',
      labelNames: ['channel'] as const,
      registers,
    }),
    dispatcherTotal: new Counter({
      name: 'dispatcher_total',
      help: 'Send attempts made by the dispatcher.',
      labelNames: ['channel'] as const,
      registers,
    }),
    dispatchMs: new Histogram({
      name: 'dispatch_ms',
      help: 'Milliseconds a channel took to accept a send.',
      labelNames: ['channel'] as const,
      buckets: MS_BUCKETS,
      registers,
    }),
    dispatchFailures: new Counter({
      name: 'dispatch_failures_total',
      help: 'Failed sends, by whether they will be retried.',
      labelNames: ['channel', 'outcome'] as const,
      registers,
    }),
    duplicatesSuppressed: new Counter({
      name: 'duplicates_suppressed_total',
      help: 'Redelivered inbound messages acknowledged without processing them again.',
      labelNames: ['channel'] as const,
      registers,
    }),
    turnsAborted: new Counter({
      name: 'turns_aborted_total',
      help: 'Replies discarded because a newer inbound arrived while they were generated.',
      registers,
    }),
    timeToFirstReplyMs: new Histogram({
      name: 'time_to_first_reply_ms',
      help: 'Milliseconds from an inbound message to the delivery of its reply.',
      labelNames: ['channel'] as const,
      buckets: MS_BUCKETS,
      registers,
    }),
    deadLettered: new Counter({
      name: 'dlq_entries_total',
      help: 'Entries sent to the dead-letter queue, by stream and reason.',
      labelNames: ['stream', 'reason'] as const,
      registers,
    }),
    dlqSize: new Gauge({
      name: 'dlq_size',
      help: 'Dead letters not yet replayed, per stream they came from.',
      labelNames: ['stream'] as const,
      registers,
      async collect() {
        const open = await sources.openDeadLetters().catch(() => ({}) as Record<string, number>);
        for (const stream of STREAMS) this.set({ stream }, open[stream] ?? 0);
      },
    }),
    blockedByDeadLetter: new Gauge({
      name: 'outbox_blocked_by_dead_letter',
      help: 'Replies waiting behind a dead-lettered head of their conversation (replay or discard it).',
      registers,
      async collect() {
        this.set(await sources.blockedByDeadLetter().catch(() => 0));
      },
    }),
    breakersOpen: new Gauge({
      name: 'channel_breakers_open',
      help: 'Tenants whose breaker on a channel is open (one probe per backoff period), per channel.',
      labelNames: ['channel'] as const,
      registers,
      async collect() {
        const open = await sources.openBreakers().catch(() => undefined);
        if (!open) return;
        this.reset();
        for (const { channel } of open) this.inc({ channel });
      },
    }),
    breakerTransitions: new Counter({
      name: 'channel_breaker_transitions_total',
      help: 'Channel breakers opened (after repeated failures) and closed (a probe went through).',
      labelNames: ['channel', 'to'] as const,
      registers,
    }),
    heldByBreaker: new Counter({
      name: 'dispatch_held_by_breaker_total',
      help: 'Sends not attempted because the channel’s breaker was open (they wait for its probe).',
      labelNames: ['channel'] as const,
      registers,
    }),
    modelOutageWaits: new Counter({
      name: 'turns_waiting_for_models_total',
      help: 'Turns put off because every model failed (retried with backoff), by whether a holding message went out.',
      labelNames: ['holding'] as const,
      registers,
    }),
    sweptTotal: new Counter({
      name: 'sweeper_requeued_total',
      help: 'Queue entries re-created by the sweeper from database rows.',
      labelNames: ['stream'] as const,
      registers,
    }),
  };
}

export type PipelineMetrics = ReturnType<typeof createPipelineMetrics>;
