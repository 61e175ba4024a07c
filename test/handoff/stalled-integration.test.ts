/**
 * Issue 18, acceptance 3: an integrations worker stopped (SIGSTOP) in the middle of a Chatwoot
 * delivery for three of its leases, another integrations worker running — the message reaches
 * Chatwoot once. The stop is sent from the simulator's own request handler, so it lands while the
 * delivery is in flight; requests are counted as they arrive, repeats included.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.ts';
import { createLogger } from '../../src/observability/index.ts';
import { openRuntime, type Runtime } from '../../src/runtime/index.ts';
import { createTenant } from '../../src/tenancy/index.ts';
import { type ChatwootSim, startChatwootSim } from '../support/chatwoot-sim.ts';
import { type RunningOmni, startOmni } from '../support/cli.ts';
import { eventually } from '../support/eventually.ts';
import { createTestDatabase, type TestDatabase } from '../support/postgres.ts';
import { TEST_DATABASE_URL, TEST_EGRESS_ALLOW, TEST_SECRET_KEY } from '../support/services.ts';
import { rows } from '../support/sql.ts';

/** Integration calls time out after this long; their lease is twice as long. */
const CLAIM_IDLE_MS = 3_000;
const LEASE_MS = 2 * CLAIM_IDLE_MS;

describe.skipIf(!TEST_DATABASE_URL)(
  'an integrations worker stalled in the middle of a delivery',
  () => {
    let database: TestDatabase | undefined;
    let runtime: Runtime | undefined;
    let chatwoot: ChatwootSim | undefined;
    const workers: RunningOmni[] = [];
    afterEach(async () => {
      for (const worker of workers.splice(0)) {
        if (worker.child.exitCode === null) await worker.stop('SIGKILL');
      }
      await chatwoot?.close();
      await runtime?.close();
      await database?.drop();
    });

    it('is not replaced while it lives: Chatwoot gets the message once', async () => {
      database = await createTestDatabase();
      chatwoot = await startChatwootSim();
      const env = {
        DATABASE_URL: database.url,
        OMNI_SECRET_KEY: TEST_SECRET_KEY,
        EGRESS_ALLOW: TEST_EGRESS_ALLOW,
        QUEUE_CLAIM_IDLE_MS: String(CLAIM_IDLE_MS),
        CHATWOOT_URL: chatwoot.url,
        CHATWOOT_API_TOKEN: chatwoot.token,
        CHATWOOT_ACCOUNT_ID: chatwoot.accountId,
        CHATWOOT_INBOX_ID: chatwoot.inboxId,
      };
      // The test's own process only ingests and inspects; the workers are separate processes.
      runtime = await openRuntime(loadConfig(env), { logger: createLogger('silent') });
      const { db } = runtime.database;
      const tenant = await createTenant(db, { slug: 'acme' }, { type: 'system' });
      const startWorker = async () => {
        const worker = await startOmni(
          ['worker', '--role', 'integrations'],
          env,
          /"msg":"worker roles ready"/,
        );
        workers.push(worker);
        return worker;
      };

      const stalled = await startWorker();
      const sim = chatwoot;
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

      await startWorker();
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
