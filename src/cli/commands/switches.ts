/**
 * Runtime switches from the shell (SPEC §2, seed 004 §8.3–8.5): `omni maintenance`,
 * `omni integrations`, `omni fallback`. Every process sees a change within seconds, no restart.
 */
import type { Command } from 'commander';
import {
  parseMaintenanceMode,
  parseOnOff,
  readSwitches,
  SWITCH_REFRESH_MS,
  setInstanceSwitch,
  switchDefaults,
} from '../../tenancy/index.ts';
import { printJson, say, withRuntime } from '../output.ts';

const CLI = { type: 'cli' } as const;
const EFFECT = `every process follows within ${SWITCH_REFRESH_MS / 1000} s`;

export function registerSwitchCommands(program: Command): void {
  program
    .command('maintenance [mode]')
    .description(
      'on (= full: 503 except health, metrics and admins), partial (new contacts get the maintenance message), off; no mode: show',
    )
    .option('--json', 'print the switches as JSON')
    .action((mode: string | undefined, options: { json?: boolean }) =>
      withRuntime(async ({ database, config }) => {
        if (mode) {
          const parsed = parseMaintenanceMode(mode);
          await setInstanceSwitch(database.db, 'maintenance', parsed, CLI);
          say(`Maintenance ${parsed}; ${EFFECT}.`);
        }
        const switches = await readSwitches(database.db, switchDefaults(config));
        if (options.json) printJson(switches);
        else if (!mode) say(`Maintenance ${switches.maintenance}.`);
      }),
    );

  for (const [name, label] of [
    ['integrations', 'outbound integrations (CRM, webhooks, Slack, e-mail)'],
    ['fallback', 'fallback mode (canned answers, no LLM call)'],
  ] as const) {
    program
      .command(`${name} [state]`)
      .description(`turn ${label} on or off; no state: show`)
      .option('--json', 'print the switches as JSON')
      .action((state: string | undefined, options: { json?: boolean }) =>
        withRuntime(async ({ database, config }) => {
          if (state) {
            const on = parseOnOff(state);
            await setInstanceSwitch(database.db, name, on, CLI);
            say(`${name[0]?.toUpperCase()}${name.slice(1)} ${on ? 'on' : 'off'}; ${EFFECT}.`);
          }
          const switches = await readSwitches(database.db, switchDefaults(config));
          if (options.json) printJson(switches);
          else if (!state) say(`${name} ${switches[name] ? 'on' : 'off'}.`);
        }),
      );
  }
}
