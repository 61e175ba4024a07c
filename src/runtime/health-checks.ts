import type { Gauge } from 'prom-client';
import type { HealthCheck, Metrics } from '../observability/index.ts';
import { type Database, describeConnectionError, type RedisConnection } from '../storage/index.ts';

/** Longest a health check waits for a dependency; a probe must answer well within its own timeout. */
export const HEALTH_CHECK_TIMEOUT_MS = 2_000;

interface Pingable {
  target: string;
  ping(timeoutMs: number): Promise<void>;
}

/** A check that pings a dependency and mirrors the outcome in its `*_up` gauge. */
function pingCheck(
  name: string,
  critical: boolean,
  dependency: Pingable,
  gauge: Gauge | undefined,
  details: Record<string, unknown> = {},
): HealthCheck {
  return {
    name,
    critical,
    check: async () => {
      try {
        await dependency.ping(HEALTH_CHECK_TIMEOUT_MS);
        gauge?.set(1);
        return { status: 'up', ...details, target: dependency.target };
      } catch (error) {
        gauge?.set(0);
        return {
          status: 'down',
          ...details,
          target: dependency.target,
          error: describeConnectionError(error),
        };
      }
    },
  };
}

export function databaseCheck(database: Database, metrics: Metrics): HealthCheck {
  return pingCheck('database', true, database, metrics.pgUp, { kind: database.kind });
}

/**
 * Redis down degrades Omni but does not stop it: the database keeps every message (SPEC §1), so
 * an API process keeps accepting them. The check starts non-critical; the runtime makes it
 * critical in a process whose workers claim their work from Redis (they cannot work without it).
 */
export function redisCheck(redis: RedisConnection, metrics: Metrics): HealthCheck {
  return pingCheck('redis', false, redis, metrics.redisUp);
}
