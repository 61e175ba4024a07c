/**
 * PGlite is one process's database: two processes opening the same data folder would corrupt it.
 * proper-lockfile gives an exclusive lock that goes stale if its holder dies without releasing it.
 */
import { join } from 'node:path';
import lockfile from 'proper-lockfile';
import { StorageError } from './errors.ts';

export async function lockDataDir(dataDir: string): Promise<() => Promise<void>> {
  try {
    return await lockfile.lock(dataDir, {
      lockfilePath: join(dataDir, 'omni.lock'),
      stale: 15_000,
      update: 5_000,
      realpath: false,
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOCKED') {
      throw new StorageError(
        'embedded_locked',
        `The embedded database in ${dataDir} is in use by another Omni process; stop it first, or set DATABASE_URL to use PostgreSQL.`,
      );
    }
    throw error;
  }
}
