/**
 * Worker loops, one per role (SPEC §2, §4): claim a batch, run each entry's handler with a
 * heartbeat, then acknowledge, retry with backoff, or dead-letter. `pause`/`resume` are switches
 * in the database, so they reach every process within a second or two.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { withSpan } from '../observability/index.ts';
import { backoffDelayMs, type QueueEntry, type Role, STREAM_OF } from '../queue/index.ts';
import {
  isDependencyUnavailable,
  readSwitch,
  reconnectDelayMs,
  setSwitch,
} from '../storage/index.ts';
import { deadLetter } from './dead-letters.ts';
import { dispatchConversation } from './dispatch.ts';
import { recordStates } from './message-state.ts';
import { sweep } from './sweeper.ts';
import { answerConversation, TurnFailed } from './turn.ts';
import type { PipelineDeps } from './types.ts';

const conversationWork = z.object({ tenantId: z.uuid(), conversationId: z.uuid() });

/** Re-check of the pause switch. */
const PAUSE_CHECK_MS = 1_000;
/** A conversation busy with another worker is looked at again this soon. */
const BUSY_RETRY_MS = 250;

const pauseSwitch = (role: Role) => `queue.paused.${role}`;

export function setPaused(
  deps: Pick<PipelineDeps, 'db'>,
  role: Role,
  paused: boolean,
  by: string,
): Promise<void> {
  return setSwitch(deps.db, pauseSwitch(role), paused, by);
}

export function isPaused(deps: Pick<PipelineDeps, 'db'>, role: Role): Promise<boolean> {
  return readSwitch(deps.db, pauseSwitch(role), false);
}

export function consumerName(role: Role): string {
  return `${hostname()}-${process.pid}-${role}-${randomBytes(3).toString('hex')}`;
}

/** Handles one entry completely: acknowledged, released for a retry, or dead-lettered. */
export async function processEntry(
  deps: PipelineDeps,
  role: Role,
  entry: QueueEntry,
  consumer: string,
): Promise<void> {
  const parsed = conversationWork.safeParse(entry.payload);
  if (!parsed.success) {
    await deadLetter(deps, {
      tenantId: null,
      stream: entry.stream,
      payload: entry.payload,
      reason: 'malformed',
      errors: [z.prettifyError(parsed.error)],
      attempts: entry.attempts,
    });
    await deps.queue.ack(entry, consumer);
    return;
  }
  const work = parsed.data;
  // A long turn or a slow channel must not let the entry look abandoned to other consumers.
  const heartbeat = setInterval(
    () => void deps.queue.extend(entry, consumer).catch(() => {}),
    Math.max(100, deps.settings.claimIdleMs / 3),
  );
  try {
    const span = { tenant_id: work.tenantId, conversation_id: work.conversationId };
    if (role === 'inbound') {
      const outcome = await withSpan('turn', span, () => answerConversation(deps, work, consumer));
      if (outcome === 'busy') {
        // Not a failure: the lease holder is on it. A fresh entry keeps the attempt count clean.
        await deps.queue.enqueue(entry.stream, work, {
          key: work.conversationId,
          delayMs: BUSY_RETRY_MS,
        });
      }
    } else if (role === 'dispatcher') {
      await withSpan('dispatch', span, () => dispatchConversation(deps, work));
    }
    await deps.queue.ack(entry, consumer);
  } catch (error) {
    const message = (error as Error).message;
    if (isDependencyUnavailable(error)) {
      // An outage is not the entry's fault: it never counts towards the dead-letter queue. The
      // connection logged the outage once; the entry comes back when the lease runs out if even
      // this release cannot reach the queue.
      deps.logger.debug({ err: error, stream: entry.stream }, 'entry interrupted by an outage');
      await deps.queue.release(entry, consumer, backoffDelayMs(entry.attempts), message);
      return;
    }
    deps.logger.warn(
      {
        err: error,
        stream: entry.stream,
        conversation_id: work.conversationId,
        attempts: entry.attempts,
      },
      'entry failed',
    );
    if (entry.attempts >= deps.settings.maxAttempts) {
      const messageIds = error instanceof TurnFailed ? error.messageIds : [];
      if (messageIds.length > 0) {
        await deps.db.transaction((tx) =>
          recordStates(
            tx,
            messageIds.map((messageId) => ({
              ...work,
              messageId,
              state: 'failed',
              detail: { error: message },
            })),
          ),
        );
      }
      await deadLetter(deps, {
        tenantId: work.tenantId,
        stream: entry.stream,
        payload: { ...work, messageIds },
        reason: 'attempts_exhausted',
        errors: [...entry.errors, message],
        attempts: entry.attempts,
      });
      await deps.queue.ack(entry, consumer);
    } else {
      await deps.queue.release(entry, consumer, backoffDelayMs(entry.attempts), message);
    }
  } finally {
    clearInterval(heartbeat);
  }
}

/** Claims one batch for `role` and processes it; the number of entries handled. */
export async function runOnce(
  deps: PipelineDeps,
  role: Role,
  consumer = consumerName(role),
): Promise<number> {
  const entries = await deps.queue.claim(STREAM_OF[role], consumer, deps.settings.concurrency);
  await Promise.all(entries.map((entry) => processEntry(deps, role, entry, consumer)));
  return entries.length;
}

export interface RunningWorkers {
  /** Stops claiming, lets in-flight entries finish, resolves when all loops have ended. */
  stop(): Promise<void>;
}

export function startWorkers(deps: PipelineDeps, roles: Role[]): RunningWorkers {
  const stopping = new AbortController();
  const loops = roles
    .filter((role) => role !== 'integrations')
    .map((role) => roleLoop(deps, role, stopping.signal));
  loops.push(sweeperLoop(deps, stopping.signal));
  deps.logger.info({ roles }, 'worker roles ready');
  return {
    stop: async () => {
      stopping.abort();
      await Promise.all(loops);
    },
  };
}

async function roleLoop(deps: PipelineDeps, role: Role, signal: AbortSignal): Promise<void> {
  const consumer = consumerName(role);
  let pausedUntilCheck = 0;
  let paused = false;
  let failures = 0;
  while (!signal.aborted) {
    try {
      if (Date.now() >= pausedUntilCheck) {
        paused = await isPaused(deps, role);
        pausedUntilCheck = Date.now() + PAUSE_CHECK_MS;
      }
      if (paused) {
        await sleep(PAUSE_CHECK_MS, undefined, { signal }).catch(() => {});
        continue;
      }
      const handled = await runOnce(deps, role, consumer);
      failures = 0;
      if (handled === 0)
        await deps.queue.waitForWork(STREAM_OF[role], deps.settings.pollMs, signal);
    } catch (error) {
      // The database or Redis is away: keep the loop alive and try again with capped backoff.
      // Their connections log an outage once; anything else is worth a line each time.
      if (isDependencyUnavailable(error)) deps.logger.debug({ err: error, role }, 'worker waiting');
      else deps.logger.warn({ err: error, role }, 'worker loop error; retrying');
      await sleep(reconnectDelayMs(++failures), undefined, { signal }).catch(() => {});
    }
  }
}

async function sweeperLoop(deps: PipelineDeps, signal: AbortSignal): Promise<void> {
  // Signals sent while Redis was away were lost: when it returns, everything unfinished is
  // signalled again at once rather than only what has been waiting for a while.
  let redisBack = new AbortController();
  const onRedisReady = () => redisBack.abort();
  deps.redis?.on('ready', onRedisReady);
  while (!signal.aborted) {
    await sleep(deps.settings.claimIdleMs, undefined, {
      signal: AbortSignal.any([signal, redisBack.signal]),
    }).catch(() => {});
    if (signal.aborted) break;
    const everything = redisBack.signal.aborted;
    if (everything) redisBack = new AbortController();
    await sweep(deps, everything ? { staleMs: 0 } : {}).catch((error) => {
      if (isDependencyUnavailable(error)) deps.logger.debug({ err: error }, 'sweep postponed');
      else deps.logger.warn({ err: error }, 'sweep failed');
    });
  }
  deps.redis?.off('ready', onRedisReady);
}
