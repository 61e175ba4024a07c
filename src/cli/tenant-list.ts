/** `… list [--tenant <tenant>] [--json]`, the same for every kind of row a tenant owns. */
import type { Command } from 'commander';
import type { Db } from '../storage/index.ts';
import { getTenant } from '../tenancy/index.ts';
import { printJson, printTable, withRuntime } from './output.ts';

export function tenantListCommand<T extends object>(
  parent: Command,
  rows: {
    description: string;
    /** Every tenant's rows when `tenantId` is undefined. */
    list(db: Db, tenantId: string | undefined): Promise<T[]>;
    columns: Array<keyof T & string>;
  },
): void {
  parent
    .command('list')
    .description(rows.description)
    .option('--tenant <tenant>', 'only this tenant (slug or id)')
    .option('--json', 'print JSON')
    .action((options: { tenant?: string; json?: boolean }) =>
      withRuntime(async ({ database }) => {
        const tenantId = options.tenant
          ? (await getTenant(database.db, options.tenant)).id
          : undefined;
        const listed = await rows.list(database.db, tenantId);
        if (options.json) printJson(listed);
        else printTable(listed, rows.columns);
      }),
    );
}
