/**
 * The Redis Streams queue backend (scale profile): one stream per queue, one consumer group per
 * role, XAUTOCLAIM for entries whose consumer went silent, a sorted set per stream for delayed
 * retries. Each state change that touches several keys is one Lua script (atomic in Redis).
 * A waiting consumer is woken by a blocking XREAD on its own connection (redis-stream-watch.ts)
 * when any process adds an entry.
 * Redis is not the source of truth: after a FLUSHALL the groups are recreated here and the
 * sweeper re-creates entries from the database.
 */
import type { Redis } from 'ioredis';
import { watchStreams } from './redis-stream-watch.ts';
import {
  type EnqueueOptions,
  type PendingEntry,
  type Queue,
  type QueueEntry,
  ROLE_OF,
  STREAMS,
  type Stream,
  type StreamStats,
} from './types.ts';
import { createWakeup } from './wakeup.ts';

const attemptsKey = (stream: Stream) => `${stream}:attempts`;
const delayedKey = (stream: Stream) => `${stream}:delayed`;
const REPAIR_CONSUMER = 'omni-repair';

/** Lua prologue: stop (returning 0) unless entry ARGV[3] is pending for consumer ARGV[2]. */
const IF_OWNED = `
local mine = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[3], ARGV[3], 1, ARGV[2])
if #mine == 0 then return 0 end
`;

/**
 * KEYS: 1 stream, 2 attempts hash, 3 delayed zset. ARGV: 1 group, 2 consumer, 3 count,
 * 4 claim idle ms, 5 now ms. Moves due delayed entries into the stream, reclaims idle entries,
 * reads new ones, counts one attempt per entry claimed. Returns { id, fields, claims }.
 */
const CLAIM = `
local due = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', ARGV[5], 'LIMIT', 0, 100)
for _, member in ipairs(due) do
  local item = cjson.decode(member)
  redis.call('XADD', KEYS[1], '*', 'payload', item.payload, 'errors', item.errors, 'attempts', item.attempts)
  redis.call('ZREM', KEYS[3], member)
end
local count = tonumber(ARGV[3])
local entries = redis.call('XAUTOCLAIM', KEYS[1], ARGV[1], ARGV[2], ARGV[4], '0-0', 'COUNT', count)[2]
if #entries < count then
  local fresh = redis.call('XREADGROUP', 'GROUP', ARGV[1], ARGV[2], 'COUNT', count - #entries, 'STREAMS', KEYS[1], '>')
  if fresh then
    for _, entry in ipairs(fresh[1][2]) do table.insert(entries, entry) end
  end
end
local result = {}
for _, entry in ipairs(entries) do
  local claims = redis.call('HINCRBY', KEYS[2], entry[1], 1)
  table.insert(result, { entry[1], entry[2], claims })
end
return result
`;

/**
 * KEYS: 1 stream, 2 attempts hash, 3 delayed zset. ARGV: 1 group, 2 consumer, 3 id,
 * 4 payload, 5 errors JSON, 6 attempts so far, 7 due ms (0 = now).
 * Only the entry's current owner may release it: acknowledges it and queues a copy (now or later).
 */
const RELEASE = `${IF_OWNED}redis.call('XACK', KEYS[1], ARGV[1], ARGV[3])
redis.call('XDEL', KEYS[1], ARGV[3])
redis.call('HDEL', KEYS[2], ARGV[3])
if tonumber(ARGV[7]) == 0 then
  redis.call('XADD', KEYS[1], '*', 'payload', ARGV[4], 'errors', ARGV[5], 'attempts', ARGV[6])
else
  redis.call('ZADD', KEYS[3], ARGV[7], cjson.encode({ payload = ARGV[4], errors = ARGV[5], attempts = ARGV[6], id = ARGV[3] }))
end
return 1
`;

/** KEYS: 1 stream, 2 attempts hash. ARGV: 1 group, 2 consumer, 3 id. Acknowledges if still ours. */
const ACK = `${IF_OWNED}redis.call('XACK', KEYS[1], ARGV[1], ARGV[3])
redis.call('XDEL', KEYS[1], ARGV[3])
redis.call('HDEL', KEYS[2], ARGV[3])
return 1
`;

/** KEYS: 1 stream. ARGV: 1 group, 2 consumer, 3 id. Resets the idle time if the entry is still ours. */
const EXTEND = `${IF_OWNED}redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[3], 'JUSTID')
return 1
`;

/**
 * KEYS: 1 stream, 2 attempts hash. ARGV: 1 group, 2 repair consumer, 3 min idle ms.
 * Takes entries idle longer than ARGV[3] away from their consumers and queues them anew.
 */
const RECLAIM = `
local entries = redis.call('XAUTOCLAIM', KEYS[1], ARGV[1], ARGV[2], ARGV[3], '0-0', 'COUNT', 1000)[2]
for _, entry in ipairs(entries) do
  local fields = {}
  for i = 1, #entry[2], 2 do fields[entry[2][i]] = entry[2][i + 1] end
  local claims = tonumber(redis.call('HGET', KEYS[2], entry[1]) or '0')
  redis.call('XADD', KEYS[1], '*', 'payload', fields.payload, 'errors', fields.errors or '[]',
    'attempts', tostring(tonumber(fields.attempts or '0') + claims))
  redis.call('XACK', KEYS[1], ARGV[1], entry[1])
  redis.call('XDEL', KEYS[1], entry[1])
  redis.call('HDEL', KEYS[2], entry[1])
end
return #entries
`;

type RawEntry = [id: string, fields: string[], claims: number];

function fieldsOf(raw: string[]): Record<string, string> {
  const fields: Record<string, string> = {};
  for (let i = 0; i < raw.length; i += 2) fields[raw[i] as string] = raw[i + 1] as string;
  return fields;
}

export function createRedisQueue(redis: Redis, options: { claimIdleMs: number }): Queue {
  const wakeup = createWakeup();
  // Started by the first wait: a process that only enqueues (the API) holds no blocking connection.
  let stopWatching: (() => void) | undefined;
  const group = (stream: Stream) => ROLE_OF[stream];

  async function ensureGroup(stream: Stream): Promise<void> {
    try {
      await redis.xgroup('CREATE', stream, group(stream), '0', 'MKSTREAM');
    } catch (error) {
      if (!String((error as Error).message).includes('BUSYGROUP')) throw error;
    }
  }

  /** Runs `fn`; if Redis lost the group (flushed or restarted empty), recreates it and runs again. */
  async function withGroup<T>(stream: Stream, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      if (!String((error as Error).message).includes('NOGROUP')) throw error;
      await ensureGroup(stream);
      return fn();
    }
  }

  const evalScript = (script: string, keys: string[], args: Array<string | number>) =>
    redis.eval(script, keys.length, ...keys, ...args.map(String));

  return {
    kind: 'redis',

    async enqueue(stream: Stream, payload: Record<string, unknown>, enqueue: EnqueueOptions = {}) {
      const body = JSON.stringify(payload);
      if (enqueue.delayMs && enqueue.delayMs > 0) {
        const member = JSON.stringify({
          payload: body,
          errors: '[]',
          attempts: '0',
          key: enqueue.key ?? null,
        });
        await redis.zadd(delayedKey(stream), Date.now() + enqueue.delayMs, member);
      } else {
        await redis.xadd(stream, '*', 'payload', body, 'errors', '[]', 'attempts', '0');
        wakeup.notify(stream);
      }
    },

    async claim(stream: Stream, consumer: string, count: number) {
      const raw = (await withGroup(stream, () =>
        evalScript(
          CLAIM,
          [stream, attemptsKey(stream), delayedKey(stream)],
          [group(stream), consumer, count, options.claimIdleMs, Date.now()],
        ),
      )) as RawEntry[];
      return raw.map(([id, rawFields, claims]): QueueEntry => {
        const fields = fieldsOf(rawFields);
        return {
          id,
          stream,
          payload: safeJson(fields.payload, {}) as Record<string, unknown>,
          attempts: Number(fields.attempts ?? 0) + Number(claims),
          errors: safeJson(fields.errors, []) as string[],
        };
      });
    },

    async extend(entry: QueueEntry, consumer: string) {
      await evalScript(EXTEND, [entry.stream], [group(entry.stream), consumer, entry.id]);
    },

    async ack(entry: QueueEntry, consumer: string) {
      await evalScript(
        ACK,
        [entry.stream, attemptsKey(entry.stream)],
        [group(entry.stream), consumer, entry.id],
      );
    },

    async release(entry: QueueEntry, consumer: string, delayMs: number, error?: string) {
      const errors = JSON.stringify(error === undefined ? entry.errors : [...entry.errors, error]);
      await evalScript(
        RELEASE,
        [entry.stream, attemptsKey(entry.stream), delayedKey(entry.stream)],
        [
          group(entry.stream),
          consumer,
          entry.id,
          JSON.stringify(entry.payload),
          errors,
          entry.attempts,
          delayMs > 0 ? Date.now() + delayMs : 0,
        ],
      );
      if (delayMs === 0) wakeup.notify(entry.stream);
    },

    waitForWork(stream, timeoutMs, signal) {
      stopWatching ??= watchStreams(redis, wakeup.notify);
      return wakeup.wait(stream, timeoutMs, signal);
    },

    async stats() {
      return Promise.all(
        STREAMS.map(async (stream): Promise<StreamStats> => {
          const [length, delayed, summary] = await Promise.all([
            redis.xlen(stream),
            redis.zcard(delayedKey(stream)),
            redis.xpending(stream, group(stream)).catch(() => [0]) as Promise<unknown[]>,
          ]);
          const pending = Number(summary[0] ?? 0);
          return {
            stream,
            group: group(stream),
            waiting: Math.max(0, length - pending) + delayed,
            pending,
            delayed,
          };
        }),
      );
    },

    async pending(stream: Stream) {
      const rows = (await redis
        .xpending(stream, group(stream), '-', '+', 1000)
        .catch(() => [])) as Array<[string, string, number, number]>;
      const claims =
        rows.length > 0 ? await redis.hmget(attemptsKey(stream), ...rows.map((r) => r[0])) : [];
      return rows.map(
        ([id, consumer, idleMs], i): PendingEntry => ({
          id,
          consumer,
          idleMs: Number(idleMs),
          attempts: Number(claims[i] ?? 0),
        }),
      );
    },

    async reclaim(stream: Stream, idleMs: number) {
      const moved = Number(
        await withGroup(stream, () =>
          evalScript(
            RECLAIM,
            [stream, attemptsKey(stream)],
            [group(stream), REPAIR_CONSUMER, idleMs],
          ),
        ),
      );
      if (moved > 0) wakeup.notify(stream);
      return moved;
    },

    async close() {
      stopWatching?.();
    },
  };
}

function safeJson(text: string | undefined, fallback: unknown): unknown {
  try {
    return text === undefined ? fallback : JSON.parse(text);
  } catch {
    return fallback;
  }
}
