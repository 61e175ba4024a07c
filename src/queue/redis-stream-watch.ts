/**
 * Wakes this process's consumers when any process adds to a stream: a connection of its own blocks
 * in XREAD on every stream from the last id it saw, so a new entry ends a consumer's wait at once
 * instead of at its next poll. It only signals: claiming stays the consumer group's Lua script, and
 * what arrives while this connection is away is found by the consumers' poll and the sweeper.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { reconnectDelayMs } from '../storage/index.ts';
import { STREAMS, type Stream } from './types.ts';

/** One XREAD blocks this long, then is issued again (a blocked read ends early on news or close). */
const BLOCK_MS = 10_000;
/** Entries read per stream per call; the watcher needs only their ids, so a few are enough. */
const READ_COUNT = 16;

/** Starts watching; the returned function stops it and closes its connection. */
export function watchStreams(redis: Redis, onNews: (stream: Stream) => void): () => void {
  // A blocking read holds its connection, so it cannot share the one every other command uses.
  // Commands wait for the first connection here (the shared client fails fast once it has one).
  const reader = redis.duplicate({ enableOfflineQueue: true });
  // The shared connection reports outages; this one would only repeat them.
  reader.on('error', () => {});
  let stopped = false;

  const lastIds = async (): Promise<string[]> =>
    Promise.all(
      STREAMS.map(async (stream) => {
        const [newest] = await reader.xrevrange(stream, '+', '-', 'COUNT', 1);
        return newest?.[0] ?? '0-0';
      }),
    );

  void (async () => {
    let seen: string[] | undefined;
    let failures = 0;
    while (!stopped) {
      try {
        seen ??= await lastIds();
        const news = await reader.xread(
          'COUNT',
          READ_COUNT,
          'BLOCK',
          BLOCK_MS,
          'STREAMS',
          ...STREAMS,
          ...seen,
        );
        failures = 0;
        for (const [stream, entries] of news ?? []) {
          const newest = entries.at(-1)?.[0];
          if (newest) seen[STREAMS.indexOf(stream as Stream)] = newest;
          onNews(stream as Stream);
        }
      } catch {
        if (stopped) break;
        // Redis may have come back empty, its ids started over: read where the streams are again.
        seen = undefined;
        await sleep(reconnectDelayMs(++failures));
      }
    }
  })();

  return () => {
    stopped = true;
    reader.disconnect();
  };
}
