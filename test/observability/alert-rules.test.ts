import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { openTestRuntime, type TestRuntime } from '../support/runtime.ts';

/**
 * The shipped alert rules and Grafana dashboards must only name metrics and labels Omni exports:
 * a renamed metric would otherwise silently turn an alert into one that can never fire.
 */
const PROMQL_WORDS = new Set([
  'sum',
  'rate',
  'increase',
  'by',
  'without',
  'and',
  'or',
  'unless',
  'histogram_quantile',
  'clamp_min',
  'min',
  'max',
  'avg',
  'count',
  'e',
  'bool',
  'on',
  'ignoring',
]);
// Written by Prometheus itself for every scrape target, not by Omni.
const SCRAPE_METRICS = new Set(['up']);
const HISTOGRAM_SUFFIXES = /_(bucket|sum|count)$/;

interface Reference {
  metric: string;
  labels: string[];
}

/** Metric names with the labels their matchers and `by (…)` clauses use, from one expression. */
function references(expr: string): Reference[] {
  const refs: Reference[] = [];
  const grouping = [...expr.matchAll(/\bby\s*\(([^)]*)\)/g)].flatMap((m) =>
    (m[1] ?? '')
      .split(',')
      .map((l) => l.trim())
      .filter((l) => l && l !== 'le'),
  );
  const stripped = expr
    .replace(/"[^"]*"/g, '""')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b(by|without)\s*\([^)]*\)/g, '');
  for (const match of stripped.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?/g)) {
    const name = match[1] ?? '';
    if (PROMQL_WORDS.has(name) || /^\d/.test(name)) continue;
    if (stripped[(match.index ?? 0) + name.length] === '(') continue;
    const matchers = [...(match[2] ?? '').matchAll(/([a-zA-Z_]+)\s*(=~|!=|!~|=)/g)].map(
      (m) => m[1] ?? '',
    );
    refs.push({ metric: name, labels: [...matchers, ...grouping] });
  }
  return refs;
}

function alertExpressions(): Array<{ source: string; expr: string }> {
  const file = parse(readFileSync('deploy/prometheus/alerts.yml', 'utf8')) as {
    groups: Array<{ rules: Array<{ alert: string; expr: string }> }>;
  };
  return file.groups.flatMap((g) =>
    g.rules.map((r) => ({ source: `alert ${r.alert}`, expr: r.expr })),
  );
}

function dashboardExpressions(): Array<{ source: string; expr: string }> {
  return readdirSync('deploy/grafana').flatMap((name) => {
    const dashboard = JSON.parse(readFileSync(join('deploy/grafana', name), 'utf8')) as {
      panels: Array<{ title: string; targets: Array<{ expr: string }> }>;
    };
    return dashboard.panels.flatMap((p) =>
      p.targets.map((t) => ({ source: `${name} "${p.title}"`, expr: t.expr })),
    );
  });
}

describe('shipped alert rules and dashboards', () => {
  let test: TestRuntime;
  let exported: Map<string, Set<string>>;

  beforeAll(async () => {
    // With Redis configured so redis_up is registered; the runtime does not connect until asked.
    test = await openTestRuntime('pglite', { REDIS_URL: 'redis://127.0.0.1:1' });
    exported = await exportedMetrics(test.runtime.metrics.registry);
  });
  afterAll(() => test.close());

  it('name the seed 004 alerts and the SPEC §8 additions', () => {
    const names = alertExpressions().map((a) => a.source.replace('alert ', ''));
    for (const alert of [
      'SystemDown',
      'HighErrorRate',
      'DatabaseDown',
      'RedisDown',
      'HighResponseTime',
      'HighResponseTimeP95',
      'ElevatedErrorRate',
      'LowIntentAccuracy',
      'HighMemoryUsage',
      'HighHandoffRate',
      'NoResponses',
    ]) {
      expect(names).toContain(alert);
    }
  });

  it('use only metrics and labels Omni exports', () => {
    const problems: string[] = [];
    for (const { source, expr } of [...alertExpressions(), ...dashboardExpressions()]) {
      for (const ref of references(expr)) {
        if (SCRAPE_METRICS.has(ref.metric)) continue;
        const base = exported.has(ref.metric)
          ? ref.metric
          : ref.metric.replace(HISTOGRAM_SUFFIXES, '');
        const labels = exported.get(base);
        if (!labels) {
          problems.push(`${source}: unknown metric ${ref.metric}`);
          continue;
        }
        for (const label of ref.labels) {
          if (!labels.has(label)) problems.push(`${source}: ${ref.metric} has no label "${label}"`);
        }
      }
    }
    expect(problems).toEqual([]);
  });
});

async function exportedMetrics(registry: Registry): Promise<Map<string, Set<string>>> {
  const metrics = new Map<string, Set<string>>();
  for (const metric of registry.getMetricsAsArray()) {
    const labelNames = (metric as unknown as { labelNames?: string[] }).labelNames ?? [];
    metrics.set(metric.name, new Set(labelNames));
  }
  return metrics;
}
