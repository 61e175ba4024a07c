/**
 * `omni bench` (SPEC §10): real HTTP requests through the whole pipeline — API, ingest, queue,
 * debounce, turn with the LLM simulator, outbox, dispatch — then the same machine's ceilings, all
 * reported as figures and ratios. Runs on a scratch database: in-memory PGlite by default, or the
 * PostgreSQL/Redis given with --database-url/--redis-url (never the instance's own data).
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import { sql } from 'drizzle-orm';
import { loadConfig } from '../../config/index.ts';
import { type LlmSimulator, startLlmSimulator } from '../../gateway/index.ts';
import { createLogger } from '../../observability/index.ts';
import {
  driveLoad,
  type LatencySummary,
  type LoadResult,
  measureHttpCeiling,
  measureInsertCeiling,
  measureXaddCeiling,
  sampleRss,
  summarize,
} from '../../ops/index.ts';
import { openRuntime, type Runtime } from '../../runtime/index.ts';
import { type Db, queryRows } from '../../storage/index.ts';
import { createApiKey, createTenant } from '../../tenancy/index.ts';
import { CliError, numberOption, printJson } from '../output.ts';
import { runChaosBench } from './bench-chaos.ts';
import { benchModelSettings } from './bench-model.ts';
import { measureIdleRss } from './idle-rss.ts';

interface BenchOptions {
  messages: number;
  concurrency: number;
  llmLatencyMs: number;
  workers: number;
  debounceMs: number;
  databaseUrl?: string;
  redisUrl?: string;
  timeout: number;
  bubbles: number;
  soakSeconds: number;
  soakRate: number;
  chaos?: boolean;
  chaosRate: number;
  chaosSeconds: number;
  faultSeconds: number;
  idle?: boolean;
  json?: boolean;
}

export function registerBenchCommand(program: Command): void {
  program
    .command('bench')
    .description(
      'benchmark the pipeline end to end with simulators, against this machine’s ceilings',
    )
    .option(
      '--messages <n>',
      'inbound messages, one per contact',
      numberOption('--messages', { positive: true }),
      500,
    )
    .option(
      '--concurrency <n>',
      'requests in flight',
      numberOption('--concurrency', { positive: true }),
      32,
    )
    .option(
      '--llm-latency-ms <ms>',
      'the LLM simulator’s answer delay',
      numberOption('--llm-latency-ms'),
      50,
    )
    .option(
      '--workers <n>',
      'MAX_WORKERS for the run',
      numberOption('--workers', { positive: true }),
      8,
    )
    .option('--debounce-ms <ms>', 'DEBOUNCE_MS for the run', numberOption('--debounce-ms'), 1500)
    .option('--database-url <url>', 'a scratch PostgreSQL database (default: in-memory PGlite)')
    .option('--redis-url <url>', 'a scratch Redis (adds the Redis queue and its XADD ceiling)')
    .option(
      '--timeout <s>',
      'seconds to wait for every reply',
      numberOption('--timeout', { positive: true }),
      300,
    )
    .option(
      '--bubbles <n>',
      'conversations that each send three messages at once (expect one reply each)',
      numberOption('--bubbles'),
      50,
    )
    .option(
      '--soak-seconds <s>',
      'then a sustained load for this long, sampling RSS (0: no soak)',
      numberOption('--soak-seconds'),
      0,
    )
    .option(
      '--soak-rate <n>',
      'messages per second during the soak',
      numberOption('--soak-rate', { positive: true }),
      10,
    )
    .option(
      '--chaos',
      'instead: a fault matrix (worker SIGKILL, Redis cut, database cut, channel and model storms) on separate processes',
    )
    .option(
      '--chaos-rate <n>',
      'messages per second during each chaos scenario',
      numberOption('--chaos-rate', { positive: true }),
      10,
    )
    .option(
      '--chaos-seconds <s>',
      'load duration of each chaos scenario',
      numberOption('--chaos-seconds', { positive: true }),
      30,
    )
    .option(
      '--fault-seconds <s>',
      'how long each fault lasts',
      numberOption('--fault-seconds', { positive: true }),
      10,
    )
    .option(
      '--idle',
      'only measure idle RSS of omni start (and api/worker with --database-url), each as a process',
    )
    .option('--json', 'print the report as JSON')
    .action(async (options: BenchOptions) => {
      if (options.chaos) return runChaosBench(options);
      if (options.idle) {
        const idle = await measureIdleRss(options.databaseUrl);
        if (options.json) printJson({ idleRss: idle });
        else
          for (const { process: kind, rssMiB } of idle) {
            process.stdout.write(`idle RSS ${kind}: ${rssMiB} MiB\n`);
          }
        return;
      }
      const report = await runBench(options);
      if (options.json) printJson(report);
      else printReport(report);
    });
}

type BenchReport = Awaited<ReturnType<typeof runBench>>;

async function runBench(options: BenchOptions) {
  const progress = (line: string) => process.stderr.write(`bench: ${line}\n`);
  const llm = await startLlmSimulator({ behaviour: { latencyMs: options.llmLatencyMs } });
  const config = loadConfig({
    LOG_LEVEL: 'warn',
    ...benchModelSettings(llm.url, options.workers),
    DEBOUNCE_MS: String(options.debounceMs),
    // A scratch database holds no secret worth keeping: a key for this run only.
    ...(options.databaseUrl
      ? { DATABASE_URL: options.databaseUrl, OMNI_SECRET_KEY: randomBytes(32).toString('hex') }
      : {}),
    ...(options.redisUrl ? { REDIS_URL: options.redisUrl, QUEUE_BACKEND: 'redis' } : {}),
  });
  const runtime = await openRuntime(config, {
    logger: createLogger('warn'),
    inMemory: true,
    migrate: true,
  });
  const rss = sampleRss();
  try {
    const db = runtime.database.db;
    // One tenant per stage keeps each stage's rows, and so its figures, apart.
    const newTenant = async (stage: string) => {
      const tenant = await createTenant(
        db,
        { slug: `bench-${stage}-${Date.now().toString(36)}` },
        { type: 'cli' },
      );
      const { key } = await createApiKey(db, { tenantId: tenant.id }, { type: 'cli' });
      return { id: tenant.id, key };
    };
    const tenant = await newTenant('load');
    const key = tenant.key;
    // Imported here: main.ts registers this command in every process, `omni worker` included.
    const { buildServer } = await import('../../http/index.ts');
    const { app } = await buildServer(runtime);
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    const workers = runtime.pipeline.startWorkers(['inbound', 'dispatcher']);
    try {
      progress(
        `${runtime.profile} profile, ${runtime.pipeline.queue.kind} queue; sending ${options.messages} messages`,
      );
      const since = new Date();
      const ingest = await driveLoad(options.messages, options.concurrency, (i) =>
        sendMessage(base, key, `bench-${i}`, `Olá, qual o horário? (${i})`),
      );
      progress(`ingest: ${ingest.perSecond}/s; waiting for the replies`);
      const sent = await waitForReplies(db, tenant.id, options.messages, options, progress);
      const stages = await stageLatencies(db, tenant.id);
      const bubbles = await bubblesStage(
        db,
        base,
        await newTenant('bubbles'),
        llm,
        options,
        progress,
      );
      const soak =
        options.soakSeconds > 0
          ? await soakStage(db, base, await newTenant('soak'), options, progress)
          : undefined;
      const endToEndWallS = (sent.lastSentAt.getTime() - since.getTime()) / 1000;
      progress('measuring this machine’s ceilings');
      const ceilings = {
        databaseInserts: await measureInsertCeiling(runtime.database.db, 5000, options.concurrency),
        bareHttp: await measureHttpCeiling(options.messages, options.concurrency),
        redisXadd: runtime.redis
          ? await measureXaddCeiling(runtime.redis.client, 20000, options.concurrency)
          : undefined,
      };
      return {
        profile: runtime.profile,
        queue: runtime.pipeline.queue.kind,
        settings: {
          messages: options.messages,
          concurrency: options.concurrency,
          llmLatencyMs: options.llmLatencyMs,
          maxWorkers: options.workers,
          debounceMs: options.debounceMs,
        },
        ingest,
        endToEnd: {
          replies: sent.count,
          perSecond: Math.round((sent.count / endToEndWallS) * 10) / 10,
          wallS: Math.round(endToEndWallS * 10) / 10,
        },
        stagesMs: stages,
        llmRequests: llm.count(),
        turnsAborted: await counterValue(runtime, 'turns_aborted_total'),
        ceilings,
        bubbles,
        soak,
        ratios: {
          ingestToBareHttp: ratio(ingest, ceilings.bareHttp),
          ingestToDatabaseInserts: ratio(ingest, ceilings.databaseInserts),
        },
        peakRssMiB: rss.stop(),
      };
    } finally {
      await workers.stop();
      await app.close();
    }
  } finally {
    rss.stop();
    await runtime.close();
    await llm.close();
  }
}

async function waitForReplies(
  db: Db,
  tenantId: string,
  expected: number,
  options: BenchOptions,
  progress: (line: string) => void,
): Promise<{ count: number; lastSentAt: Date }> {
  const deadline = Date.now() + options.timeout * 1000;
  let reportedAt = Date.now();
  for (;;) {
    const [row] = await queryRows<{ sent: number; last: Date | string | null }>(
      db,
      sql`select count(*)::int as sent, max(enviada_em) as last from outbox
          where tenant_id = ${tenantId} and status = 'enviada'`,
    );
    const sent = row?.sent ?? 0;
    if (sent >= expected && row?.last) return { count: sent, lastSentAt: new Date(row.last) };
    if (Date.now() > deadline) {
      throw new CliError(
        `Only ${sent} of ${expected} replies were sent within ${options.timeout} s.`,
      );
    }
    if (Date.now() - reportedAt > 2000) {
      progress(`${sent}/${expected} replies sent`);
      reportedAt = Date.now();
    }
    await sleep(250);
  }
}

/** Where a message's time goes, from the rows the pipeline wrote (one inbound per conversation). */
async function stageLatencies(db: Db, tenantId: string): Promise<Record<string, LatencySummary>> {
  const rows = await queryRows<{ waiting: number; turn: number; dispatch: number; total: number }>(
    db,
    sql`select
          extract(epoch from (t.started_at - i.created_at)) * 1000 as waiting,
          extract(epoch from (t.finished_at - t.started_at)) * 1000 as turn,
          extract(epoch from (o.enviada_em - o.created_at)) * 1000 as dispatch,
          extract(epoch from (o.enviada_em - i.created_at)) * 1000 as total
        from messages i
        join turns t on t.conversation_id = i.conversation_id and t.finished_at is not null
        join outbox o on o.conversation_id = i.conversation_id and o.status = 'enviada'
        where i.tenant_id = ${tenantId} and i.direction = 'inbound'`,
  );
  const column = (name: keyof (typeof rows)[number]) => summarize(rows.map((r) => Number(r[name])));
  return {
    queueAndDebounce: column('waiting'),
    turn: column('turn'),
    dispatch: column('dispatch'),
    inboundToReplySent: column('total'),
  };
}

async function sendMessage(base: string, key: string, contact: string, text: string) {
  const response = await fetch(`${base}/api/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': key },
    body: JSON.stringify({ contact: { id: contact }, text }),
  });
  await response.arrayBuffer();
  if (response.status !== 202) throw new Error(`HTTP ${response.status}`);
}

/**
 * Three messages per conversation in quick succession, as people type: the debounce window and
 * abort-on-newer should give one reply (and one model call) per conversation, not three.
 */
async function bubblesStage(
  db: Db,
  base: string,
  tenant: { id: string; key: string },
  llm: LlmSimulator,
  options: BenchOptions,
  progress: (line: string) => void,
) {
  if (options.bubbles === 0) return undefined;
  progress(`bubbles: ${options.bubbles} conversations × 3 messages`);
  const llmBefore = llm.count();
  await driveLoad(options.bubbles, options.concurrency, async (i) => {
    for (const text of ['oi', 'tudo bem?', 'qual o horário de vocês?']) {
      await sendMessage(base, tenant.key, `bubbles-${i}`, text);
    }
  });
  await waitForReplies(db, tenant.id, options.bubbles, options, progress);
  // A second reply would come after another debounce window: wait it out before counting.
  await sleep(options.debounceMs + 2000);
  const [row] = await queryRows<{ replies: number }>(
    db,
    sql`select count(*)::int as replies from outbox where tenant_id = ${tenant.id}`,
  );
  return {
    conversations: options.bubbles,
    messages: options.bubbles * 3,
    replies: row?.replies ?? 0,
    llmCalls: llm.count() - llmBefore,
  };
}

/** A steady rate over a pool of contacts for a while, sampling RSS: does memory keep growing? */
async function soakStage(
  db: Db,
  base: string,
  tenant: { id: string; key: string },
  options: BenchOptions,
  progress: (line: string) => void,
) {
  progress(`soak: ${options.soakRate}/s for ${options.soakSeconds} s`);
  const rssMiB: number[] = [];
  const sampler = setInterval(() => rssMiB.push(mib(process.memoryUsage().rss)), 5000);
  const started = Date.now();
  const inFlight = new Set<Promise<void>>();
  let sent = 0;
  let failures = 0;
  try {
    while (Date.now() - started < options.soakSeconds * 1000) {
      const due = Math.floor(((Date.now() - started) / 1000) * options.soakRate);
      while (sent < due) {
        const request = sendMessage(base, tenant.key, `soak-${sent % 100}`, `mensagem ${sent}`)
          .catch(() => {
            failures++;
          })
          .finally(() => inFlight.delete(request));
        inFlight.add(request);
        sent++;
      }
      await sleep(20);
    }
    await Promise.all(inFlight);
  } finally {
    clearInterval(sampler);
  }
  const deadline = Date.now() + options.timeout * 1000;
  let unanswered = Number.POSITIVE_INFINITY;
  while (unanswered > 0 && Date.now() < deadline) {
    const [row] = await queryRows<{ open: number }>(
      db,
      sql`select count(*)::int as open from messages
           where tenant_id = ${tenant.id} and direction = 'inbound' and status <> 'answered'`,
    );
    unanswered = row?.open ?? 0;
    if (unanswered > 0) await sleep(500);
  }
  const minutes = options.soakSeconds / 60;
  return {
    sent,
    failures,
    unanswered,
    rssMiB,
    rssGrowthMiBPerMinute:
      rssMiB.length > 1
        ? Math.round((((rssMiB.at(-1) ?? 0) - (rssMiB[0] ?? 0)) / minutes) * 10) / 10
        : 0,
  };
}

async function counterValue(runtime: Runtime, name: string): Promise<number> {
  const metric = runtime.metrics.registry.getSingleMetric(name);
  const values = (await metric?.get())?.values ?? [];
  return values.reduce((sum, v) => sum + v.value, 0);
}

function mib(bytes: number): number {
  return Math.round((bytes / 1024 / 1024) * 10) / 10;
}

function ratio(measured: LoadResult, ceiling: LoadResult): number {
  return Math.round((measured.perSecond / ceiling.perSecond) * 1000) / 1000;
}

function printReport(report: BenchReport): void {
  const latency = (s: LatencySummary) => `p50 ${s.p50} ms · p95 ${s.p95} ms · p99 ${s.p99} ms`;
  const lines = [
    `Omni bench — ${report.profile} profile, ${report.queue} queue, ${report.settings.messages} messages, ` +
      `${report.settings.concurrency} in flight, LLM ${report.settings.llmLatencyMs} ms, ` +
      `MAX_WORKERS ${report.settings.maxWorkers}, debounce ${report.settings.debounceMs} ms`,
    '',
    `ingest (POST /api/v1/messages → 202)   ${report.ingest.perSecond}/s   ${latency(report.ingest.latencyMs)}   failures ${report.ingest.failures}`,
    `end to end (inbound → reply sent)      ${report.endToEnd.perSecond}/s   ${report.endToEnd.replies} replies in ${report.endToEnd.wallS} s`,
    ...Object.entries(report.stagesMs).map(([stage, s]) => `  ${stage.padEnd(36)} ${latency(s)}`),
    '',
    'this machine’s ceilings, same run:',
    `  database single-row inserts           ${report.ceilings.databaseInserts.perSecond}/s`,
    `  bare HTTP server                      ${report.ceilings.bareHttp.perSecond}/s`,
    ...(report.ceilings.redisXadd
      ? [`  Redis XADD                            ${report.ceilings.redisXadd.perSecond}/s`]
      : []),
    `ratios: ingest/bare HTTP ${report.ratios.ingestToBareHttp} · ingest/DB inserts ${report.ratios.ingestToDatabaseInserts}`,
    ...(report.bubbles
      ? [
          `bubbles: ${report.bubbles.conversations} conversations × 3 messages → ${report.bubbles.replies} replies, ` +
            `${report.bubbles.llmCalls} model calls`,
        ]
      : []),
    ...(report.soak
      ? [
          `soak: ${report.soak.sent} messages, ${report.soak.failures} refused, ${report.soak.unanswered} unanswered; ` +
            `RSS ${report.soak.rssMiB.join(' → ')} MiB (${report.soak.rssGrowthMiBPerMinute} MiB/min)`,
        ]
      : []),
    `peak RSS ${report.peakRssMiB} MiB · LLM requests ${report.llmRequests} · turns aborted by a newer message ${report.turnsAborted}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}
