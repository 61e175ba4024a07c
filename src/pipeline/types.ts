/**
 * The delivery pipeline (SPEC §4): ingest → turn → outbox → dispatch. Glossary:
 * - *inbound*: a message from a contact, stored before anything else happens ("accepted means durable").
 * - *turn*: one responder run answering every unanswered inbound of a conversation at once.
 * - *lease*: the right of one worker to work a conversation, with a fencing token that grows per
 *   lease, so a worker that lost its lease cannot commit.
 * - *outbox row*: a reply waiting for its channel; sent in order per conversation, retried, then
 *   dead-lettered.
 * Message states: inbound received → processing → answered (or awaiting_human);
 * outbound queued → sent → delivered/read, or retrying → failed/dlq, or cancelled.
 */
import type { Redis } from 'ioredis';
import type { MediaService } from '../media/index.ts';
import type { Logger } from '../observability/index.ts';
import type { Queue } from '../queue/index.ts';
import type { Db, HoldLimit } from '../storage/index.ts';
import type { ChannelAdapter } from './channel-port.ts';
import type { PipelineMetrics } from './metrics.ts';

export interface TurnRequest {
  tenantId: string;
  conversationId: string;
  /** The `turns` row this answer belongs to (LLM attempts are recorded against it). */
  turnId: string;
  channel: string;
  contact: { id: string; name: string | null };
  /** The unanswered inbound messages this turn answers, oldest first. */
  messages: Array<{ id: string; text: string; createdAt: Date }>;
  /** The conversation before them, oldest first (a window, not everything). */
  history: Array<{ author: 'contact' | 'bot' | 'operator' | 'system'; text: string; at: Date }>;
  /** The tenant's language, e.g. pt-BR. */
  language: string;
  /** Aborted when a newer inbound arrives: the reply would be discarded anyway. */
  signal: AbortSignal;
  /**
   * True while this conversation's model outage is younger than LLM_OUTAGE_WAIT_S: a responder
   * whose models all fail may throw `ModelsUnavailable` and the turn is retried later. False
   * afterwards (and when absent): answer with what is possible.
   */
  mayWaitForModels?: boolean;
}

/**
 * Thrown by a responder when no model could answer and the turn may wait for them: the turn is
 * retried with backoff, and the contact gets `holdingText` at most once per outage.
 */
export class ModelsUnavailable extends Error {
  readonly holdingText?: string;
  constructor(message: string, holdingText?: string) {
    super(message);
    this.name = 'ModelsUnavailable';
    this.holdingText = holdingText;
  }
}

export interface TurnReply {
  text: string;
  intent?: string;
  confidence?: number;
  agent?: string;
  provider?: string;
  model?: string;
  inputTokens?: number;
  outputTokens?: number;
  costUsd?: number;
  /** Why a canned answer was given instead of a model's (every provider failed, FALLBACK_MODE…). */
  fallback?: string;
  /**
   * The reply tells the contact that a person is coming, and this turn handed the conversation
   * over (`pending_human`): it is still delivered, unless a human has already taken over.
   */
  handoffNotice?: boolean;
}

/** Whatever answers a turn: the agents (later), the offline responder, a test responder. */
export type Responder = (request: TurnRequest) => Promise<TurnReply>;

export interface PipelineSettings {
  debounceMs: number;
  debounceMaxMs: number;
  claimIdleMs: number;
  /** Longest an idle worker waits without a wake-up before it looks for work again. */
  pollMs: number;
  /** Attempts of a queue entry whose handler throws, before it is dead-lettered (not channel sends). */
  maxAttempts: number;
  /** How long a reply whose channel keeps failing is retried, from its first failure. */
  retryWindowMs: number;
  /** Longest wait between two tries of a failing send, and between two probes of an open breaker. */
  backoffMaxMs: number;
  /** How long a turn waits (retried with backoff) for models that all fail. */
  modelOutageWaitMs: number;
  /** Longest a channel send may take. */
  sendTimeoutMs: number;
  /** Entries a worker handles at once per role. */
  concurrency: number;
}

export interface PipelineDeps {
  db: Db;
  queue: Queue;
  /** Present in the scale profile: the `status:<id>` mirror lives there. */
  redis?: Redis;
  logger: Logger;
  metrics: PipelineMetrics;
  responder: Responder;
  channels: ReadonlyMap<string, ChannelAdapter>;
  settings: PipelineSettings;
  /** Keeps and understands attachments (issue 16); absent: media stays a placeholder. */
  media?: MediaService;
  /**
   * PostgreSQL: an in-flight send holds an advisory lock on its outbox row, so a stalled
   * dispatcher's row is never sent again by another (PGlite is one process: no other dispatcher).
   * Bounds how many sends hold one at once.
   */
  holds?: HoldLimit;
}
