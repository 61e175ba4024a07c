/** `omni tenant …` (with `config set`) and `omni keys …`: companies and credentials from the shell (seed 002). */
import type { Command } from 'commander';
import {
  apiKeyView,
  createApiKey,
  createTenant,
  getTenant,
  isUuid,
  listApiKeys,
  listTenants,
  parsePermissions,
  revokeApiKey,
  tenantView,
  updateTenant,
} from '../../tenancy/index.ts';
import { CliError, printJson, printTable, say, withRuntime } from '../output.ts';
import { tenantListCommand } from '../tenant-list.ts';

const CLI = { type: 'cli' } as const;

export function registerTenantCommands(program: Command): void {
  const tenant = program.command('tenant').description('manage tenants (companies)');

  tenant
    .command('create <slug>')
    .description('create a tenant')
    .option('--name <name>', 'display name (default: the slug)')
    .option('--json', 'print the created tenant as JSON')
    .action((slug: string, options: { name?: string; json?: boolean }) =>
      withRuntime(async ({ database }) => {
        const created = await createTenant(database.db, { slug, name: options.name }, CLI);
        if (options.json) printJson(tenantView(created));
        else say(`Created tenant ${created.slug} (${created.id}).`);
      }),
    );

  tenant
    .command('list')
    .description('list tenants')
    .option('--json', 'print JSON')
    .action((options: { json?: boolean }) =>
      withRuntime(async ({ database }) => {
        const tenants = (await listTenants(database.db)).map(tenantView);
        if (options.json) printJson(tenants);
        else printTable(tenants, ['id', 'slug', 'name', 'created_at']);
      }),
    );

  tenant
    .command('config')
    .description('change a tenant setting')
    .command('set <tenant> <key> <value>')
    .description(
      'set a setting (the value is read as JSON when it parses: 0.7, true, {"a":1}; else as text; null removes it)',
    )
    .option('--json', 'print the tenant as JSON')
    .action((idOrSlug: string, key: string, value: string, options: { json?: boolean }) =>
      withRuntime(async ({ database }) => {
        const current = await getTenant(database.db, idOrSlug);
        const updated = await updateTenant(
          database.db,
          current.id,
          key === 'name' ? { name: value } : { settings: { [key]: settingValue(value) } },
          CLI,
        );
        if (options.json) printJson(tenantView(updated));
        else say(`${updated.slug}: ${key} set.`);
      }),
    );

  tenant
    .command('show <tenant>')
    .description('show a tenant (by slug or id) with its settings')
    .action((idOrSlug: string) =>
      withRuntime(async ({ database }) =>
        printJson(tenantView(await getTenant(database.db, idOrSlug))),
      ),
    );
}

function settingValue(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

export function registerKeyCommands(program: Command): void {
  const keys = program.command('keys').description('manage API keys');

  keys
    .command('create')
    .description('create an API key; the key is printed once and never stored')
    .requiredOption('--tenant <tenant>', 'tenant slug or id')
    .option('--permissions <list>', 'comma-separated: read, write, admin', 'read,write')
    .option('--name <name>', 'a label for the key', 'default')
    .option('--json', 'print { id, key, … } as JSON')
    .action((options: { tenant: string; permissions: string; name: string; json?: boolean }) =>
      withRuntime(async ({ database }) => {
        const permissions = parsePermissions(options.permissions);
        const tenant = await getTenant(database.db, options.tenant);
        const { key, info } = await createApiKey(
          database.db,
          { tenantId: tenant.id, name: options.name, permissions },
          CLI,
        );
        if (options.json) {
          printJson({ ...apiKeyView(info), key });
        } else {
          process.stdout.write(`${key}\n`);
          say(
            `Created API key ${info.id} for ${tenant.slug} (${permissions.join(', ')}). It is shown only now.`,
          );
        }
      }),
    );

  tenantListCommand(keys, {
    description: 'list API keys (never the keys themselves)',
    list: async (db, tenantId) => (await listApiKeys(db, tenantId)).map(apiKeyView),
    columns: ['id', 'tenant_id', 'name', 'prefix', 'permissions', 'last_used_at', 'revoked_at'],
  });

  keys
    .command('revoke <id>')
    .description('revoke an API key at once')
    .option('--json', 'print the revoked key as JSON')
    .action((id: string, options: { json?: boolean }) =>
      withRuntime(async ({ database }) => {
        if (!isUuid(id)) throw new CliError(`"${id}" is not an API key id (see omni keys list).`);
        const info = await revokeApiKey(database.db, id, CLI);
        if (options.json) printJson(apiKeyView(info));
        else say(`Revoked API key ${info.id} (${info.prefix}…).`);
      }),
    );
}
