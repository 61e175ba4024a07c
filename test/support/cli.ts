/** Runs the real `omni` executable in a child process, as an operator would. */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { TEST_EGRESS_ALLOW, TEST_SECRET_KEY } from './services.ts';

const OMNI = fileURLToPath(new URL('../../bin/omni.js', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Environment for a child: only what the test gives, plus PATH/HOME (no stray DATABASE_URL),
 * loopback allowed for the simulators and, on PostgreSQL, the required secret key (a test can
 * blank either).
 */
function childEnv(env: Record<string, string>): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    LOG_LEVEL: 'warn',
    EGRESS_ALLOW: TEST_EGRESS_ALLOW,
    ...(env.DATABASE_URL ? { OMNI_SECRET_KEY: TEST_SECRET_KEY } : {}),
    ...env,
  };
}

export async function runOmni(
  args: string[],
  env: Record<string, string> = {},
): Promise<CliResult> {
  const child = spawn(process.execPath, [OMNI, ...args], {
    env: childEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const [code] = (await once(child, 'close')) as [number | null];
  return { code, stdout, stderr };
}

export interface RunningOmni {
  child: ChildProcess;
  baseUrl: string;
  output(): { stdout: string; stderr: string };
  /** Sends `signal` and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

const LISTENING = /"msg":"Omni is listening"/;

/**
 * Starts `omni <args>` with PORT=0 and resolves once its output matches `ready` (by default the
 * server's "listening" line, whose URL becomes `baseUrl`).
 */
export async function startOmni(
  args: string | string[],
  env: Record<string, string>,
  ready: RegExp = LISTENING,
): Promise<RunningOmni> {
  const command = ([] as string[]).concat(args);
  const child = spawn(process.execPath, [OMNI, ...command], {
    env: childEnv({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const exited = once(child, 'exit');
  const baseUrl = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      if (!ready.test(stdout)) return;
      const listening = stdout.split('\n').find((line) => LISTENING.test(line));
      resolve(listening ? String(JSON.parse(listening).url).replace('localhost', '127.0.0.1') : '');
    });
    exited.then(() =>
      reject(new Error(`omni ${command.join(' ')} exited early:\n${stdout}\n${stderr}`)),
    );
  });
  return {
    child,
    baseUrl,
    output: () => ({ stdout, stderr }),
    stop: async (signal = 'SIGTERM') => {
      child.kill(signal);
      const [code] = (await exited) as [number | null];
      return code;
    },
  };
}
