/** `omni cleanup [--days N] [--dry-run]`: retention on demand (workers also run it on a schedule). */
import type { Command } from 'commander';
import { applyRetention } from '../../ops/index.ts';
import { numberOption, printJson, say, withRuntime } from '../output.ts';

export function registerCleanupCommand(program: Command): void {
  program
    .command('cleanup')
    .description(
      'delete conversations, messages and turns older than --days (sent outbox rows after RETENTION_SENT_OUTBOX_DAYS)',
    )
    .option(
      '--days <n>',
      'keep this many days (default RETENTION_DAYS)',
      numberOption('--days', { positive: true }),
    )
    .option('--dry-run', 'count what would be deleted, delete nothing')
    .option('--json', 'print the counts as JSON')
    .action((options: { days?: number; dryRun?: boolean; json?: boolean }) =>
      withRuntime(async ({ database, config, media }) => {
        const days = options.days ?? config.RETENTION_DAYS;
        const report = await applyRetention(database.db, {
          days,
          sentOutboxDays: Math.min(days, config.RETENTION_SENT_OUTBOX_DAYS),
          dryRun: options.dryRun,
          media: media.store,
        });
        if (options.json)
          return printJson({ days, dry_run: Boolean(options.dryRun), removed: report });
        const lines = Object.entries(report)
          .filter(([, n]) => n > 0)
          .map(([table, n]) => `${table} ${n}`);
        say(
          `${options.dryRun ? 'Would delete' : 'Deleted'} (older than ${days} days): ${lines.length > 0 ? lines.join(', ') : 'nothing'}.`,
        );
      }),
    );
}
