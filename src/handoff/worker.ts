/**
 * The handoff side of worker processes: the `integrations` role (Slack notifications and the
 * Chatwoot mirror, woken through the `omni.events` stream and by a short poll, since handoffs are
 * made in any process) and the idle release, which every worker process runs (it is idempotent).
 * The `integrations` switch (ENABLE_INTEGRATIONS, `omni integrations on|off`) stops every outside
 * call at once; deliveries wait and go out when it is turned back on.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../observability/index.ts';
import type { Queue } from '../queue/index.ts';
import type { Db, HoldLimit } from '../storage/index.ts';
import {
  isDependencyUnavailable,
  readSwitch,
  reconnectDelayMs,
  whileHolding,
} from '../storage/index.ts';
import { type ChatwootSettings, createChatwootClient } from './chatwoot-client.ts';
import { deliverToChatwoot } from './chatwoot-mirror.ts';
import {
  claimDeliveries,
  type Delivery,
  holdDelivery,
  nextDeliveryDueIn,
  scanForDeliveries,
  settleDelivery,
} from './deliveries.ts';
import { onHandoffChange } from './events.ts';
import { releaseIdleConversations } from './idle.ts';
import { notifySlack } from './slack.ts';

export const INTEGRATIONS_SWITCH = 'integrations';
const STREAM = 'omni.events';
/** How often the integrations worker looks for new handoffs and messages without a wake-up. */
const POLL_MS = 1_000;
/** How often idle conversations are looked for. */
const IDLE_CHECK_MS = 30_000;
/** Lanes delivered per pass. */
const LANES_PER_PASS = 20;

export interface IntegrationSettings {
  slackWebhookUrl?: string;
  chatwoot?: ChatwootSettings;
  /** ENABLE_INTEGRATIONS: the switch's value until someone sets it. */
  enabledByDefault: boolean;
  timeoutMs: number;
  idleReleaseMinutes: number;
}

export interface HandoffWorkerDeps {
  db: Db;
  /** PostgreSQL: deliveries in flight are locked against other processes (PGlite is one process). */
  holds?: HoldLimit;
  queue: Queue;
  logger: Logger;
  settings: IntegrationSettings;
}

export function integrationsEnabled(deps: Pick<HandoffWorkerDeps, 'db' | 'settings'>) {
  return readSwitch(deps.db, INTEGRATIONS_SWITCH, deps.settings.enabledByDefault);
}

type Deliver = (delivery: Delivery) => Promise<void>;

function configuredTargets(settings: IntegrationSettings): Delivery['target'][] {
  return [
    ...(settings.slackWebhookUrl ? (['slack'] as const) : []),
    ...(settings.chatwoot ? (['chatwoot'] as const) : []),
  ];
}

/** One pass: scan, then deliver the due head of each lane once. Returns deliveries attempted. */
export async function runIntegrationsOnce(deps: HandoffWorkerDeps): Promise<number> {
  const { db, settings } = deps;
  const handlers = new Map<Delivery['target'], Deliver>();
  const slack = settings.slackWebhookUrl;
  if (slack) {
    const target = { webhookUrl: slack, timeoutMs: settings.timeoutMs };
    handlers.set('slack', (d) => notifySlack(db, target, String(d.payload.handoff_id)));
  }
  if (settings.chatwoot) {
    const client = createChatwootClient(settings.chatwoot);
    handlers.set('chatwoot', (d) => deliverToChatwoot(db, client, d));
  }
  if (handlers.size === 0 || !(await integrationsEnabled(deps))) return 0;
  await scanForDeliveries(db, { slack: handlers.has('slack'), chatwoot: handlers.has('chatwoot') });
  const leaseMs = settings.timeoutMs * 2;
  const due = await claimDeliveries(
    db,
    [...handlers.keys()],
    LANES_PER_PASS,
    leaseMs,
    Boolean(deps.holds),
  );
  await Promise.all(
    due.map(async (delivery) => {
      const deliver = handlers.get(delivery.target) as Deliver;
      const log = { delivery_id: delivery.id, target: delivery.target, kind: delivery.kind };
      const held = holdDelivery(delivery, {
        limit: deps.holds,
        leaseMs,
        onRenewError: (error) =>
          deps.logger.warn({ ...log, err: error }, 'could not renew a lease'),
      });
      const error = await whileHolding(db, held, () => deliver(delivery)).then(
        () => undefined,
        (failure: unknown) => failure ?? new Error('delivery failed'),
      );
      const settled = await settleDelivery(db, delivery, error);
      if (settled.outcome === 'superseded') {
        deps.logger.warn(
          log,
          'integration delivery taken by another attempt; outcome not recorded',
        );
      } else if (settled.outcome === 'retry') {
        deps.logger.warn({ ...log, err: error, attempts: delivery.attempts }, 'integration retry');
        // The retry goes through the queue, so whichever integrations worker is free takes it.
        await deps.queue
          .enqueue(
            STREAM,
            { kind: 'integrations' },
            { key: 'integrations', delayMs: settled.delayMs },
          )
          .catch(() => {});
      } else if (settled.outcome === 'dead') {
        deps.logger.error(
          { ...log, err: error, attempts: delivery.attempts },
          'integration gave up',
        );
      }
    }),
  );
  return due.length;
}

export interface HandoffWorkers {
  stop(): Promise<void>;
}

/** Starts the idle release, and with `integrations` the integrations loop. */
export function startHandoffWorkers(
  deps: HandoffWorkerDeps,
  options: { integrations: boolean },
): HandoffWorkers {
  const stopping = new AbortController();
  const loops = [idleLoop(deps, stopping.signal)];
  let unsubscribe = () => {};
  if (options.integrations) {
    // A handoff made in this process wakes the loop at once instead of at the next poll.
    unsubscribe = onHandoffChange(() => {
      void deps.queue
        .enqueue(STREAM, { kind: 'integrations' }, { key: 'integrations' })
        .catch(() => {});
    });
    loops.push(integrationsLoop(deps, stopping.signal));
  }
  return {
    stop: async () => {
      unsubscribe();
      stopping.abort();
      await Promise.all(loops);
    },
  };
}

async function integrationsLoop(deps: HandoffWorkerDeps, signal: AbortSignal): Promise<void> {
  const consumer = `${hostname()}-${process.pid}-integrations-${randomBytes(3).toString('hex')}`;
  let failures = 0;
  while (!signal.aborted) {
    try {
      // Entries are wake-ups: the delivery rows say what is to be done.
      for (const entry of await deps.queue.claim(STREAM, consumer, 50)) {
        await deps.queue.ack(entry, consumer);
      }
      // Switched off, rows wait: look again at the next poll, not as soon as they are due.
      const enabled = await integrationsEnabled(deps);
      if (enabled) await runIntegrationsOnce(deps);
      const dueIn = enabled
        ? await nextDeliveryDueIn(deps.db, configuredTargets(deps.settings))
        : undefined;
      failures = 0;
      await deps.queue.waitForWork(STREAM, Math.min(POLL_MS, dueIn ?? POLL_MS), signal);
    } catch (error) {
      // The database or Redis away is logged once by its connection; back off until it returns.
      if (isDependencyUnavailable(error)) deps.logger.debug({ err: error }, 'integrations waiting');
      else deps.logger.warn({ err: error }, 'integrations loop error; retrying');
      await sleep(Math.max(POLL_MS, reconnectDelayMs(++failures)), undefined, { signal }).catch(
        () => {},
      );
    }
  }
}

async function idleLoop(deps: HandoffWorkerDeps, signal: AbortSignal): Promise<void> {
  while (!signal.aborted) {
    await sleep(IDLE_CHECK_MS, undefined, { signal }).catch(() => {});
    if (signal.aborted) break;
    try {
      const released = await releaseIdleConversations(deps.db, deps.settings.idleReleaseMinutes);
      if (released > 0) deps.logger.info({ released }, 'idle conversations returned to the bot');
    } catch (error) {
      deps.logger.warn({ err: error }, 'idle release failed');
    }
  }
}
