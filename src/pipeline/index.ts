/**
 * The delivery pipeline (SPEC §4): ingest → turn → outbox → dispatch, on either queue backend.
 * `createPipeline` wires it to a runtime; edges call `ingest`, start workers, and inspect state.
 */
import type { Config } from '../config/index.ts';
import type { MediaService } from '../media/index.ts';
import type { Logger, Metrics } from '../observability/index.ts';
import { createQueue, type Queue, type QueueBackendName, type Role } from '../queue/index.ts';
import type { Database, RedisConnection } from '../storage/index.ts';
import { listChannelBreakers } from './channel-breaker.ts';
import type { ChannelAdapter } from './channel-port.ts';
import { countBlockedByDeadLetter, countOpenDeadLetters } from './dead-letters.ts';
import { type InboundInput, ingest } from './ingest.ts';
import { createPipelineMetrics } from './metrics.ts';
import { sweep } from './sweeper.ts';
import type { PipelineDeps, PipelineSettings, Responder } from './types.ts';
import { runOnce, startWorkers } from './workers.ts';

export { type BreakerView, channelBreakerCheck, listChannelBreakers } from './channel-breaker.ts';
export {
  type ChannelAdapter,
  ChannelError,
  type ChannelHealth,
  type OutboundMessage,
  type SendResult,
} from './channel-port.ts';
export {
  type ContactDetails,
  type OpenConversation,
  openConversation,
} from './conversation-open.ts';
export {
  blockedByDeadLetter,
  countBlockedByDeadLetter,
  type DeadLetter,
  type DiscardOutcome,
  discardDeadLetter,
  getDeadLetter,
  listDeadLetters,
  purgeDeadLetters,
  replayDeadLetter,
} from './dead-letters.ts';
export {
  announceConversationEvent,
  announceMessageEvents,
  type ConversationEvent,
  type MessageEvent,
  subscribeConversationEvents,
  subscribeMessageEvents,
} from './events.ts';
export type { InboundInput, IngestResult } from './ingest.ts';
export { type MessageStatus, messageStatus } from './status.ts';
export {
  ModelsUnavailable,
  type PipelineDeps,
  type PipelineSettings,
  type Responder,
  type TurnReply,
  type TurnRequest,
} from './types.ts';
export { isPaused, type RunningWorkers, setPaused } from './workers.ts';

export interface PipelineSources {
  config: Config;
  database: Database;
  redis?: RedisConnection;
  logger: Logger;
  metrics: Metrics;
}

export interface PipelineOptions {
  responder: Responder;
  /** The channel adapters, by channel name (the runtime builds them: the pipeline imports none). */
  channels?: ChannelAdapter[];
  settings?: Partial<PipelineSettings>;
  /** Keeps and understands attachments; the runtime builds it from the configuration. */
  media?: MediaService;
}

/** SPEC §1: Redis Streams in the scale profile, the Postgres table otherwise; QUEUE_BACKEND overrides. */
export function queueBackendFor(config: Config): QueueBackendName {
  return config.QUEUE_BACKEND ?? (config.DATABASE_URL && config.REDIS_URL ? 'redis' : 'postgres');
}

export function createPipeline(sources: PipelineSources, options: PipelineOptions) {
  const { config, database, logger } = sources;
  const settings: PipelineSettings = {
    debounceMs: config.DEBOUNCE_MS,
    debounceMaxMs: config.DEBOUNCE_MAX_MS,
    claimIdleMs: config.QUEUE_CLAIM_IDLE_MS,
    pollMs: config.QUEUE_POLL_MS,
    maxAttempts: config.QUEUE_MAX_ATTEMPTS,
    retryWindowMs: config.DISPATCH_RETRY_WINDOW,
    backoffMaxMs: config.DISPATCH_BACKOFF_MAX_MS,
    modelOutageWaitMs: config.LLM_OUTAGE_WAIT_S * 1000,
    sendTimeoutMs: config.QUEUE_CLAIM_IDLE_MS,
    concurrency: config.MAX_WORKERS,
    ...options.settings,
  };
  const queue: Queue = createQueue(queueBackendFor(config), {
    db: database.db,
    redis: sources.redis?.client,
    claimIdleMs: settings.claimIdleMs,
    // PGlite is one process: in-process wake-ups already cover it.
    listen: database.kind === 'postgres' ? database.listen : undefined,
  });
  const channels = new Map<string, ChannelAdapter>();
  for (const adapter of options.channels ?? []) channels.set(adapter.channel, adapter);

  const deps: PipelineDeps = {
    db: database.db,
    queue,
    redis: sources.redis?.client,
    logger,
    metrics: createPipelineMetrics(sources.metrics.registry, {
      queue,
      openDeadLetters: () => countOpenDeadLetters({ db: database.db }),
      blockedByDeadLetter: () => countBlockedByDeadLetter({ db: database.db }),
      openBreakers: async () =>
        (await listChannelBreakers(database.db)).filter((b) => b.state === 'open'),
    }),
    responder: options.responder,
    channels,
    settings,
    media: options.media,
    holds: database.holds,
  };
  return {
    deps,
    queue,
    ingest: (input: InboundInput) => ingest(deps, input),
    startWorkers: (roles: Role[]) => startWorkers(deps, roles),
    runOnce: (role: Role) => runOnce(deps, role),
    sweep: () => sweep(deps),
  };
}

export type Pipeline = ReturnType<typeof createPipeline>;
