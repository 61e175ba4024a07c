/**
 * Issue 18, acceptance 3: an integrations worker stopped (SIGSTOP) in the middle of a Chatwoot
 * delivery for three of its leases, another integrations worker running — the message reaches
 * Chatwoot once. The stop is sent from the simulator's own request handler, so it lands while the
 * delivery is in flight; requests are counted as they arrive, repeats included.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { createTenant } from '../../src/tenancy/index.ts';
import { type ChatwootSim, startChatwootSim } from '../support/chatwoot-sim.ts';
import { eventually } from '../support/eventually.ts';
import { TEST_DATABASE_URL } from '../support/services.ts';
import { rows } from '../support/sql.ts';
import { openWorkerProcesses, type WorkerProcesses } from '../support/worker-processes.ts';

/** Integration calls time out after this long; their lease is twice as long. */
const CLAIM_IDLE_MS = 3_000;
const LEASE_MS = 2 * CLAIM_IDLE_MS;

describe.skipIf(!TEST_DATABASE_URL)(
  'an integrations worker stalled in the middle of a delivery',
  () => {
    let omni: WorkerProcesses | undefined;
    let chatwoot: ChatwootSim | undefined;
    afterEach(async () => {
      await omni?.close();
      await chatwoot?.close();
    });

    it('is not replaced while it lives: Chatwoot gets the message once', async () => {
      const sim = await startChatwootSim();
      chatwoot = sim;
      omni = await openWorkerProcesses({
        QUEUE_CLAIM_IDLE_MS: String(CLAIM_IDLE_MS),
        CHATWOOT_URL: sim.url,
        CHATWOOT_API_TOKEN: sim.token,
        CHATWOOT_ACCOUNT_ID: sim.accountId,
        CHATWOOT_INBOX_ID: sim.inboxId,
      });
      const { runtime } = omni;
      const { db } = runtime.database;
      const tenant = await createTenant(db, { slug: 'acme' }, { type: 'system' });

      const stalled = await omni.startWorker('integrations');
      sim.onRequest(() => {
        if (sim.requests === 1) stalled.child.kill('SIGSTOP');
      });
      await runtime.pipeline.ingest({
        tenantId: tenant.id,
        channel: 'api',
        contact: { externalId: 'k1' },
        text: 'onde fica a loja?',
      });
      await eventually(() => sim.requests >= 1, 120_000, 'the delivery to reach Chatwoot');

      await omni.startWorker('integrations');
      // The fault itself: three leases with the other worker running, not a wait for an outcome.
      await sleep(3 * LEASE_MS);
      stalled.child.kill('SIGCONT');

      const status = async () =>
        (await rows<{ status: string }>(db, 'select status from integration_deliveries'))[0]
          ?.status;
      await eventually(
        async () => (await status()) === 'enviada',
        120_000,
        'the delivery recorded',
      );
      const posted = [...sim.conversations.values()]
        .flatMap((c) => c.messages)
        .filter((m) => m.content.includes('onde fica a loja?'));
      expect(posted).toHaveLength(1);
      expect(sim.contacts).toBe(1);
    }, 180_000);
  },
);
