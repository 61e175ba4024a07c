/**
 * The Redis connection of the scale profile. Redis is never the source of truth (SPEC §1): when it
 * is down Omni keeps accepting work into the database and reconnects on its own.
 */
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { withDeadline } from './deadline.ts';

export interface RedisConnection {
  client: Redis;
  target: string;
  ping(timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

export function connectRedis(url: string, logger: Logger): RedisConnection {
  const client = new Redis(url, {
    // Fail commands quickly while disconnected instead of queueing them for minutes.
    maxRetriesPerRequest: 1,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
  });
  // ioredis emits an error per reconnect attempt; log state changes, not every attempt.
  let up = false;
  client.on('ready', () => {
    up = true;
    logger.info({ redis: safeRedisTarget(url) }, 'Redis connected');
  });
  client.on('error', (error) => {
    if (up) logger.warn({ err: error }, 'Redis connection lost; reconnecting');
    up = false;
  });
  return {
    client,
    target: safeRedisTarget(url),
    ping: async (timeoutMs) => {
      await withDeadline(client.ping(), timeoutMs, 'Redis');
    },
    close: async () => {
      await client.quit().catch(() => client.disconnect());
    },
  };
}

function safeRedisTarget(url: string): string {
  const parsed = new URL(url);
  return `${parsed.hostname}:${parsed.port || 6379}${parsed.pathname}`;
}
