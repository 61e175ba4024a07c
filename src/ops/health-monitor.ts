/**
 * `omni health`: seed 003's `health-monitor.sh` against a running instance. One line per check,
 * with the runbook's words (SAUDÁVEL) beside the English ones so both kinds of operator can grep.
 */
export type Verdict = 'healthy' | 'degraded' | 'down' | 'unreachable';

export interface HealthObservation {
  at: string;
  url: string;
  verdict: Verdict;
  httpStatus?: number;
  latencyMs: number;
  report?: Record<string, unknown>;
  error?: string;
}

const WORDS: Record<Verdict, string> = {
  healthy: 'HEALTHY (SAUDÁVEL)',
  degraded: 'DEGRADED (DEGRADADO)',
  down: 'DOWN (INDISPONÍVEL)',
  unreachable: 'UNREACHABLE (INACESSÍVEL)',
};

export async function observeHealth(
  baseUrl: string,
  timeoutMs: number,
): Promise<HealthObservation> {
  const url = new URL('/health', baseUrl).toString();
  const at = new Date().toISOString();
  const started = performance.now();
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    const report = (await response.json().catch(() => undefined)) as
      | Record<string, unknown>
      | undefined;
    const latencyMs = Math.round(performance.now() - started);
    const status = report?.status;
    const verdict: Verdict =
      response.status >= 500 || status === 'down'
        ? 'down'
        : status === 'degraded'
          ? 'degraded'
          : response.ok
            ? 'healthy'
            : 'down';
    return { at, url, verdict, httpStatus: response.status, latencyMs, report };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    return {
      at,
      url,
      verdict: 'unreachable',
      latencyMs: Math.round(performance.now() - started),
      error: cause ?? (error as Error).message,
    };
  }
}

export function isServing(observation: HealthObservation): boolean {
  return observation.verdict === 'healthy' || observation.verdict === 'degraded';
}

export function formatObservation(o: HealthObservation): string {
  const parts = [o.at, WORDS[o.verdict], o.url];
  if (o.httpStatus !== undefined) parts.push(`http=${o.httpStatus}`);
  parts.push(`${o.latencyMs}ms`);
  const components = o.report?.components as
    | Record<string, { status: string; error?: string }>
    | undefined;
  for (const [name, component] of Object.entries(components ?? {})) {
    parts.push(`${name}=${component.status === 'up' ? 'connected' : 'disconnected'}`);
    if (component.error) parts.push(`(${component.error})`);
  }
  if (typeof o.report?.memory_rss_mb === 'number') parts.push(`rss=${o.report.memory_rss_mb}MB`);
  if (typeof o.report?.uptime_s === 'number') parts.push(`uptime=${o.report.uptime_s}s`);
  if (o.error) parts.push(`error=${o.error}`);
  return parts.join('  ');
}
