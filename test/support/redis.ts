import { Redis } from 'ioredis';
import { TEST_REDIS_URL } from './services.ts';

/**
 * A Redis database of its own for one test file (files run in parallel): `index` 1–15, distinct
 * per file, emptied first. The production key names (`omni.messages`, …) are kept.
 */
export function testRedisUrl(index: number): string {
  if (!TEST_REDIS_URL) throw new Error('TEST_REDIS_URL is not set');
  const url = new URL(TEST_REDIS_URL);
  url.pathname = `/${index}`;
  return url.toString();
}

export async function freshRedis(index: number): Promise<Redis> {
  const redis = new Redis(testRedisUrl(index), { maxRetriesPerRequest: 1 });
  await redis.flushdb();
  return redis;
}
