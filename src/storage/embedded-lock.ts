/**
 * PGlite is one process's database: two processes opening the same data folder would corrupt it.
 * proper-lockfile gives an exclusive lock that goes stale if its holder dies without releasing it
 * (checked by age, which also works on a shared filesystem). Waiting for that age after a crash
 * would keep a restarted Omni down for seconds, so the holder's pid and host are written beside
 * the lock: a lock whose holder is known dead (same host, no such process) is taken over at once.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import lockfile from 'proper-lockfile';
import { StorageError } from './errors.ts';

/** Data folders this process holds: a second open from here is refused like any other. */
const heldHere = new Set<string>();

interface Owner {
  pid: number;
  host: string;
}

export async function lockDataDir(dataDir: string): Promise<() => Promise<void>> {
  const lockPath = join(dataDir, 'omni.lock');
  const ownerPath = join(dataDir, 'omni.lock.owner');
  const acquire = () =>
    lockfile.lock(dataDir, {
      lockfilePath: lockPath,
      stale: 15_000,
      update: 5_000,
      realpath: false,
    });
  const refused = () =>
    new StorageError(
      'embedded_locked',
      `The embedded database in ${dataDir} is in use by another Omni process; stop it first, or set DATABASE_URL to use PostgreSQL.`,
    );

  let release: () => Promise<void>;
  try {
    release = await acquire();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') throw error;
    if (heldHere.has(dataDir) || !holderIsDead(await readOwner(ownerPath))) throw refused();
    // Two processes started at the same instant after a crash could both get here; the second
    // mkdir of proper-lockfile still refuses one of them unless it removes the other's fresh lock
    // in between, a window of microseconds an operator's restart does not hit.
    await rm(lockPath, { recursive: true, force: true });
    try {
      release = await acquire();
    } catch (again) {
      if ((again as NodeJS.ErrnoException).code === 'ELOCKED') throw refused();
      throw again;
    }
  }
  heldHere.add(dataDir);
  const owner: Owner = { pid: process.pid, host: hostname() };
  await writeFile(ownerPath, JSON.stringify(owner));
  return async () => {
    heldHere.delete(dataDir);
    await rm(ownerPath, { force: true });
    await release();
  };
}

async function readOwner(ownerPath: string): Promise<Owner | undefined> {
  try {
    const owner = JSON.parse(await readFile(ownerPath, 'utf8')) as Partial<Owner>;
    return Number.isInteger(owner.pid) && typeof owner.host === 'string'
      ? { pid: owner.pid as number, host: owner.host }
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Only a holder on this host can be checked. A recorded pid equal to ours is an earlier life of
 * this process's slot (a container restarted: Omni is pid 1 again), since this process does not
 * hold the lock. A pid reused by another program looks alive: then the lock's age decides.
 */
function holderIsDead(owner: Owner | undefined): boolean {
  if (!owner || owner.host !== hostname()) return false;
  if (owner.pid === process.pid) return true;
  try {
    process.kill(owner.pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
