/** `omni users …`: dashboard accounts from the shell (seed 002's "Reset Password Dashboard User"). */
import type { Command } from 'commander';
import {
  createUser,
  disableUser,
  generatePassword,
  getTenant,
  listUsers,
  parseRole,
  resetPassword,
  userView,
} from '../../tenancy/index.ts';
import { printJson, say, withRuntime } from '../output.ts';
import { tenantListCommand } from '../tenant-list.ts';

const CLI = { type: 'cli' } as const;

export function registerUserCommands(program: Command): void {
  const users = program
    .command('users')
    .description('manage dashboard users (roles: admin, operator, viewer)');

  users
    .command('create <email>')
    .description('create a user; without --password a random one is printed once')
    .requiredOption('--tenant <tenant>', 'tenant slug or id')
    .option('--role <role>', 'admin, operator or viewer', 'operator')
    .option('--name <name>', 'full name (default: the e-mail)')
    .option('--password <password>', 'the password (at least 10 characters)')
    .option('--json', 'print the user as JSON')
    .action(
      (
        email: string,
        options: { tenant: string; role: string; name?: string; password?: string; json?: boolean },
      ) =>
        withRuntime(async ({ database }) => {
          const role = parseRole(options.role);
          const tenant = await getTenant(database.db, options.tenant);
          const password = options.password ?? generatePassword();
          const user = await createUser(
            database.db,
            { tenantId: tenant.id, email, password, fullName: options.name ?? email, role },
            CLI,
          );
          if (options.json) printJson(userView(user));
          else say(`Created ${role} ${user.email} (${user.id}) in ${tenant.slug}.`);
          if (!options.password) process.stdout.write(`${password}\n`);
        }),
    );

  tenantListCommand(users, {
    description: 'list users',
    list: async (db, tenantId) => (await listUsers(db, tenantId)).map(userView),
    columns: ['id', 'tenant_id', 'email', 'role', 'last_login_at', 'disabled_at'],
  });

  users
    .command('reset-password <user>')
    .description(
      'set a new password (by e-mail or id); ends the user’s sessions and clears a login lockout',
    )
    .option('--password <password>', 'the new password (default: a random one, printed once)')
    .action((idOrEmail: string, options: { password?: string }) =>
      withRuntime(async ({ database }) => {
        const password = options.password ?? generatePassword();
        const user = await resetPassword(database.db, idOrEmail, password, CLI);
        say(`New password set for ${user.email}; their sessions have ended.`);
        if (!options.password) process.stdout.write(`${password}\n`);
      }),
    );

  users
    .command('disable <user>')
    .description('disable a user (by e-mail or id) and end their sessions')
    .action((idOrEmail: string) =>
      withRuntime(async ({ database }) => {
        const user = await disableUser(database.db, idOrEmail, CLI);
        say(`Disabled ${user.email}; their sessions have ended.`);
      }),
    );
}
