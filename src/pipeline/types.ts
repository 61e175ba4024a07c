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
import type { ChannelAdapter } from '../channels/index.ts';
import type { Logger } from '../observability/index.ts';
import type { Queue } from '../queue/index.ts';
import type { Db } from '../storage/index.ts';
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
  maxAttempts: number;
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
}
