/**
 * The health family (SPEC §8) under every name the runbooks use. 200 while Omni can do its job
 * (optional parts may be `degraded`), 503 when it cannot.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import {
  checkHealth,
  type HealthCheck,
  httpStatusOf,
  runCheck,
  VERSION,
} from '../../observability/index.ts';
import type { Runtime } from '../../runtime/index.ts';

export const HEALTH_PATHS = ['/health', '/api/health', '/healthz', '/admin/metricas/health'];

export interface Lifecycle {
  /** Set when shutdown begins so that /readyz takes the instance out of rotation first. */
  draining: boolean;
}

export function healthRoutes(app: FastifyInstance, runtime: Runtime, lifecycle: Lifecycle): void {
  // Fallback mode on top as well: seed runbooks read `"fallback_mode"` straight off /health.
  // The `omni fallback` switch lives in the database; while that is away the report still goes
  // out (503, database down) with the mode as configured.
  const extra = async () => ({
    profile: runtime.profile,
    fallback_mode: await runtime.gateway
      .fallbackMode()
      .catch(() => runtime.gateway.status().fallbackMode),
  });
  for (const url of HEALTH_PATHS) {
    app.get(url, { schema: { hide: true } }, async (_request, reply) => {
      const report = await checkHealth(runtime.healthChecks, await extra());
      return reply.status(httpStatusOf(report.status)).send(report);
    });
  }

  const component = (name: string) => runtime.healthChecks.find((c) => c.name === name);
  app.get('/health/db', { schema: { hide: true } }, async (_request, reply) =>
    componentAnswer(reply, 'database', component('database')),
  );
  app.get('/health/redis', { schema: { hide: true } }, async (_request, reply) =>
    componentAnswer(reply, 'redis', component('redis')),
  );

  // Ready: the database answers, and so does Redis where this process cannot work without it
  // (workers on the Redis queue); an API process keeps taking messages into the database.
  app.get('/readyz', { schema: { hide: true } }, async (_request, reply) => {
    const databaseCheck = component('database');
    const redisCheck = component('redis');
    const [database, redis] = await Promise.all([
      databaseCheck ? runCheck(databaseCheck) : { status: 'down' as const },
      redisCheck ? runCheck(redisCheck) : undefined,
    ]);
    const redisNeeded = redisCheck?.critical ?? false;
    const ready =
      !lifecycle.draining && database.status === 'up' && (!redisNeeded || redis?.status === 'up');
    return reply.status(ready ? 200 : 503).send({
      ready,
      draining: lifecycle.draining,
      database: database.status,
      ...(redis ? { redis: redis.status } : {}),
    });
  });

  app.get('/version', { schema: { hide: true } }, async () => ({
    name: 'omni',
    version: VERSION,
    node: process.versions.node,
  }));
}

async function componentAnswer(reply: FastifyReply, name: string, check: HealthCheck | undefined) {
  if (!check) {
    return reply.send({
      status: 'ok',
      [name]: 'not_configured',
      timestamp: new Date().toISOString(),
    });
  }
  const result = await runCheck(check);
  return reply.status(httpStatusOf(result.status)).send({
    ...result,
    status: result.status === 'up' ? 'ok' : 'down',
    [name]: result.status === 'up' ? 'connected' : 'disconnected',
    timestamp: new Date().toISOString(),
  });
}
