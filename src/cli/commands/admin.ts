/** `omni tenant …` and `omni keys …`: credentials and companies from the shell (seed 002). */
import type { Command } from 'commander';
import {
  type ApiKeyInfo,
  createApiKey,
  createTenant,
  getTenant,
  listApiKeys,
  listTenants,
  parsePermissions,
  revokeApiKey,
  type Tenant,
} from '../../tenancy/index.ts';
import { CliError, printJson, printTable, say, withRuntime } from '../output.ts';

const CLI = { type: 'cli' } as const;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const tenantJson = (t: Tenant) => ({
  id: t.id,
  slug: t.slug,
  name: t.name,
  settings: t.settings,
  created_at: t.createdAt.toISOString(),
});

const keyJson = (k: ApiKeyInfo) => ({
  id: k.id,
  tenant_id: k.tenantId,
  name: k.name,
  prefix: k.prefix,
  permissions: k.permissions,
  created_at: k.createdAt.toISOString(),
  last_used_at: k.lastUsedAt?.toISOString() ?? null,
  revoked_at: k.revokedAt?.toISOString() ?? null,
});

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
        if (options.json) printJson(tenantJson(created));
        else say(`Created tenant ${created.slug} (${created.id}).`);
      }),
    );

  tenant
    .command('list')
    .description('list tenants')
    .option('--json', 'print JSON')
    .action((options: { json?: boolean }) =>
      withRuntime(async ({ database }) => {
        const tenants = (await listTenants(database.db)).map(tenantJson);
        if (options.json) printJson(tenants);
        else printTable(tenants, ['id', 'slug', 'name', 'created_at']);
      }),
    );

  tenant
    .command('show <tenant>')
    .description('show a tenant (by slug or id) with its settings')
    .action((idOrSlug: string) =>
      withRuntime(async ({ database }) =>
        printJson(tenantJson(await getTenant(database.db, idOrSlug))),
      ),
    );
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
          printJson({ ...keyJson(info), key });
        } else {
          process.stdout.write(`${key}\n`);
          say(
            `Created API key ${info.id} for ${tenant.slug} (${permissions.join(', ')}). It is shown only now.`,
          );
        }
      }),
    );

  keys
    .command('list')
    .description('list API keys (never the keys themselves)')
    .option('--tenant <tenant>', 'only this tenant (slug or id)')
    .option('--json', 'print JSON')
    .action((options: { tenant?: string; json?: boolean }) =>
      withRuntime(async ({ database }) => {
        const tenantId = options.tenant
          ? (await getTenant(database.db, options.tenant)).id
          : undefined;
        const rows = (await listApiKeys(database.db, tenantId)).map(keyJson);
        if (options.json) printJson(rows);
        else
          printTable(rows, [
            'id',
            'tenant_id',
            'name',
            'prefix',
            'permissions',
            'last_used_at',
            'revoked_at',
          ]);
      }),
    );

  keys
    .command('revoke <id>')
    .description('revoke an API key at once')
    .option('--json', 'print the revoked key as JSON')
    .action((id: string, options: { json?: boolean }) =>
      withRuntime(async ({ database }) => {
        if (!UUID.test(id))
          throw new CliError(`"${id}" is not an API key id (see omni keys list).`);
        const info = await revokeApiKey(database.db, id, CLI);
        if (options.json) printJson(keyJson(info));
        else say(`Revoked API key ${info.id} (${info.prefix}…).`);
      }),
    );
}
