/**
 * `omni bench --chaos` (issue 13): the scale profile as separate processes — one `omni api`, two
 * `omni worker` — under a steady load of REST messages while one fault at a time is injected: a
 * worker killed with SIGKILL, Redis cut away, every database connection cut, the channel answering
 * 429/503 (a storm at the tenant's webhook), every model failing. PostgreSQL and Redis are reached
 * through fault proxies; replies go to a receiver here that plays the tenant's outbound webhook.
 * Per scenario: sent, answered once, lost, duplicated, out of order, holding messages, and the
 * seconds from the end of the fault until everything sent before it was answered.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'drizzle-orm';
import { type Db, queryRows } from '../storage/index.ts';
import { createApiKey, createTenant, updateTenant } from '../tenancy/index.ts';
import { type FaultyProxy, startProxy } from './fault-proxy.ts';

export interface OmniProcess {
  /** Resolves with the base URL once it listens (api) or is ready (worker). */
  ready: Promise<string>;
  /** SIGKILL; resolves when it is gone. */
  kill(): Promise<void>;
  /** True while it runs. */
  alive(): boolean;
}

export interface ChaosOptions {
  db: Db;
  databaseUrl: string;
  redisUrl: string;
  /** Starts `omni <args>` with `env` (the proxied database and Redis) added to the bench's own. */
  spawnOmni(args: string[], env: Record<string, string>): OmniProcess;
  /** The models the workers use: `fail` makes every call fail, `recover` answers again. */
  model: { fail(): void; recover(): void };
  /** Messages per second during a scenario, and how long it lasts. */
  rate: number;
  loadSeconds: number;
  faultSeconds: number;
  contacts: number;
  timeoutSeconds: number;
  progress(line: string): void;
}

export type ScenarioName =
  | 'worker_sigkill'
  | 'redis_cut'
  | 'database_cut'
  | 'channel_storm'
  | 'model_storm';
export const SCENARIOS: ScenarioName[] = [
  'worker_sigkill',
  'redis_cut',
  'database_cut',
  'channel_storm',
  'model_storm',
];

export interface ScenarioResult {
  scenario: ScenarioName;
  sent: number;
  /** POSTs answered 503 (database away: nothing acknowledged, the caller retries). */
  refused: number;
  /** Answers other than 202 and 503, by status ('network': no answer at all); a 500 is a defect. */
  otherAnswers: Record<string, number>;
  answeredOnce: number;
  lost: number;
  duplicated: number;
  outOfOrder: number;
  /** Holding messages delivered ("we will answer soon": a model outage, at most one per outage). */
  holding: number;
  /** From the end of the fault until every message sent before it had its reply delivered. */
  secondsToRecover: number | null;
  /** Omni processes that exited by themselves during the scenario. */
  processesExited: number;
}

interface Delivery {
  messageId: string;
  idempotencyKey: string;
  at: number;
}

interface Receiver {
  url: string;
  deliveries: Delivery[];
  /** While true the webhook refuses every delivery, 429 and 503 in turn (a channel storm). */
  failing: boolean;
  /** Requests refused while failing. */
  refusals: number;
  close(): Promise<void>;
}

/** The tenant's outbound webhook: records every request, answers 200 (or fails, when told to). */
async function startReceiver(): Promise<Receiver> {
  const deliveries: Delivery[] = [];
  const server: Server = createServer((request, response) => {
    if (receiver.failing) {
      receiver.refusals++;
      request.resume();
      const status = receiver.refusals % 2 === 0 ? 429 : 503;
      response.writeHead(status, { 'retry-after': '1' }).end();
      return;
    }
    let raw = '';
    request.on('data', (chunk) => {
      raw += chunk;
    });
    request.on('end', () => {
      try {
        const body = JSON.parse(raw) as { message_id?: string };
        deliveries.push({
          messageId: String(body.message_id),
          idempotencyKey: String(request.headers['idempotency-key'] ?? randomUUID()),
          at: Date.now(),
        });
      } catch {
        // Not a delivery.
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const receiver: Receiver = {
    url: `http://127.0.0.1:${port}/hook`,
    deliveries,
    failing: false,
    refusals: 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return receiver;
}

function proxiedUrl(url: string, proxy: FaultyProxy): string {
  const proxied = new URL(url);
  proxied.hostname = '127.0.0.1';
  proxied.port = String(proxy.port);
  return proxied.toString();
}

export async function runChaos(options: ChaosOptions): Promise<ScenarioResult[]> {
  const database = new URL(options.databaseUrl);
  const redis = new URL(options.redisUrl);
  const databaseProxy = await startProxy(database.hostname, Number(database.port || 5432));
  const redisProxy = await startProxy(redis.hostname, Number(redis.port || 6379));
  const receiver = await startReceiver();
  const env = {
    DATABASE_URL: proxiedUrl(options.databaseUrl, databaseProxy),
    REDIS_URL: proxiedUrl(options.redisUrl, redisProxy),
  };
  const processes: OmniProcess[] = [];
  const start = async (args: string[]) => {
    const omni = options.spawnOmni(args, env);
    processes.push(omni);
    return { omni, url: await omni.ready };
  };
  try {
    const api = await start(['api']);
    const workers = [
      await start(['worker', '--role', 'all']),
      await start(['worker', '--role', 'all']),
    ];
    const results: ScenarioResult[] = [];
    for (const scenario of SCENARIOS) {
      options.progress(`scenario ${scenario}`);
      const before = processes.filter((p) => !p.alive()).length;
      const fault = {
        worker_sigkill: {
          inject: async () => {
            const victim = workers.shift();
            await victim?.omni.kill();
          },
          // A supervisor starts a replacement; the victim's claimed work is reclaimed meanwhile.
          restore: async () => {
            workers.push(await start(['worker', '--role', 'all']));
          },
        },
        redis_cut: { inject: () => redisProxy.cut(), restore: () => redisProxy.restore() },
        database_cut: { inject: () => databaseProxy.cut(), restore: () => databaseProxy.restore() },
        channel_storm: {
          inject: async () => {
            receiver.failing = true;
          },
          restore: async () => {
            receiver.failing = false;
          },
        },
        model_storm: {
          inject: async () => options.model.fail(),
          restore: async () => options.model.recover(),
        },
      }[scenario];
      const result = await runScenario(scenario, api.url, receiver, fault, options);
      const killed = scenario === 'worker_sigkill' ? 1 : 0;
      result.processesExited = processes.filter((p) => !p.alive()).length - before - killed;
      results.push(result);
    }
    return results;
  } finally {
    for (const omni of processes) if (omni.alive()) await omni.kill();
    await receiver.close();
    await databaseProxy.close();
    await redisProxy.close();
  }
}

async function runScenario(
  scenario: ScenarioName,
  apiUrl: string,
  receiver: Receiver,
  fault: { inject(): Promise<void>; restore(): Promise<void> },
  options: ChaosOptions,
): Promise<ScenarioResult> {
  const tenant = await createTenant(
    options.db,
    { slug: `chaos-${scenario.replace('_', '-')}-${Date.now().toString(36)}` },
    { type: 'cli' },
  );
  await updateTenant(
    options.db,
    tenant.id,
    { settings: { outbound_webhook_url: receiver.url } },
    { type: 'cli' },
  );
  const { key } = await createApiKey(options.db, { tenantId: tenant.id }, { type: 'cli' });
  const accepted: Array<{ messageId: string; contact: string; at: number }> = [];
  let refused = 0;
  const otherAnswers: Record<string, number> = {};
  const other = (what: string) => {
    otherAnswers[what] = (otherAnswers[what] ?? 0) + 1;
  };
  const send = async (index: number) => {
    const contact = `chaos-${index % options.contacts}`;
    try {
      const response = await fetch(`${apiUrl}/api/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': key },
        body: JSON.stringify({ contact: { id: contact }, text: `mensagem ${index}` }),
      });
      const body = (await response.json().catch(() => ({}))) as { message_id?: string };
      if (response.status === 202 && body.message_id)
        accepted.push({ messageId: body.message_id, contact, at: Date.now() });
      else if (response.status === 503) refused++;
      else other(String(response.status));
    } catch {
      other('network');
    }
  };

  // The load runs for loadSeconds; the fault starts a quarter in and lasts faultSeconds.
  const started = Date.now();
  const total = options.rate * options.loadSeconds;
  const inFlight = new Set<Promise<void>>();
  const faultAt = started + (options.loadSeconds * 1000) / 4;
  let faultEnd: Promise<number> | undefined;
  for (let index = 0; index < total; index++) {
    const due = started + (index * 1000) / options.rate;
    await sleep(Math.max(0, due - Date.now()));
    if (!faultEnd && Date.now() >= faultAt) {
      faultEnd = fault
        .inject()
        .then(() => sleep(options.faultSeconds * 1000))
        .then(() => fault.restore())
        .then(() => Date.now());
    }
    const request = send(index).finally(() => inFlight.delete(request));
    inFlight.add(request);
  }
  await Promise.all(inFlight);
  const restoredAt = await (faultEnd ?? Promise.resolve(Date.now()));

  const { deliveries } = receiver;
  const deadline = Date.now() + options.timeoutSeconds * 1000;
  let replies = await repliesOf(options.db, tenant.id);
  const delivered = () => new Set(deliveries.map((d) => d.messageId));
  const unanswered = () => {
    const seen = delivered();
    return accepted.filter((m) => !replies.get(m.messageId)?.some((r) => seen.has(r)));
  };
  while (unanswered().length > 0 && Date.now() < deadline) {
    await sleep(500);
    replies = await repliesOf(options.db, tenant.id);
  }
  return score(scenario, accepted, replies, deliveries, restoredAt, { refused, otherAnswers });
}

/** Inbound message id → its reply ids (one expected), for one tenant. */
async function repliesOf(db: Db, tenantId: string): Promise<Map<string, string[]>> {
  const rows = await queryRows<{ inbound: string; reply: string }>(
    db,
    sql`select i.id as inbound, r.id as reply
          from messages i join messages r on r.turn_id = i.turn_id and r.direction = 'outbound'
         where i.tenant_id = ${tenantId} and i.direction = 'inbound'`,
  );
  const replies = new Map<string, string[]>();
  for (const row of rows)
    replies.set(row.inbound, [...(replies.get(row.inbound) ?? []), row.reply]);
  return replies;
}

function score(
  scenario: ScenarioName,
  accepted: Array<{ messageId: string; contact: string; at: number }>,
  replies: Map<string, string[]>,
  deliveries: Delivery[],
  restoredAt: number,
  http: { refused: number; otherAnswers: Record<string, number> },
): ScenarioResult {
  // A reply delivered under two idempotency keys reached the contact twice.
  const keysOf = new Map<string, Set<string>>();
  const firstAt = new Map<string, number>();
  deliveries.forEach((d, order) => {
    keysOf.set(d.messageId, (keysOf.get(d.messageId) ?? new Set()).add(d.idempotencyKey));
    if (!firstAt.has(d.messageId)) firstAt.set(d.messageId, order);
  });
  let answeredOnce = 0;
  let lost = 0;
  let duplicated = 0;
  const holding = deliveries.filter((d) => d.idempotencyKey.startsWith('holding:')).length;
  let lastBeforeFaultAnsweredAt = restoredAt;
  const orderByContact = new Map<string, number[]>();
  for (const message of accepted) {
    const ids = (replies.get(message.messageId) ?? []).filter((id) => firstAt.has(id));
    if (ids.length === 0) {
      lost++;
      continue;
    }
    const copies = ids.reduce((n, id) => n + (keysOf.get(id)?.size ?? 0), 0);
    if (copies === 1) answeredOnce++;
    else duplicated++;
    const position = Math.min(...ids.map((id) => firstAt.get(id) as number));
    orderByContact.set(message.contact, [...(orderByContact.get(message.contact) ?? []), position]);
    if (message.at <= restoredAt) {
      const at = deliveries[position]?.at ?? restoredAt;
      lastBeforeFaultAnsweredAt = Math.max(lastBeforeFaultAnsweredAt, at);
    }
  }
  // Per contact, in sending order: a reply delivered before the reply to an earlier message is
  // out of order (messages answered together in one turn share a position, which is in order).
  let outOfOrder = 0;
  for (const positions of orderByContact.values()) {
    let highest = -1;
    for (const position of positions) {
      if (position < highest) outOfOrder++;
      highest = Math.max(highest, position);
    }
  }
  return {
    scenario,
    sent: accepted.length,
    refused: http.refused,
    otherAnswers: http.otherAnswers,
    answeredOnce,
    lost,
    duplicated,
    outOfOrder,
    holding,
    secondsToRecover:
      lost > 0 ? null : Math.round(((lastBeforeFaultAnsweredAt - restoredAt) / 1000) * 10) / 10,
    processesExited: 0,
  };
}
