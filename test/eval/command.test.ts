import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { registerEvalCommand } from '../../src/cli/commands/eval.ts';

/**
 * `omni eval` is shared: other sets register subcommands (`omni eval guardrails`) on the same
 * command, before or after this default action. Their names and options must stay theirs.
 */
describe('the eval command beside its subcommands', () => {
  for (const order of ['subcommand first', 'default action first'] as const) {
    it(`dispatches a subcommand with its own --json (${order})`, async () => {
      const program = new Command().exitOverride();
      const seen: Array<{ json?: boolean }> = [];
      const addSubcommand = () => {
        const evalCommand =
          program.commands.find((c) => c.name() === 'eval') ?? program.command('eval');
        evalCommand
          .command('probe')
          .option('--json')
          .action((options: { json?: boolean }) => {
            seen.push(options);
          });
      };
      if (order === 'subcommand first') addSubcommand();
      registerEvalCommand(program);
      if (order === 'default action first') addSubcommand();

      await program.parseAsync(['eval', 'probe', '--json'], { from: 'user' });
      expect(seen).toEqual([{ json: true }]);
      expect(program.commands.filter((c) => c.name() === 'eval')).toHaveLength(1);
    });
  }
});
