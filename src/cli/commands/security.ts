/** `omni security lockdown`: the suspected-breach procedure (seed 004 §8.4) in one command. */
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { lockdown } from '../../tenancy/index.ts';
import { CliError, printJson, say, withRuntime } from '../output.ts';

/**
 * Lockdown cannot be undone (revoked keys never work again): a person at a terminal confirms, a
 * script says `--yes`.
 */
async function confirmLockdown(yes: boolean | undefined): Promise<void> {
  if (yes) return;
  if (!process.stdin.isTTY) {
    throw new CliError(
      'omni security lockdown revokes every API key and ends every session; run it with --yes to confirm (no terminal to ask on).',
    );
  }
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  const answer = await prompt.question(
    'Revoke EVERY API key, end every dashboard session and switch integrations off? Type "yes": ',
  );
  prompt.close();
  if (answer.trim().toLowerCase() !== 'yes')
    throw new CliError('Lockdown cancelled; nothing changed.');
}

export function registerSecurityCommands(program: Command): void {
  const security = program.command('security').description('security procedures');

  security
    .command('lockdown')
    .description(
      'revoke every API key, end every dashboard session, switch integrations off, audit it',
    )
    .option('--yes', 'do it without asking (required when not run from a terminal)')
    .option('--json', 'print what was done as JSON')
    .action(async (options: { json?: boolean; yes?: boolean }) => {
      await confirmLockdown(options.yes);
      return withRuntime(async ({ database }) => {
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
      });
    });
}
