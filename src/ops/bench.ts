/**
 * Measurements for `omni bench` (SPEC §10): a load driver, percentiles, and the machine's own
 * ceilings (raw database inserts, raw Redis XADD, a bare HTTP server) measured in the same run, so
 * Omni's figures are reported as ratios to what this machine can do at all.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'drizzle-orm';
import type { Redis } from 'ioredis';
import type { Db } from '../storage/index.ts';

export interface LatencySummary {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export interface LoadResult {
  /** Operations completed per second of wall-clock time. */
  perSecond: number;
  wallMs: number;
  latencyMs: LatencySummary;
  failures: number;
}

/** Nearest-rank percentiles of a sample; a sorted copy is enough at benchmark sizes. */
export function summarize(samples: number[]): LatencySummary {
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
  return {
    count: sorted.length,
    p50: round(rank(0.5) ?? 0),
    p95: round(rank(0.95) ?? 0),
    p99: round(rank(0.99) ?? 0),
    max: round(sorted.at(-1) ?? 0),
  };
}

/** Runs `operation(i)` for i in [0, count) with at most `concurrency` in flight; times each. */
export async function driveLoad(
  count: number,
  concurrency: number,
  operation: (index: number) => Promise<void>,
): Promise<LoadResult> {
  const latencies: number[] = [];
  let next = 0;
  let failures = 0;
  const started = performance.now();
  const lane = async () => {
    while (next < count) {
      const index = next++;
      const t0 = performance.now();
      try {
        await operation(index);
        latencies.push(performance.now() - t0);
      } catch {
        failures++;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
  const wallMs = performance.now() - started;
  return {
    perSecond: round((latencies.length / wallMs) * 1000),
    wallMs: round(wallMs),
    latencyMs: summarize(latencies),
    failures,
  };
}

/** Single-row inserts into a scratch table, as the pipeline does them (one statement each). */
export async function measureInsertCeiling(
  db: Db,
  count: number,
  concurrency: number,
): Promise<LoadResult> {
  const table = `bench_ceiling_${process.pid}`;
  await db.execute(
    sql.raw(`create table if not exists ${table} (id bigserial primary key, body text)`),
  );
  try {
    return await driveLoad(count, concurrency, async (i) => {
      await db.execute(sql`insert into ${sql.identifier(table)} (body) values (${`message ${i}`})`);
    });
  } finally {
    await db.execute(sql.raw(`drop table if exists ${table}`));
  }
}

/** XADD to a scratch stream, one command per entry like the Redis queue. */
export async function measureXaddCeiling(
  redis: Redis,
  count: number,
  concurrency: number,
): Promise<LoadResult> {
  const stream = `omni.bench.${process.pid}`;
  try {
    return await driveLoad(count, concurrency, async (i) => {
      await redis.xadd(stream, '*', 'n', String(i));
    });
  } finally {
    await redis.del(stream);
  }
}

/**
 * A bare node:http server answering a small JSON body, driven by the same client as Omni: the
 * ceiling of this machine's HTTP stack before any framework, validation or storage.
 */
export async function measureHttpCeiling(count: number, concurrency: number): Promise<LoadResult> {
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      response.writeHead(202, { 'content-type': 'application/json' });
      response.end('{"ok":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  try {
    return await driveLoad(count, concurrency, async (i) => {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text: `message ${i}` }),
      });
      await response.arrayBuffer();
    });
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** Samples resident memory until stopped; returns the peak in MiB. */
export function sampleRss(intervalMs = 200): { stop(): number } {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      return round(Math.max(peak, process.memoryUsage().rss) / 1024 / 1024);
    },
  };
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
