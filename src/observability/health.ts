/**
 * Health of one process, per component (SPEC §8). A *critical* component down makes the service
 * unable to do its job (HTTP 503); a non-critical one makes it `degraded` (HTTP 200).
 */
import { VERSION } from './version.ts';

export type ComponentStatus = 'up' | 'down';

export interface CheckResult {
  status: ComponentStatus;
  /** Why it is down, in one sentence. */
  error?: string;
  /** The flat word for the runbooks when connected/disconnected would mislead (`llm: offline`). */
  word?: string;
  [detail: string]: unknown;
}

export type ComponentHealth = CheckResult & { latency_ms: number };

export interface HealthCheck {
  name: string;
  critical: boolean;
  check(): Promise<CheckResult>;
}

export type OverallStatus = 'ok' | 'degraded' | 'down';

export interface HealthReport {
  status: OverallStatus;
  /** The runbooks read these flat words: `"database": "connected"`. */
  [component: string]: unknown;
  version: string;
  timestamp: string;
  uptime_s: number;
  memory_rss_mb: number;
  components: Record<string, ComponentHealth>;
}

export async function runCheck(check: HealthCheck): Promise<ComponentHealth> {
  const started = performance.now();
  let result: CheckResult;
  try {
    result = await check.check();
  } catch (error) {
    result = { status: 'down', error: (error as Error).message };
  }
  return { ...result, latency_ms: Math.round(performance.now() - started) };
}

export async function checkHealth(
  checks: HealthCheck[],
  extra: Record<string, unknown> = {},
): Promise<HealthReport> {
  const results = await Promise.all(checks.map(async (c) => [c, await runCheck(c)] as const));
  const components: Record<string, ComponentHealth> = {};
  const flat: Record<string, string> = {};
  let status: OverallStatus = 'ok';
  for (const [check, result] of results) {
    components[check.name] = result;
    flat[check.name] = result.word ?? (result.status === 'up' ? 'connected' : 'disconnected');
    if (result.status === 'down')
      status = check.critical ? 'down' : status === 'ok' ? 'degraded' : status;
  }
  return {
    status,
    ...flat,
    ...extra,
    version: VERSION,
    timestamp: new Date().toISOString(),
    uptime_s: Math.round(process.uptime()),
    memory_rss_mb: Math.round(process.memoryUsage.rss() / 1_048_576),
    components,
  };
}

export function httpStatusOf(status: OverallStatus | ComponentStatus): 200 | 503 {
  return status === 'down' ? 503 : 200;
}
