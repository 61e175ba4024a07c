/**
 * Outbound pacing per channel, sender and recipient (SPEC §6.7): a token bucket for each, plus a
 * hold-off when the provider said "retry after N" (the next send to that recipient waits it out).
 * Defaults come from the providers' published limits; CHANNEL_PACING overrides them, e.g.
 * `telegram.recipient=1/1s burst 3; whatsapp.sender=80/1s`.
 *
 * In one process the buckets live in memory; with Redis (the scale profile) every process takes
 * from the same buckets, atomically, so the limits hold for the whole deployment.
 */
import type { Redis } from 'ioredis';
import { ConfigError } from '../config/index.ts';

export type PaceScope = 'sender' | 'recipient';

export interface PaceRule {
  /** Sends allowed per `perMs` on average… */
  count: number;
  perMs: number;
  /** …and at most this many at once after a quiet spell. */
  burst: number;
}

export type PacingRules = Record<string, Partial<Record<PaceScope, PaceRule>>>;

const rule = (count: number, perMs: number, burst: number): PaceRule => ({ count, perMs, burst });

export const DEFAULT_PACING: PacingRules = {
  // Evolution drives a phone through WhatsApp Web, which publishes no limit; numbers that send
  // fast get banned, so the defaults are deliberately slow.
  evolution: { sender: rule(1, 1_000, 10), recipient: rule(1, 2_000, 3) },
  // Cloud API: 80 messages/s per business number; the pair limit is about one message per 6 s
  // to one user, with bursts tolerated (Meta's throughput and error 131056 documentation).
  whatsapp: { sender: rule(80, 1_000, 80), recipient: rule(1, 6_000, 45) },
  // Telegram Bot API FAQ: about 30 messages/s overall, no more than one per second in one chat
  // (short bursts allowed).
  telegram: { sender: rule(30, 1_000, 30), recipient: rule(1, 1_000, 3) },
};

const ENTRY =
  /^([a-z][\w-]*)\.(sender|recipient)\s*=\s*(\d+)\s*\/\s*(\d*)\s*(ms|s|m)\s*(?:burst\s+(\d+))?$/i;
const UNIT_MS = { ms: 1, s: 1_000, m: 60_000 } as const;

/** CHANNEL_PACING entries over the defaults; a malformed entry is an error naming it. */
export function pacingRules(spec: string | undefined): PacingRules {
  const rules: PacingRules = structuredClone(DEFAULT_PACING);
  for (const entry of (spec ?? '')
    .split(';')
    .map((e) => e.trim())
    .filter(Boolean)) {
    const match = ENTRY.exec(entry);
    if (!match) {
      throw new ConfigError([
        `CHANNEL_PACING entry "${entry}" is not like "telegram.recipient=1/1s burst 3".`,
      ]);
    }
    const [, channel = '', scope, count, per, unit] = match;
    const perMs = Number(per || 1) * UNIT_MS[(unit ?? 's').toLowerCase() as keyof typeof UNIT_MS];
    const burst = match[6] ? Number(match[6]) : Number(count);
    rules[channel.toLowerCase()] = {
      ...rules[channel.toLowerCase()],
      [scope as PaceScope]: rule(Number(count), perMs, Math.max(1, burst)),
    };
  }
  return rules;
}

interface Bucket {
  tokens: number;
  refilledAt: number;
  blockedUntil: number;
}

export interface Pacer {
  /**
   * Milliseconds to wait before sending from `sender` to `recipient` on `channel`; 0 means go now,
   * and the send is counted.
   */
  take(channel: string, sender: string, recipient: string): Promise<number>;
  /** The provider asked us to wait: nothing more goes to this recipient (or sender) for `ms`. */
  holdOff(channel: string, scope: PaceScope, who: string, ms: number): Promise<void>;
}

export function createPacer(rules: PacingRules, now: () => number = Date.now): Pacer {
  const pacer = memoryPacer(rules, now);
  return {
    take: async (channel, sender, recipient) => pacer.take(channel, sender, recipient),
    holdOff: async (channel, scope, who, ms) => pacer.holdOff(channel, scope, who, ms),
  };
}

function memoryPacer(rules: PacingRules, now: () => number) {
  const buckets = new Map<string, Bucket>();
  const bucketOf = (channel: string, scope: PaceScope, who: string) => {
    const key = `${channel}:${scope}:${who}`;
    let bucket = buckets.get(key);
    if (!bucket) {
      bucket = { tokens: rules[channel]?.[scope]?.burst ?? 1, refilledAt: now(), blockedUntil: 0 };
      buckets.set(key, bucket);
    }
    return bucket;
  };
  const refill = (bucket: Bucket, paceRule: PaceRule | undefined, at: number) => {
    if (!paceRule) return;
    const earned = ((at - bucket.refilledAt) * paceRule.count) / paceRule.perMs;
    bucket.tokens = Math.min(paceRule.burst, bucket.tokens + earned);
    bucket.refilledAt = at;
  };
  const waitFor = (bucket: Bucket, paceRule: PaceRule | undefined, at: number) => {
    const blocked = Math.max(0, bucket.blockedUntil - at);
    if (!paceRule || bucket.tokens >= 1) return blocked;
    return Math.max(blocked, Math.ceil(((1 - bucket.tokens) * paceRule.perMs) / paceRule.count));
  };
  return {
    take(channel: string, sender: string, recipient: string): number {
      const at = now();
      const pairs = [
        [bucketOf(channel, 'sender', sender), rules[channel]?.sender],
        [bucketOf(channel, 'recipient', recipient), rules[channel]?.recipient],
      ] as const;
      let wait = 0;
      for (const [bucket, paceRule] of pairs) {
        refill(bucket, paceRule, at);
        wait = Math.max(wait, waitFor(bucket, paceRule, at));
      }
      if (wait > 0) return wait;
      for (const [bucket, paceRule] of pairs) if (paceRule) bucket.tokens -= 1;
      return 0;
    },
    holdOff(channel: string, scope: PaceScope, who: string, ms: number): void {
      const bucket = bucketOf(channel, scope, who);
      bucket.blockedUntil = Math.max(bucket.blockedUntil, now() + ms);
    },
  };
}

/**
 * KEYS[1], KEYS[2]  the sender's and the recipient's bucket hashes (fields `tokens`, `at`, `hold`:
 *                   milliseconds on Redis's clock before which nothing may go)
 * ARGV[1..3]        sender rule: count, per ms, burst (count 0: no rule)
 * ARGV[4..6]        recipient rule, likewise
 * Returns           0 when both buckets gave a token (taken), else the milliseconds to wait.
 */
const TAKE_SCRIPT = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local states = {}
local wait = 0
for i = 1, 2 do
  local count = tonumber(ARGV[i * 3 - 2])
  local per = tonumber(ARGV[i * 3 - 1])
  local burst = tonumber(ARGV[i * 3])
  local state = redis.call('HMGET', KEYS[i], 'tokens', 'at', 'hold')
  local hold = tonumber(state[3]) or 0
  local tokens = tonumber(state[1]) or burst
  if count > 0 then
    tokens = math.min(burst, tokens + math.max(0, now - (tonumber(state[2]) or now)) * count / per)
    if tokens < 1 then wait = math.max(wait, math.ceil((1 - tokens) * per / count)) end
  end
  wait = math.max(wait, hold - now)
  states[i] = { tokens, count, per, burst }
end
if wait > 0 then return wait end
for i = 1, 2 do
  local tokens, count, per, burst = unpack(states[i])
  if count > 0 then
    redis.call('HSET', KEYS[i], 'tokens', tostring(tokens - 1), 'at', tostring(now))
    redis.call('PEXPIRE', KEYS[i], math.ceil(burst * per / count) + 60000)
  end
end
return 0
`;

/** KEYS[1] a bucket hash; ARGV[1] milliseconds to hold it. */
const HOLD_SCRIPT = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local until_ms = now + tonumber(ARGV[1])
local hold = tonumber(redis.call('HGET', KEYS[1], 'hold')) or 0
if until_ms > hold then redis.call('HSET', KEYS[1], 'hold', tostring(until_ms)) end
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[1]) then redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[1]) + 60000) end
return 1
`;

/** Buckets shared by every process through Redis; Redis unreachable: this process paces alone. */
export function createRedisPacer(redis: Redis, rules: PacingRules): Pacer {
  const fallback = createPacer(rules);
  const key = (channel: string, scope: PaceScope, who: string) =>
    `omni:pace:${channel}:${scope}:${who}`;
  const ruleArgs = (paceRule: PaceRule | undefined) =>
    paceRule ? [paceRule.count, paceRule.perMs, paceRule.burst] : [0, 1, 1];
  return {
    async take(channel, sender, recipient) {
      const wait = await redis
        .eval(
          TAKE_SCRIPT,
          2,
          key(channel, 'sender', sender),
          key(channel, 'recipient', recipient),
          ...ruleArgs(rules[channel]?.sender),
          ...ruleArgs(rules[channel]?.recipient),
        )
        .catch(() => undefined);
      return wait === undefined ? fallback.take(channel, sender, recipient) : Number(wait);
    },
    async holdOff(channel, scope, who, ms) {
      await fallback.holdOff(channel, scope, who, ms);
      await redis.eval(HOLD_SCRIPT, 1, key(channel, scope, who), Math.ceil(ms)).catch(() => {});
    },
  };
}
