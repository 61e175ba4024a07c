/**
 * Issue 13, acceptance 7: a dispatcher stopped (SIGSTOP) for three send leases in the middle of a
 * send, another dispatcher running — the reply reaches the channel once. The stop is sent the
 * moment the request reaches the channel simulator, so it lands while the send is in flight; the
 * simulator answers while the dispatcher is stopped. Requests are counted as they arrive, repeats
 * included.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { createAcmeDeliveringTo } from '../support/acme-tenant.ts';
import { eventually } from '../support/eventually.ts';
import { echoResponder } from '../support/responder.ts';
import { TEST_DATABASE_URL } from '../support/services.ts';
import { rows } from '../support/sql.ts';
import { startWebhookSim, type WebhookSim } from '../support/webhook-sim.ts';
import { openWorkerProcesses, type WorkerProcesses } from '../support/worker-processes.ts';

/** Makes the send timeout 5 s and the send lease 10 s, the lease of the report. */
const CLAIM_IDLE_MS = 5_000;
/** The dispatcher's send lease: twice the send timeout, which is QUEUE_CLAIM_IDLE_MS. */
const SEND_LEASE_MS = 2 * CLAIM_IDLE_MS;

describe.skipIf(!TEST_DATABASE_URL)('a dispatcher stalled in the middle of a send', () => {
  let omni: WorkerProcesses | undefined;
  let webhook: WebhookSim | undefined;
  afterEach(async () => {
    await omni?.close();
    await webhook?.close();
  });

  it('is not replaced while it lives: the reply reaches the channel once', async () => {
    omni = await openWorkerProcesses(
      { QUEUE_CLAIM_IDLE_MS: String(CLAIM_IDLE_MS), DEBOUNCE_MS: '0', DEBOUNCE_MAX_MS: '0' },
      { responder: echoResponder().responder },
    );
    const { runtime } = omni;
    webhook = await startWebhookSim();
    const { db } = runtime.database;
    const tenant = await createAcmeDeliveringTo(db, webhook.url);

    const stalled = await omni.startWorker('all');
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

    await omni.startWorker('all');
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
