import type { HealthCheck, Metrics } from '../observability/index.ts';
import { type Database, describeConnectionError, type RedisConnection } from '../storage/index.ts';

/** Longest a health check waits for a dependency; a probe must answer well within its own timeout. */
export const HEALTH_CHECK_TIMEOUT_MS = 2_000;

export function databaseCheck(database: Database, metrics: Metrics): HealthCheck {
  return {
    name: 'database',
    critical: true,
    check: async () => {
      try {
        await database.ping(HEALTH_CHECK_TIMEOUT_MS);
        metrics.pgUp.set(1);
        return { status: 'up', kind: database.kind, target: database.target };
      } catch (error) {
        metrics.pgUp.set(0);
        return {
          status: 'down',
          kind: database.kind,
          target: database.target,
          error: describeConnectionError(error),
        };
      }
    },
  };
}

/** Redis down degrades Omni but does not stop it: the database keeps every message (SPEC §1). */
export function redisCheck(redis: RedisConnection, metrics: Metrics): HealthCheck {
  return {
    name: 'redis',
    critical: false,
    check: async () => {
      try {
        await redis.ping(HEALTH_CHECK_TIMEOUT_MS);
        metrics.redisUp?.set(1);
        return { status: 'up', target: redis.target };
      } catch (error) {
        metrics.redisUp?.set(0);
        return { status: 'down', target: redis.target, error: describeConnectionError(error) };
      }
    },
  };
}
