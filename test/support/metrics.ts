import type { Registry } from 'prom-client';

/** The sum of every series of a counter or gauge, as /metrics shows it. */
export async function metricTotal(registry: Registry, name: string): Promise<number> {
  return (await registry.metrics())
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
}
