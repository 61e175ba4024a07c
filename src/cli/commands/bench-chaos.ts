/**
 * `omni bench --chaos`: the fault matrix of src/ops/chaos.ts with real `omni api` and `omni worker`
 * processes started from this executable, the LLM simulator as their model, on the scratch
 * PostgreSQL and Redis given with --database-url and --redis-url.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { loadConfig, systemEnvironment } from '../../config/index.ts';
import { startLlmSimulator } from '../../gateway/index.ts';
import { createLogger } from '../../observability/index.ts';
import { type OmniProcess, runChaos, type ScenarioResult } from '../../ops/index.ts';
import { openRuntime } from '../../runtime/index.ts';
import { CliError, printJson } from '../output.ts';
import { benchModelSettings } from './bench-model.ts';

const OMNI = fileURLToPath(new URL('../../../bin/omni.js', import.meta.url));
const LISTENING = /"msg":"Omni is listening"/;
const WORKER_READY = /"msg":"worker roles ready"/;

export interface ChaosBenchOptions {
  databaseUrl?: string;
  redisUrl?: string;
  llmLatencyMs: number;
  workers: number;
  chaosRate: number;
  chaosSeconds: number;
  faultSeconds: number;
  timeout: number;
  json?: boolean;
}

export async function runChaosBench(options: ChaosBenchOptions): Promise<void> {
  if (!options.databaseUrl || !options.redisUrl) {
    throw new CliError(
      '--chaos runs the scale profile: give a scratch --database-url and --redis-url.',
    );
  }
  const progress = (line: string) => process.stderr.write(`bench: ${line}\n`);
  const llm = await startLlmSimulator({ behaviour: { latencyMs: options.llmLatencyMs } });
  // A scratch database holds no secret worth keeping: a key for this run only.
  const secretKey = randomBytes(32).toString('hex');
  const childEnv = {
    ...systemEnvironment(),
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    AUTO_MIGRATE: 'false',
    ...benchModelSettings(llm.url, options.workers),
    DEBOUNCE_MS: '0',
    DEBOUNCE_MAX_MS: '0',
    QUEUE_CLAIM_IDLE_MS: '2000',
    OMNI_SECRET_KEY: secretKey,
    // The receiver playing the tenant's webhook listens on this machine.
    EGRESS_ALLOW: '127.0.0.1',
  };
  // The bench's own way in: migrates the scratch database, creates the tenants, reads the rows.
  const runtime = await openRuntime(
    loadConfig({
      DATABASE_URL: options.databaseUrl,
      OMNI_SECRET_KEY: secretKey,
      EGRESS_ALLOW: '127.0.0.1',
      LOG_LEVEL: 'warn',
    }),
    { logger: createLogger('warn'), migrate: true },
  );
  try {
    const results = await runChaos({
      db: runtime.database.db,
      databaseUrl: options.databaseUrl,
      redisUrl: options.redisUrl,
      spawnOmni: (args, env) => spawnOmni(args, { ...childEnv, ...env }),
      model: {
        fail: () => llm.behave({ status: 503 }),
        recover: () => llm.behave({ latencyMs: options.llmLatencyMs }),
      },
      rate: options.chaosRate,
      loadSeconds: options.chaosSeconds,
      faultSeconds: options.faultSeconds,
      contacts: 10,
      timeoutSeconds: options.timeout,
      progress,
    });
    if (options.json) printJson({ scenarios: results });
    else printChaosReport(results, options);
  } finally {
    await runtime.close();
    await llm.close();
  }
}

function spawnOmni(args: string[], env: Record<string, string>): OmniProcess {
  const child = spawn(process.execPath, [OMNI, ...args], {
    env,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const ready = args[0] === 'api' ? LISTENING : WORKER_READY;
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    ready: new Promise<string>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        output += chunk;
        if (!ready.test(output)) return;
        // Keep draining the pipe (a full one would stall the child), without keeping the text.
        child.stdout.off('data', onData);
        child.stdout.resume();
        const line = output.split('\n').find((l) => LISTENING.test(l));
        output = '';
        resolve(line ? String(JSON.parse(line).url).replace('localhost', '127.0.0.1') : '');
      };
      child.stdout.on('data', onData);
      exited.then(() => reject(new CliError(`omni ${args.join(' ')} exited before it was ready.`)));
    }),
    kill: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await exited;
    },
    alive: () => child.exitCode === null && child.signalCode === null,
  };
}

function printChaosReport(results: ScenarioResult[], options: ChaosBenchOptions): void {
  const header = [
    'scenario',
    'sent',
    '503',
    'other answers',
    'answered once',
    'lost',
    'duplicated',
    'out of order',
    'holding',
    'recover s',
    'exited',
  ];
  const rows = results.map((r) => [
    r.scenario,
    r.sent,
    r.refused,
    Object.entries(r.otherAnswers)
      .map(([status, n]) => `${status}×${n}`)
      .join(' ') || 0,
    r.answeredOnce,
    r.lost,
    r.duplicated,
    r.outOfOrder,
    r.holding,
    r.secondsToRecover ?? 'never',
    r.processesExited,
  ]);
  const widths = header.map((h, i) =>
    Math.max(h.length, ...rows.map((row) => String(row[i]).length)),
  );
  const line = (cells: Array<string | number>) =>
    cells
      .map((c, i) => String(c).padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  process.stdout.write(
    [
      `Omni chaos bench — scale profile (omni api + 2 omni worker), ${options.chaosRate} messages/s ` +
        `for ${options.chaosSeconds} s per scenario, each fault held ${options.faultSeconds} s`,
      '',
      line(header),
      ...rows.map(line),
      '',
    ].join('\n'),
  );
}
