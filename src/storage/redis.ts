/**
 * The Redis connection of the scale profile. Redis is never the source of truth (SPEC §1): when it
 * is down Omni keeps accepting work into the database and reconnects on its own.
 */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { withDeadline } from './deadline.ts';
import { type OutageCounters, reconnectDelayMs, watchDependency } from './outages.ts';

export interface RedisConnection {
  client: Redis;
  target: string;
  ping(timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

export async function connectRedis(
  url: string,
  logger: Logger,
  counters?: OutageCounters,
): Promise<RedisConnection> {
  // Loaded lazily: ~7 MB of RSS the embedded profile and Redis-less deployments never use.
  const { Redis } = await import('ioredis');
  const client = new Redis(url, {
    // Fail commands quickly while disconnected instead of queueing them for minutes: callers
    // fall back (the database keeps the work, limits count in memory) until Redis returns.
    maxRetriesPerRequest: 1,
    // Never give up reconnecting (a number is returned for every attempt).
    retryStrategy: (attempt) => reconnectDelayMs(attempt),
  });
  // ioredis emits an error per reconnect attempt: the watch logs the outage once, counts the rest.
  const watch = watchDependency('redis', logger, counters);
  client.on('ready', () => {
    // Commands sent before the first connection wait for it (a process starting up); once Redis
    // has been reached, a command sent while it is away fails at once, so that its caller falls
    // back (the database, an in-process count) instead of waiting out the reconnection.
    client.options.enableOfflineQueue = false;
    logger.debug({ redis: safeRedisTarget(url) }, 'Redis connected');
    watch.succeeded();
  });
  let closing = false;
  client.on('error', (error) => watch.failed(error));
  // A cut without an error event (the server closed the socket) still starts an outage.
  client.on('close', () => {
    if (!closing) watch.failed(new Error('connection closed'));
  });
  return {
    client,
    target: safeRedisTarget(url),
    ping: async (timeoutMs) => {
      await withDeadline(client.ping(), timeoutMs, 'Redis');
    },
    close: async () => {
      closing = true;
      await client.quit().catch(() => client.disconnect());
    },
  };
}

function safeRedisTarget(url: string): string {
  const parsed = new URL(url);
  return `${parsed.hostname}:${parsed.port || 6379}${parsed.pathname}`;
}
