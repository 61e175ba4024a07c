/** Queue: one interface (types.ts), two backends — Postgres table and Redis Streams (SPEC §4). */
import type { Redis } from 'ioredis';
import type { Database, Db } from '../storage/index.ts';
import { createPostgresQueue } from './postgres-queue.ts';
import { createRedisQueue } from './redis-queue.ts';
import type { Queue } from './types.ts';

export { backoffDelayMs } from './backoff.ts';
export * from './types.ts';

export type QueueBackendName = 'postgres' | 'redis';

export function createQueue(
  backend: QueueBackendName,
  deps: { db: Db; redis?: Redis; claimIdleMs: number; listen?: Database['listen'] },
): Queue {
  if (backend === 'redis') {
    if (!deps.redis) throw new Error('The Redis queue backend needs REDIS_URL.');
    return createRedisQueue(deps.redis, { claimIdleMs: deps.claimIdleMs });
  }
  return createPostgresQueue(deps.db, { claimIdleMs: deps.claimIdleMs, listen: deps.listen });
}
