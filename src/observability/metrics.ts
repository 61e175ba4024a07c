/**
 * The Prometheus registry of one process. Each runtime gets its own registry (not prom-client's
 * global one) so that several apps can live in one test process.
 */
import { readFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export interface Metrics {
  registry: Registry;
  httpRequests: Counter<'method' | 'route' | 'status'>;
  httpDuration: Histogram<'method' | 'route' | 'status'>;
  /** Requests refused with 429 (seed 004 greps `rate_limit_exceeded`). */
  rateLimitExceeded: Counter<'scope'>;
  /** Connection errors of a dependency (database, its LISTEN connection, redis), outage or not. */
  dependencyErrors: Counter<'component'>;
  /** Outages of a dependency: its first connection error after it was up. */
  dependencyOutages: Counter<'component'>;
  /** 1 when the last check reached the database; the DatabaseDown alert reads it. */
  pgUp: Gauge;
  /** 1 when the last check reached Redis; the RedisDown alert reads it. Only with REDIS_URL. */
  redisUp?: Gauge;
  /** The memory this process may use (cgroup limit, else the machine's); HighMemoryUsage divides by it. */
  memoryLimit: Gauge;
}

export function createMetrics(options: { redis: boolean }): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const labelNames = ['method', 'route', 'status'] as const;
  return {
    registry,
    httpRequests: new Counter({
      name: 'http_requests_total',
      help: 'HTTP requests answered, by route template and status code.',
      labelNames,
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration in seconds.',
      labelNames,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    rateLimitExceeded: new Counter({
      name: 'rate_limit_exceeded_total',
      help: 'Requests refused with 429 because a key or address went over RATE_LIMIT_PER_MINUTE.',
      labelNames: ['scope'] as const,
      registers: [registry],
    }),
    dependencyErrors: new Counter({
      name: 'dependency_connection_errors_total',
      help: 'Connection errors of a dependency (database, redis), retried in the background.',
      labelNames: ['component'] as const,
      registers: [registry],
    }),
    dependencyOutages: new Counter({
      name: 'dependency_outages_total',
      help: 'Outages of a dependency: the first connection error after it was available.',
      labelNames: ['component'] as const,
      registers: [registry],
    }),
    pgUp: new Gauge({
      name: 'pg_up',
      help: 'Whether the database answered the last health check (1) or not (0).',
      registers: [registry],
    }),
    redisUp: options.redis
      ? new Gauge({
          name: 'redis_up',
          help: 'Whether Redis answered the last health check (1) or not (0).',
          registers: [registry],
        })
      : undefined,
    memoryLimit: new Gauge({
      name: 'process_memory_limit_bytes',
      help: 'Memory this process may use: its cgroup limit, or the machine total without one.',
      registers: [registry],
      collect() {
        this.set(memoryLimitBytes());
      },
    }),
  };
}

/** cgroup v2 `memory.max` ("max" when unlimited), else the machine's total memory. */
function memoryLimitBytes(): number {
  try {
    const limit = Number(readFileSync('/sys/fs/cgroup/memory.max', 'utf8').trim());
    if (Number.isFinite(limit) && limit > 0) return Math.min(limit, totalmem());
  } catch {
    // No cgroup v2 file (macOS, cgroup v1): the machine's memory is the limit.
  }
  return totalmem();
}
