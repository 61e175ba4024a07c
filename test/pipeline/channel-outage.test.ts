/**
 * Issue 13, acceptance 3: a channel answering 429 (with Retry-After) and then 5xx for a while, then
 * recovering. Retries are bounded by time (DISPATCH_RETRY_WINDOW, 24 h by default), not by a
 * count, so nothing is dead-lettered; the channel's breaker opens and lets one probe through per
 * backoff period (counted at the simulator); every reply arrives once and in order afterwards.
 * The outage is scaled down through DISPATCH_BACKOFF_MAX_MS: the behaviour is what is proven.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type EvolutionSim, startEvolutionSim } from '../../src/channels/index.ts';
import { checkHealth } from '../../src/observability/index.ts';
import { BACKOFF_BASE_MS, BREAKER_OPENS_AFTER } from '../../src/pipeline/channel-breaker.ts';
import { listChannelBreakers, listDeadLetters } from '../../src/pipeline/index.ts';
import { eventually } from '../support/eventually.ts';
import { countRows, type Harness, openHarness, QUEUE_BACKENDS } from './harness.ts';

/** Not used by any other test file. */
const REDIS_DB = 13;
const CONTACTS = ['5511900000001', '5511900000002', '5511900000003', '5511900000004'];
const ROUNDS = 3;

describe.each(QUEUE_BACKENDS)('a channel outage on the %s queue', (backend) => {
  let sim: EvolutionSim;
  let harness: Harness;
  afterEach(async () => {
    await harness?.close();
    await sim?.close();
  });

  it('dead-letters nothing, probes once per backoff period while open, then delivers every reply once and in order', async () => {
    sim = await startEvolutionSim({ apiKey: 'evo-key', instance: 'acme-sales' });
    harness = await openHarness(backend, {
      redisDb: REDIS_DB,
      env: {
        MCP_WHATSAPP_URL: sim.url,
        MCP_TOKEN: 'evo-key',
        EVOLUTION_INSTANCE: 'acme-sales',
        DISPATCH_BACKOFF_MAX_MS: '1000',
        // One send at a time in this process: every attempt the simulator sees after the breaker
        // opened must then be a probe.
        MAX_WORKERS: '1',
      },
    });
    const omni = await harness.server.app.listen({ port: 0, host: '127.0.0.1' });
    sim.setWebhook(`${omni}/webhooks/evolution/acme`);
    const { db } = harness.test.runtime.database;
    const outboxRows = () => countRows(harness, 'select count(*) as n from outbox');

    // First the provider throttles (429 with Retry-After), later it fails outright (503).
    sim.faults({ status: 429, retryAfterS: 1 });
    for (let round = 1; round <= ROUNDS; round++) {
      for (const contact of CONTACTS) {
        expect((await sim.customerSays(contact, `r${round}`)).status).toBe(200);
      }
      // Each round is its own turn per contact: wait for its replies before the next one.
      await eventually(
        async () => (await outboxRows()) === round * CONTACTS.length,
        30_000,
        `the replies of round ${round}`,
      );
    }
    const open = await eventually(
      async () => (await listChannelBreakers(db)).find((b) => b.state === 'open'),
      30_000,
      'the breaker to open',
    );
    // Health shows it (degraded, not down: replies wait, none is lost).
    const health = await checkHealth(harness.test.runtime.healthChecks);
    expect(health.status).toBe('degraded');
    expect(health.components.channel_breakers).toMatchObject({
      status: 'down',
      open: [expect.objectContaining({ tenant: 'acme', channel: open.channel })],
    });
    expect(await harness.metric('channel_breakers_open')).toBe(1);
    sim.faults({ status: 503 });
    // The outage lasts until a few probes have failed against the 503.
    await eventually(
      () => sim.attempts.filter((a) => a.status === 503).length >= 4,
      30_000,
      'four probes to fail',
    );
    const failedAttempts = sim.attempts.filter((a) => a.status !== 201).map((a) => a.at);
    sim.faults({});

    const total = CONTACTS.length * ROUNDS;
    await sim.waitForSent(total, 30_000);
    await eventually(async () => (await listChannelBreakers(db)).length === 0, 10_000, 'closed');

    expect(await listDeadLetters(harness.test.runtime.pipeline.deps)).toHaveLength(0);
    expect(sim.sent).toHaveLength(total);
    for (const contact of CONTACTS) {
      expect(sim.sent.filter((s) => s.number === contact).map((s) => s.text)).toEqual(
        Array.from({ length: ROUNDS }, (_, r) => `eco: r${r + 1}`),
      );
    }
    // Once open, the channel saw one attempt per probe period (never closer than half the base).
    expect(open.failures).toBeGreaterThanOrEqual(BREAKER_OPENS_AFTER);
    const whileOpen = failedAttempts.slice(BREAKER_OPENS_AFTER - 1);
    expect(whileOpen.length).toBeGreaterThanOrEqual(4);
    const gaps = whileOpen.slice(1).map((at, i) => at - (whileOpen[i] as number));
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(BACKOFF_BASE_MS / 2);
    expect(await harness.metric('channel_breaker_transitions_total')).toBe(2);
    expect(await harness.metric('dispatch_held_by_breaker_total')).toBeGreaterThan(0);
  });
});
