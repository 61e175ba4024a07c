/**
 * Token buckets per slot (RATE_LIMIT_RPS refill, RATE_LIMIT_BURST capacity). In one process they
 * live in memory; with Redis every process takes from the same bucket, atomically, in one Lua
 * script that reads Redis's own clock so processes with skewed clocks still agree.
 */
import type { Redis } from 'ioredis';

export interface BucketSettings {
  ratePerSecond: number;
  burst: number;
}

export interface TakeResult {
  ok: boolean;
  /** When not ok: how long until a token is there. */
  waitMs: number;
}

export interface TokenBuckets {
  take(key: string): Promise<TakeResult>;
}

export function memoryBuckets(settings: BucketSettings, now: () => number): TokenBuckets {
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    async take(key) {
      const t = now();
      const bucket = buckets.get(key) ?? { tokens: settings.burst, at: t };
      bucket.tokens = Math.min(
        settings.burst,
        bucket.tokens + ((t - bucket.at) * settings.ratePerSecond) / 1000,
      );
      bucket.at = t;
      buckets.set(key, bucket);
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return { ok: true, waitMs: 0 };
      }
      return {
        ok: false,
        waitMs: Math.ceil(((1 - bucket.tokens) * 1000) / settings.ratePerSecond),
      };
    },
  };
}

/**
 * KEYS[1]  the bucket hash (fields `tokens`, `at` in ms)
 * ARGV[1]  refill rate, tokens per second
 * ARGV[2]  capacity (burst)
 * Returns  { 1, 0 } when a token was taken, { 0, wait_ms } otherwise. The key expires once a full
 * refill has passed, when it would read as full anyway.
 */
const TAKE_SCRIPT = `
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or burst
local at = tonumber(state[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) * rate / 1000)
local taken = 0
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
  taken = 1
else
  wait = math.ceil((1 - tokens) * 1000 / rate)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst * 1000 / rate) + 1000)
return { taken, wait }
`;

/** Redis unreachable: each process falls back to its own bucket rather than stop answering. */
export function redisBuckets(
  redis: Redis,
  settings: BucketSettings,
  fallback: TokenBuckets,
): TokenBuckets {
  return {
    async take(key) {
      const reply = await redis
        .eval(TAKE_SCRIPT, 1, `omni:llm:bucket:${key}`, settings.ratePerSecond, settings.burst)
        .catch(() => undefined);
      if (!reply) return fallback.take(key);
      const [taken, wait] = reply as [number, number];
      return { ok: taken === 1, waitMs: wait };
    },
  };
}
