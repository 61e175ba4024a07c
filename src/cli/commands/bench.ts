/**
 * `omni bench` (SPEC §10): real HTTP requests through the whole pipeline — API, ingest, queue,
 * debounce, turn with the LLM simulator, outbox, dispatch — then the same machine's ceilings, all
 * reported as figures and ratios. Runs on a scratch database: in-memory PGlite by default, or the
 * PostgreSQL/Redis given with --database-url/--redis-url (never the instance's own data).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import { sql } from 'drizzle-orm';
import { loadConfig } from '../../config/index.ts';
import { startLlmSimulator } from '../../gateway/index.ts';
import { buildServer } from '../../http/index.ts';
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
import { openRuntime } from '../../runtime/index.ts';
import { queryRows } from '../../storage/index.ts';
import { createApiKey, createTenant } from '../../tenancy/index.ts';
import { CliError, numberOption, printJson } from '../output.ts';

interface BenchOptions {
  messages: number;
  concurrency: number;
  llmLatencyMs: number;
  workers: number;
  debounceMs: number;
  databaseUrl?: string;
  redisUrl?: string;
  timeout: number;
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
    .option('--json', 'print the report as JSON')
    .action(async (options: BenchOptions) => {
      const report = await runBench(options);
      if (options.json) printJson(report);
      else printReport(report);
    });
}

type BenchReport = Awaited<ReturnType<typeof runBench>>;

async function runBench(options: BenchOptions) {
  const progress = (line: string) => process.stderr.write(`bench: ${line}\n`);
  const llm = await startLlmSimulator({ behaviour: { latencyMs: options.llmLatencyMs } });
  const unlimited = '1000000';
  const config = loadConfig({
    LOG_LEVEL: 'warn',
    OPENAI_API_KEY: 'sk-bench',
    OPENAI_BASE_URL: `${llm.url}/v1`,
    PROVIDER_PRIORITY_ORDER: 'openai',
    // The default limits protect providers and the API from abuse; here they would measure themselves.
    RATE_LIMIT_PER_MINUTE: unlimited,
    RATE_LIMIT_RPS: unlimited,
    RATE_LIMIT_BURST: unlimited,
    MAX_WORKERS: String(options.workers),
    DEBOUNCE_MS: String(options.debounceMs),
    ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {}),
    ...(options.redisUrl ? { REDIS_URL: options.redisUrl, QUEUE_BACKEND: 'redis' } : {}),
  });
  const runtime = await openRuntime(config, {
    logger: createLogger('warn'),
    inMemory: true,
    migrate: true,
  });
  const rss = sampleRss();
  try {
    const tenant = await createTenant(
      runtime.database.db,
      { slug: `bench-${Date.now().toString(36)}` },
      { type: 'cli' },
    );
    const { key } = await createApiKey(
      runtime.database.db,
      { tenantId: tenant.id },
      { type: 'cli' },
    );
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
      const ingest = await driveLoad(options.messages, options.concurrency, async (i) => {
        const response = await fetch(`${base}/api/v1/messages`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-api-key': key },
          body: JSON.stringify({
            contact: { id: `bench-${i}` },
            text: `Olá, qual o horário? (${i})`,
          }),
        });
        await response.arrayBuffer();
        if (response.status !== 202) throw new Error(`HTTP ${response.status}`);
      });
      progress(`ingest: ${ingest.perSecond}/s; waiting for the replies`);
      const sent = await waitForReplies(runtime.database.db, tenant.id, options, progress);
      const stages = await stageLatencies(runtime.database.db, tenant.id);
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
        ceilings,
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
  db: Parameters<typeof queryRows>[0],
  tenantId: string,
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
    if (sent >= options.messages && row?.last)
      return { count: sent, lastSentAt: new Date(row.last) };
    if (Date.now() > deadline) {
      throw new CliError(
        `Only ${sent} of ${options.messages} replies were sent within ${options.timeout} s.`,
      );
    }
    if (Date.now() - reportedAt > 2000) {
      progress(`${sent}/${options.messages} replies sent`);
      reportedAt = Date.now();
    }
    await sleep(250);
  }
}

/** Where a message's time goes, from the rows the pipeline wrote (one inbound per conversation). */
async function stageLatencies(
  db: Parameters<typeof queryRows>[0],
  tenantId: string,
): Promise<Record<string, LatencySummary>> {
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
    `peak RSS ${report.peakRssMiB} MiB · LLM requests ${report.llmRequests}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}
