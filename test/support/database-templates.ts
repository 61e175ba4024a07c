/**
 * Migrated PGlite databases made once per run. A new PGlite runs initdb and then every migration
 * — about 3.5 s of CPU in memory, about 8 s for an embedded data folder (initdb in a child
 * process) — and tests open a few hundred. The global setup makes one of each; an in-memory test
 * runtime starts from a copy of the first (the storage option `initialData`), a test that needs an
 * embedded folder gets a copy of the second's cluster, and their migration step finds nothing to
 * apply. Fresh databases are still made where that is the point: test/storage/migrations.test.ts
 * and the first-start tests of test/cli/cli.test.ts.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { createLogger } from '../../src/observability/index.ts';
import { openDatabase } from '../../src/storage/index.ts';
import { runOmni } from './cli.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The migrated in-memory database's data folder as a tarball. */
    pgliteTemplate: string;
    /** An embedded data folder (OMNI_DATA_DIR) whose database is migrated. */
    embeddedTemplate: string;
  }
}

export interface Templates {
  pgliteTemplate: string;
  embeddedTemplate: string;
  remove(): Promise<void>;
}

/** Makes both templates as Omni would: opened by the storage layer, then migrated. */
export async function writeTemplates(): Promise<Templates> {
  const dir = await mkdtemp(join(tmpdir(), 'omni-test-templates-'));
  const pgliteTemplate = join(dir, 'migrated.tar');
  const embeddedTemplate = join(dir, 'embedded');
  const logger = createLogger('silent');
  await Promise.all([
    (async () => {
      const database = await openDatabase({ kind: 'pglite', logger });
      try {
        await database.migrate();
        const tarball = await database.dumpDataDir?.();
        if (!tarball) throw new Error('PGlite gave no data folder to dump');
        await writeFile(pgliteTemplate, Buffer.from(await tarball.arrayBuffer()));
      } finally {
        await database.close();
      }
    })(),
    // As an operator would; the global setup's module runner cannot run the embedded initdb.
    runOmni(['migrate'], { OMNI_DATA_DIR: embeddedTemplate }).then((result) => {
      if (result.code !== 0) throw new Error(`omni migrate failed: ${result.stderr}`);
    }),
  ]);
  return {
    pgliteTemplate,
    embeddedTemplate,
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

let template: Promise<Blob> | undefined;

/** The migrated in-memory template, read once per test process. */
export function pgliteTemplate(): Promise<Blob> {
  template ??= readFile(inject('pgliteTemplate')).then((bytes) => new Blob([bytes]));
  return template;
}

/**
 * Puts a migrated database in the embedded data folder `dataDir` (for OMNI_DATA_DIR), and
 * nothing else: its secret key is made at first start, as in a folder of its own.
 */
export async function copyMigratedDatabase(dataDir: string): Promise<string> {
  await cp(join(inject('embeddedTemplate'), 'pglite'), join(dataDir, 'pglite'), {
    recursive: true,
  });
  return dataDir;
}

/** A new temporary data folder named `prefix…` holding a migrated database. */
export async function migratedDataDir(prefix: string): Promise<string> {
  return copyMigratedDatabase(await mkdtemp(join(tmpdir(), prefix)));
}
