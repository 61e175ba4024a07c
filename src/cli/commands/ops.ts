/** `omni migrate`, `omni doctor`, `omni health`: operating an instance. */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import { loadConfig, publicUrl } from '../../config/index.ts';
import { formatObservation, isServing, observeHealth, runDoctor } from '../../ops/index.ts';
import { openRuntime } from '../../runtime/index.ts';
import { commandLogger, numberOption, printJson, say } from '../output.ts';

const MARKS = { ok: '✓', warn: '!', fail: '✗', skip: '-' } as const;

export function registerOpsCommands(program: Command): void {
  program
    .command('migrate')
    .description('apply pending database migrations')
    .option('--json', 'print the result as JSON')
    .action(async (options: { json?: boolean }) => {
      const config = loadConfig();
      const runtime = await openRuntime(config, { logger: commandLogger(config), migrate: false });
      try {
        const result = await runtime.database.migrate();
        if (options.json) printJson({ ...result, database: runtime.database.target });
        else
          say(
            `${runtime.database.target}: ${result.applied} migrations applied, ${result.total} in all.`,
          );
      } finally {
        await runtime.close();
      }
    });

  program
    .command('doctor')
    .description('preflight: configuration, database, Redis, LLM providers and channels')
    .option('--json', 'print the checks as JSON')
    .action(async (options: { json?: boolean }) => {
      const logger = commandLogger(loadConfigOrDefaults());
      const report = await runDoctor(logger);
      if (options.json) printJson(report);
      else {
        for (const check of report.checks) {
          process.stdout.write(`${MARKS[check.outcome]} ${check.name.padEnd(9)} ${check.detail}\n`);
        }
      }
      if (!report.ok) process.exitCode = 1;
    });

  program
    .command('health')
    .description('check a running instance (seed 003 health monitor)')
    .option(
      '--url <url>',
      'base URL of the instance (default: PUBLIC_URL or http://localhost:PORT)',
    )
    .option('--continuous', 'keep checking until interrupted')
    .option(
      '--interval <seconds>',
      'seconds between checks with --continuous',
      numberOption('--interval', { positive: true }),
      30,
    )
    .option(
      '--timeout <seconds>',
      'seconds to wait for an answer',
      numberOption('--timeout', { positive: true }),
      5,
    )
    .option('--json', 'print each observation as one JSON line')
    .action(
      async (options: {
        url?: string;
        continuous?: boolean;
        interval: number;
        timeout: number;
        json?: boolean;
      }) => {
        const { interval, timeout } = options;
        const url = options.url ?? publicUrl(loadConfigOrDefaults());
        const stop = new AbortController();
        process.once('SIGINT', () => stop.abort());
        process.once('SIGTERM', () => stop.abort());
        do {
          const observation = await observeHealth(url, timeout * 1000);
          process.stdout.write(
            `${options.json ? JSON.stringify(observation) : formatObservation(observation)}\n`,
          );
          if (!options.continuous) {
            if (!isServing(observation)) process.exitCode = 1;
            return;
          }
          await sleep(interval * 1000, undefined, { signal: stop.signal }).catch(() => {});
        } while (!stop.signal.aborted);
      },
    );
}

/** `doctor` reports invalid configuration itself, and `health` needs only PORT/PUBLIC_URL. */
function loadConfigOrDefaults() {
  try {
    return loadConfig();
  } catch {
    return loadConfig({});
  }
}
