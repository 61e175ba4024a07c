/** `omni backup [--out file]` and `omni restore <file> [--force]`, in either profile. */
import type { Command } from 'commander';
import { createBackup, restoreBackup } from '../../ops/index.ts';
import { printJson, say, withRuntime } from '../output.ts';

function defaultFile(): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `omni-backup-${stamp}.jsonl.gz`;
}

export function registerBackupCommands(program: Command): void {
  program
    .command('backup')
    .description(
      'write a consistent snapshot of every table (gzip, restorable into either profile)',
    )
    .option('--out <file>', 'where to write it (default: omni-backup-<date>-<time>.jsonl.gz)')
    .option('--json', 'print the row counts as JSON')
    .action((options: { out?: string; json?: boolean }) =>
      withRuntime(async ({ database }) => {
        const file = options.out ?? defaultFile();
        const report = await createBackup(database.db, file, (table, rows) =>
          say(`  ${table}: ${rows} rows`),
        );
        if (options.json) printJson(report);
        const total = Object.values(report.tables).reduce((sum, n) => sum + n, 0);
        say(`Backed up ${total} rows of ${Object.keys(report.tables).length} tables to ${file}.`);
      }),
    );

  program
    .command('restore <file>')
    .description('restore a backup; refuses a database that holds data unless --force')
    .option('--force', 'replace the data this database holds')
    .option('--json', 'print the row counts as JSON')
    .action((file: string, options: { force?: boolean; json?: boolean }) =>
      withRuntime(async ({ database }) => {
        const restored = await restoreBackup(database.db, file, {
          force: options.force,
          progress: (table, rows) => say(`  ${table}: ${rows} rows`),
        });
        if (options.json) printJson(restored);
        const total = Object.values(restored).reduce((sum, n) => sum + n, 0);
        say(
          `Restored ${total} rows from ${file}. Restart running Omni processes to drop their caches.`,
        );
      }),
    );
}
