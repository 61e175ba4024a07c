/** `omni security lockdown`: the suspected-breach procedure (seed 004 §8.4) in one command. */
import type { Command } from 'commander';
import { lockdown } from '../../tenancy/index.ts';
import { printJson, say, withRuntime } from '../output.ts';

export function registerSecurityCommands(program: Command): void {
  const security = program.command('security').description('security procedures');

  security
    .command('lockdown')
    .description(
      'revoke every API key, end every dashboard session, switch integrations off, audit it',
    )
    .option('--json', 'print what was done as JSON')
    .action((options: { json?: boolean }) =>
      withRuntime(async ({ database }) => {
        const report = await lockdown(database.db, { type: 'cli' });
        if (options.json) {
          printJson(report);
          return;
        }
        say(
          `Lockdown: ${report.keysRevoked} API keys revoked, ${report.sessionsEnded} sessions ended, integrations off.`,
        );
        say('Logs and data are untouched: collect the evidence before anything else.');
        say('When it is safe, issue new keys (the old ones never work again):');
        for (const slug of report.tenants)
          say(`  omni keys create --tenant ${slug} --permissions read,write`);
        if (report.tenants.length === 0)
          say('  omni keys create --tenant <slug> --permissions read,write');
        say('and turn integrations back on with: omni integrations on');
      }),
    );
}
