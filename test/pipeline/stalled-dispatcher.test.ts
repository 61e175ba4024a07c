/**
 * Issue 13, acceptance 7: a dispatcher stopped (SIGSTOP) for three send leases in the middle of a
 * send, another dispatcher running — the reply reaches the channel once. The stop is sent the
 * moment the request reaches the channel simulator, so it lands while the send is in flight; the
 * simulator answers while the dispatcher is stopped. Requests are counted as they arrive, repeats
 * included.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.ts';
import { createLogger } from '../../src/observability/index.ts';
import { openRuntime, type Runtime } from '../../src/runtime/index.ts';
import { createAcmeDeliveringTo } from '../support/acme-tenant.ts';
import { type RunningOmni, startOmni } from '../support/cli.ts';
import { eventually } from '../support/eventually.ts';
import { createTestDatabase, type TestDatabase } from '../support/postgres.ts';
import { echoResponder } from '../support/responder.ts';
import { TEST_DATABASE_URL, TEST_EGRESS_ALLOW, TEST_SECRET_KEY } from '../support/services.ts';
import { rows } from '../support/sql.ts';
import { startWebhookSim, type WebhookSim } from '../support/webhook-sim.ts';

/** Makes the send timeout 5 s and the send lease 10 s, the lease of the report. */
const CLAIM_IDLE_MS = 5_000;
/** The dispatcher's send lease: twice the send timeout, which is QUEUE_CLAIM_IDLE_MS. */
const SEND_LEASE_MS = 2 * CLAIM_IDLE_MS;

describe.skipIf(!TEST_DATABASE_URL)('a dispatcher stalled in the middle of a send', () => {
  let database: TestDatabase | undefined;
  let runtime: Runtime | undefined;
  let webhook: WebhookSim | undefined;
  const workers: RunningOmni[] = [];
  afterEach(async () => {
    for (const worker of workers.splice(0)) {
      if (worker.child.exitCode === null) await worker.stop('SIGKILL');
    }
    await webhook?.close();
    await runtime?.close();
    await database?.drop();
  });

  it('is not replaced while it lives: the reply reaches the channel once', async () => {
    database = await createTestDatabase();
    const env = {
      DATABASE_URL: database.url,
      OMNI_SECRET_KEY: TEST_SECRET_KEY,
      EGRESS_ALLOW: TEST_EGRESS_ALLOW,
      QUEUE_CLAIM_IDLE_MS: String(CLAIM_IDLE_MS),
      DEBOUNCE_MS: '0',
      DEBOUNCE_MAX_MS: '0',
    };
    // The test's own process only ingests and inspects; the workers are separate processes.
    runtime = await openRuntime(loadConfig(env), {
      logger: createLogger('silent'),
      responder: echoResponder().responder,
    });
    webhook = await startWebhookSim();
    const { db } = runtime.database;
    const tenant = await createAcmeDeliveringTo(db, webhook.url);
    const startWorker = async () => {
      const worker = await startOmni(
        ['worker', '--role', 'all'],
        env,
        /"msg":"worker roles ready"/,
      );
      workers.push(worker);
      return worker;
    };

    const stalled = await startWorker();
    // Stopped from the simulator's own request handler, before it answers: the stop lands while
    // the send is in flight, and the answer waits in the socket. Nothing polls in between, so a
    // loaded machine does not eat the send timeout before the stop (a timed-out send is rightly
    // tried again, which is not the fault under test).
    webhook.onRequest(() => {
      if (webhook?.requests === 1) stalled.child.kill('SIGSTOP');
    });
    await runtime.pipeline.ingest({
      tenantId: tenant.id,
      channel: 'api',
      contact: { externalId: 'k1' },
      text: 'pergunta',
    });
    await eventually(() => webhook?.requests === 1, 120_000, 'the send to reach the channel');

    await startWorker();
    // The fault itself: three send leases with the other dispatcher running (and its sweeper
    // re-signalling the overdue row), not a wait for something to happen.
    await sleep(3 * SEND_LEASE_MS);
    stalled.child.kill('SIGCONT');

    const status = async () =>
      (await rows<{ status: string }>(db, 'select status from outbox'))[0]?.status;
    await eventually(async () => (await status()) === 'enviada', 120_000, 'the send recorded');
    expect(webhook.requests).toBe(1);
    expect(webhook.deliveries).toHaveLength(1);
    const [outbox] = await rows<{ attempts: number }>(db, 'select attempts from outbox');
    expect(outbox?.attempts).toBe(1);
  }, 180_000);
});
