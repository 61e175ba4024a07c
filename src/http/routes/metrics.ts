import type { FastifyInstance } from 'fastify';
import { runCheck } from '../../observability/index.ts';
import type { Runtime } from '../../runtime/index.ts';

export const METRICS_PATHS = ['/metrics', '/api/monitoring/metrics'];
/** The same registry as JSON, under the paths seeds 000 and 002 read. */
export const PERFORMANCE_PATHS = ['/api/monitoring/performance', '/admin/metricas/performance'];

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
  for (const url of PERFORMANCE_PATHS) {
    app.get(url, { schema: { hide: true } }, async () => {
      await Promise.all(runtime.healthChecks.map(runCheck));
      return {
        timestamp: new Date().toISOString(),
        uptime_seconds: Math.round(process.uptime()),
        metrics: await runtime.metrics.registry.getMetricsAsJSON(),
      };
    });
  }
}
