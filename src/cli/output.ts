/** How the CLI talks: data to stdout (a table, or JSON with --json), messages and errors to stderr. */
import pino from 'pino';
import { type Config, loadConfig } from '../config/index.ts';
import { createLogger, type Logger } from '../observability/index.ts';
import type { Runtime } from '../runtime/index.ts';

/** A failure already phrased for the operator; the CLI prints it as one line and exits 1. */
export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliError';
  }
}

/**
 * A commander option parser for numbers: ≥ 0, or > 0 with `positive`. A bad value stops the
 * command with one line naming the flag.
 */
export function numberOption(flag: string, options: { positive?: boolean } = {}) {
  return (value: string): number => {
    const parsed = Number(value);
    if (!Number.isFinite(parsed) || parsed < 0 || (options.positive && parsed === 0)) {
      throw new CliError(
        `${flag} must be a number ${options.positive ? 'greater than 0' : 'of 0 or more'} (got "${value}").`,
      );
    }
    return parsed;
  };
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function printTable<T extends object>(rows: T[], columns: Array<keyof T & string>): void {
  if (rows.length === 0) {
    process.stderr.write('(none)\n');
    return;
  }
  const cell = (value: unknown) =>
    value === null || value === undefined
      ? '-'
      : value instanceof Date
        ? value.toISOString()
        : String(value);
  const table = rows.map((row) => columns.map((c) => cell(row[c])));
  const widths = columns.map((c, i) =>
    Math.max(c.length, ...table.map((r) => (r[i] ?? '').length)),
  );
  const line = (values: string[]) =>
    values
      .map((v, i) => v.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  process.stdout.write(`${line(columns.map((c) => c.toUpperCase()))}\n`);
  for (const row of table) process.stdout.write(`${line(row)}\n`);
}

export function say(message: string): void {
  process.stderr.write(`${message}\n`);
}

/**
 * Logs of one-shot commands go to stderr and stay quiet (`quietLevel`, default warn) unless
 * LOG_LEVEL asks for detail.
 */
export function commandLogger(config: Config, quietLevel: 'warn' | 'error' = 'warn'): Logger {
  const level = ['debug', 'trace'].includes(config.LOG_LEVEL) ? config.LOG_LEVEL : quietLevel;
  return createLogger(level, pino.destination(2));
}

/** Runs `fn` with a runtime for a one-shot command and closes it afterwards. */
export async function withRuntime<T>(fn: (runtime: Runtime) => Promise<T>): Promise<T> {
  const config = loadConfig();
  // Imported here: this module is the CLI's own, and `omni --version` must not load the runtime.
  const { openRuntime } = await import('../runtime/index.ts');
  const runtime = await openRuntime(config, { logger: commandLogger(config) });
  try {
    return await fn(runtime);
  } finally {
    await runtime.close();
  }
}
