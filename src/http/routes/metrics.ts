import type { FastifyInstance } from 'fastify';
import { runCheck } from '../../observability/index.ts';
import type { Runtime } from '../../runtime/index.ts';

export const METRICS_PATHS = ['/metrics', '/api/monitoring/metrics'];

/** Prometheus text (SPEC §8). Each scrape re-checks dependencies so pg_up/redis_up are current. */
export function metricsRoutes(app: FastifyInstance, runtime: Runtime): void {
  if (!runtime.config.PROMETHEUS_ENABLED) return;
  for (const url of METRICS_PATHS) {
    app.get(url, { schema: { hide: true } }, async (_request, reply) => {
      await Promise.all(runtime.healthChecks.map(runCheck));
      return reply
        .type(runtime.metrics.registry.contentType)
        .send(await runtime.metrics.registry.metrics());
    });
  }
}
