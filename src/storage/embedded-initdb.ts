/**
 * A new embedded data folder is initialised (initdb) by a short-lived child process, the way
 * PostgreSQL runs initdb as a program of its own. Inside PGlite, initdb takes two more WASM
 * instances and copies the new cluster into the server's as an in-memory tarball: ~300 MB that
 * the allocator keeps after it is freed, so an Omni that ran its own initdb idled at 370–620 MB of
 * RSS for the rest of its life, against ~265 MB once restarted. A child's memory goes back to the
 * system when it exits; the server then opens the folder exactly as it does on every restart.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** Plain JavaScript: the child needs no TypeScript loader, whichever one the parent runs under. */
const INITDB_SCRIPT = `
const [pgliteUrl, dataDir, postgresqlconf] = process.argv.slice(1);
const { PGlite } = await import(pgliteUrl);
const client = await PGlite.create(dataDir, { postgresqlconf });
await client.close();
`;

/** Runs initdb in `dataDir` unless it holds a cluster already. */
export async function initdbIfNew(dataDir: string, postgresqlconf: string): Promise<void> {
  if (existsSync(join(dataDir, 'PG_VERSION'))) return;
  const child = spawn(
    process.execPath,
    [
      '--input-type=module',
      '--eval',
      INITDB_SCRIPT,
      import.meta.resolve('@electric-sql/pglite'),
      dataDir,
      postgresqlconf,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const [code, signal] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null];
  if (code !== 0) {
    throw new Error(
      `initdb of the embedded database in ${dataDir} failed (${signal ?? `exit ${code}`}): ${stderr.trim()}`,
    );
  }
}
