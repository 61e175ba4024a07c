/**
 * The instance's runtime switches (SPEC §9, seed 004 §8.3–8.5): maintenance (`off`, `partial`,
 * `full`), integrations on/off and fallback mode on/off. Each is a row of `switches`, so a change
 * made by the CLI in one process reaches every process; each process re-reads them at most every
 * SWITCH_REFRESH_MS. Without a row, the configuration's MAINTENANCE_MODE, ENABLE_INTEGRATIONS and
 * FALLBACK_MODE decide.
 */
import { inArray } from 'drizzle-orm';
import type { Config } from '../config/index.ts';
import type { Db } from '../storage/index.ts';
import { schema, setSwitch } from '../storage/index.ts';
import { type Actor, recordAudit } from './audit.ts';
import { TenancyError } from './errors.ts';

export const MAINTENANCE_MODES = ['off', 'partial', 'full'] as const;
export type MaintenanceMode = (typeof MAINTENANCE_MODES)[number];

export interface InstanceSwitches {
  maintenance: MaintenanceMode;
  integrations: boolean;
  fallback: boolean;
}

/** How stale a process's view may be: "seen by every process within seconds". */
export const SWITCH_REFRESH_MS = 2_000;

const NAMES = {
  maintenance: 'maintenance',
  integrations: 'integrations',
  fallback: 'fallback',
} as const;

const cache = new WeakMap<Db, { readAt: number; rows: Map<string, unknown> }>();

export function switchDefaults(config: Config): InstanceSwitches {
  return {
    maintenance: config.MAINTENANCE_MODE,
    integrations: config.ENABLE_INTEGRATIONS,
    fallback: config.FALLBACK_MODE,
  };
}

async function switchRows(db: Db): Promise<Map<string, unknown>> {
  const cached = cache.get(db);
  if (cached && Date.now() - cached.readAt < SWITCH_REFRESH_MS) return cached.rows;
  const found = await db
    .select({ name: schema.switches.name, value: schema.switches.value })
    .from(schema.switches)
    .where(inArray(schema.switches.name, Object.values(NAMES)));
  const rows = new Map(found.map((row) => [row.name, row.value]));
  cache.set(db, { readAt: Date.now(), rows });
  return rows;
}

/** The switches as this process sees them (at most SWITCH_REFRESH_MS old). */
export async function readSwitches(db: Db, defaults: InstanceSwitches): Promise<InstanceSwitches> {
  const rows = await switchRows(db);
  const maintenance = rows.get(NAMES.maintenance);
  const integrations = rows.get(NAMES.integrations);
  const fallback = rows.get(NAMES.fallback);
  return {
    maintenance: (MAINTENANCE_MODES as readonly unknown[]).includes(maintenance)
      ? (maintenance as MaintenanceMode)
      : defaults.maintenance,
    integrations: typeof integrations === 'boolean' ? integrations : defaults.integrations,
    fallback: typeof fallback === 'boolean' ? fallback : defaults.fallback,
  };
}

/** Fallback mode as switched at run time, or undefined when nobody switched it (config decides). */
export async function fallbackSwitch(db: Db): Promise<boolean | undefined> {
  const value = (await switchRows(db)).get(NAMES.fallback);
  return typeof value === 'boolean' ? value : undefined;
}

export function parseMaintenanceMode(input: string): MaintenanceMode {
  const word = input.trim().toLowerCase();
  // `on` is the runbooks' word for the full mode.
  const mode = word === 'on' ? 'full' : word;
  if (!(MAINTENANCE_MODES as readonly string[]).includes(mode)) {
    throw new TenancyError('invalid', `Maintenance is on, partial or off (got "${input}").`);
  }
  return mode as MaintenanceMode;
}

export function parseOnOff(input: string): boolean {
  const word = input.trim().toLowerCase();
  if (['on', 'true', '1', 'yes'].includes(word)) return true;
  if (['off', 'false', '0', 'no'].includes(word)) return false;
  throw new TenancyError('invalid', `Say on or off (got "${input}").`);
}

/** Sets one switch for the whole instance and audits it; this process sees it at once. */
export async function setInstanceSwitch<K extends keyof InstanceSwitches>(
  db: Db,
  name: K,
  value: InstanceSwitches[K],
  actor: Actor,
  ip?: string,
): Promise<void> {
  await setSwitch(db, NAMES[name], value, actor.type === 'cli' ? 'cli' : `${actor.type}`);
  await recordAudit(db, {
    tenantId: null,
    actor,
    action: `switch.${name}`,
    details: { value },
    ip,
  });
  cache.delete(db);
}
