/**
 * The queue contract (SPEC §4). Glossary:
 * - *stream*: a named queue (`omni.messages`, `omni.outbox`, `omni.events`); Redis stream names,
 *   and the `queue` column of the Postgres table.
 * - *role*: the consumer group that works a stream (`inbound`, `dispatcher`, `integrations`).
 * - *entry*: one unit of work, a small JSON payload that points at database rows (the truth).
 * - *claim*: take entries for a consumer — fresh ones, and ones whose holder has been silent longer
 *   than the claim idle time (a crashed worker).
 * - *attempts*: how many times the entry has been claimed, this one included.
 *
 * Entries are notifications, not data: losing one loses no message (the sweeper re-creates it from
 * the database), and a duplicate does no harm (handlers are idempotent).
 */
export const STREAMS = ['omni.messages', 'omni.outbox', 'omni.events'] as const;
export type Stream = (typeof STREAMS)[number];
export const DLQ_STREAM = 'omni.dlq';

export const ROLES = ['inbound', 'dispatcher', 'integrations'] as const;
export type Role = (typeof ROLES)[number];

export const ROLE_OF: Record<Stream, Role> = {
  'omni.messages': 'inbound',
  'omni.outbox': 'dispatcher',
  'omni.events': 'integrations',
};
export const STREAM_OF: Record<Role, Stream> = {
  inbound: 'omni.messages',
  dispatcher: 'omni.outbox',
  integrations: 'omni.events',
};

export interface QueueEntry {
  id: string;
  stream: Stream;
  payload: Record<string, unknown>;
  attempts: number;
  /** Errors of earlier attempts, oldest first. */
  errors: string[];
}

export interface EnqueueOptions {
  /** Entries with the same key coalesce while waiting (Postgres); a hint, not a guarantee. */
  key?: string;
  delayMs?: number;
}

export interface StreamStats {
  stream: Stream;
  group: Role;
  /** Ready or delayed, not claimed. */
  waiting: number;
  /** Claimed by a consumer and not yet acknowledged. */
  pending: number;
  /** Waiting with a due time in the future (backoff). */
  delayed: number;
}

export interface PendingEntry {
  id: string;
  consumer: string;
  idleMs: number;
  attempts: number;
}

export interface Queue {
  kind: 'postgres' | 'redis';
  enqueue(
    stream: Stream,
    payload: Record<string, unknown>,
    options?: EnqueueOptions,
  ): Promise<void>;
  claim(stream: Stream, consumer: string, count: number): Promise<QueueEntry[]>;
  /** Keeps a long-running entry from being reclaimed by another consumer. */
  extend(entry: QueueEntry, consumer: string): Promise<void>;
  ack(entry: QueueEntry, consumer: string): Promise<void>;
  /** Puts the entry back, claimable again after `delayMs`, keeping `error` in its history. */
  release(entry: QueueEntry, consumer: string, delayMs: number, error?: string): Promise<void>;
  /** Resolves when work may be waiting on `stream`, or after `timeoutMs`. */
  waitForWork(stream: Stream, timeoutMs: number, signal?: AbortSignal): Promise<void>;
  stats(): Promise<StreamStats[]>;
  pending(stream: Stream): Promise<PendingEntry[]>;
  /** Makes entries idle longer than `idleMs` claimable at once (seed 000's manual XAUTOCLAIM). */
  reclaim(stream: Stream, idleMs: number): Promise<number>;
  close(): Promise<void>;
}
