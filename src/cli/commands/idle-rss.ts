/**
 * `omni bench --idle`: the resident memory of each long-running process kind once it has started
 * and sits idle — `omni start` on a fresh embedded folder, then restarted on it (no initdb), and
 * `omni api` / `omni worker` on PostgreSQL when --database-url is given. Each runs as a child
 * process of the real executable, the way operators run it, and is measured from /proc.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { systemEnvironment } from '../../config/index.ts';

const OMNI = fileURLToPath(new URL('../../../bin/omni.js', import.meta.url));
const READY = /"msg":"(Omni is listening|worker roles ready)"/;
/** Started is not idle: timers, JIT and the first GC settle within a few seconds. */
const SETTLE_MS = 10_000;
const START_TIMEOUT_MS = 180_000;

export interface IdleRss {
  process: string;
  rssMiB: number;
}

export async function measureIdleRss(databaseUrl: string | undefined): Promise<IdleRss[]> {
  const dir = await mkdtemp(join(tmpdir(), 'omni-idle-'));
  try {
    const embedded = { OMNI_DATA_DIR: join(dir, 'data') };
    const results = [
      { process: 'start (first start, embedded)', rssMiB: await idleRss(['start'], embedded) },
      { process: 'start (embedded)', rssMiB: await idleRss(['start'], embedded) },
    ];
    if (databaseUrl) {
      // A shared database requires the key that seals tenant secrets; any key opens an empty one.
      const postgres = {
        DATABASE_URL: databaseUrl,
        OMNI_SECRET_KEY: randomBytes(32).toString('hex'),
      };
      results.push({ process: 'api (postgres)', rssMiB: await idleRss(['api'], postgres) });
      results.push({ process: 'worker (postgres)', rssMiB: await idleRss(['worker'], postgres) });
    }
    return results;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function idleRss(args: string[], env: Record<string, string>): Promise<number> {
  const child = spawn(process.execPath, [OMNI, ...args], {
    env: {
      ...systemEnvironment(),
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = once(child, 'exit');
  try {
    let output = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`omni ${args.join(' ')} did not start`)),
        START_TIMEOUT_MS,
      );
      child.stdout.on('data', (chunk) => {
        output += chunk;
        if (READY.test(output)) {
          clearTimeout(timer);
          resolve();
        }
      });
      exited.then(() => reject(new Error(`omni ${args.join(' ')} exited early`)));
    });
    await sleep(SETTLE_MS);
    const status = await readFile(`/proc/${child.pid}/status`, 'utf8');
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
    return Math.round(kb / 1024);
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}
