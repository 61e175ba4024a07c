/**
 * Variables that look like Omni's but are not: a typo (`REDIS_ULR`), a name of the same family
 * (`DATABASE_NAME` beside `DATABASE_URL`), or a setting the runbooks know from the systems Omni
 * replaces. Omni ignores them, so `omni doctor` warns instead of saying "config valid" while the
 * operator believes they are in force.
 */
import { variables } from './variables.ts';

/**
 * Names the seed runbooks set that Omni does not read (seed 004 §5.2 `MEMORY_PROFILING`, seed
 * 001's Supabase pair, seed 002's MongoDB settings), with what to use instead.
 */
const RUNBOOK_NAMES: Record<string, string> = {
  MEMORY_PROFILING: 'Omni has no memory profiler switch; see `omni bench` for idle RSS',
  SUPABASE_URL: 'use DATABASE_URL',
  SUPABASE_KEY: 'use DATABASE_URL',
  MONGODB_URI: 'use DATABASE_URL',
  DATABASE_NAME: 'the database name is part of DATABASE_URL',
};

export interface UnknownVariable {
  name: string;
  /** What to do instead: the known name it resembles, or advice. */
  hint: string;
}

/** First words too common outside Omni to mark a family (SESSION_MANAGER, MAX_…, LOG_…). */
const GENERIC_WORDS = new Set([
  'MAX',
  'LOG',
  'REQUEST',
  'DEFAULT',
  'ENABLE',
  'PUBLIC',
  'SIMPLE',
  'SESSION',
  'CHANNEL',
  'WEBHOOK',
  'EMAIL',
  'HOST',
  'PORT',
  'LOGIN',
  'SHUTDOWN',
]);

export function unknownVariables(
  env: Record<string, string | undefined> = process.env,
): UnknownVariable[] {
  const known = Object.keys(variables);
  const knownSet = new Set(known);
  // A family is a known name's first word (`DATABASE` of DATABASE_URL, `REDIS` of REDIS_URL).
  const families = new Set(
    known.map((name) => name.split('_')[0] as string).filter((word) => !GENERIC_WORDS.has(word)),
  );
  const found: UnknownVariable[] = [];
  for (const name of Object.keys(env).sort()) {
    if (knownSet.has(name) || env[name] === undefined) continue;
    const advice = RUNBOOK_NAMES[name];
    if (advice) {
      found.push({ name, hint: advice });
      continue;
    }
    const nearest = known
      .map((candidate) => ({ candidate, distance: editDistance(name, candidate) }))
      .sort((a, b) => a.distance - b.distance)[0];
    // Short names are too close to ordinary ones (HOME, HOST) for a distance of 2.
    const typoLimit = name.length >= 8 ? 2 : 1;
    if (nearest && nearest.distance <= typoLimit) {
      found.push({ name, hint: `did you mean ${nearest.candidate}?` });
    } else if (name.includes('_') && families.has(name.split('_')[0] as string)) {
      const family = name.split('_')[0] as string;
      const relatives = known.filter((k) => k.startsWith(`${family}_`)).slice(0, 4);
      found.push({ name, hint: `not an Omni variable; Omni reads ${relatives.join(', ')}` });
    }
  }
  return found;
}

/** Levenshtein distance; names are short, so the plain dynamic programme is enough. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      const substitution = (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min(
        (previous[j] as number) + 1,
        (current[j - 1] as number) + 1,
        substitution,
      );
    }
    previous = current;
  }
  return previous[b.length] as number;
}
