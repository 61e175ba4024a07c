/**
 * `omni <command>` imports only the module registering that command (src/cli/program.ts): the
 * list of which module registers which top-level command must match what each module registers,
 * or a command would be missing from the program its own name builds.
 */
import { describe, expect, it } from 'vitest';
import { buildProgram, COMMAND_MODULES, modulesFor } from '../../src/cli/program.ts';

const names = async (modules: typeof COMMAND_MODULES) =>
  (await buildProgram(modules)).commands.map((command) => command.name());

describe('the omni program', () => {
  it('lists, for each module, exactly the top-level commands it registers', async () => {
    for (const module of COMMAND_MODULES) {
      expect(await names([module])).toEqual(module.commands);
    }
  });

  it('builds the program a command needs from its name, and the whole program otherwise', async () => {
    const everything = await names(COMMAND_MODULES);
    for (const command of everything) {
      expect(await names(modulesFor([command, '--help'])), command).toContain(command);
    }
    expect(modulesFor(['--version'])).toEqual([]);
    expect(modulesFor([])).toBe(COMMAND_MODULES);
    expect(modulesFor(['--help'])).toBe(COMMAND_MODULES);
    expect(modulesFor(['tenat'])).toBe(COMMAND_MODULES);
  });
});
