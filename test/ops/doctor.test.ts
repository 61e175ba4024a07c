/**
 * `omni doctor` asks every configured channel whether it can deliver, through the same probes
 * `/health` uses, against the channel simulators and a real SMTP server.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type EvolutionSim,
  startEvolutionSim,
  startTelegramSim,
  type TelegramSim,
} from '../../src/channels/index.ts';
import { loadConfig } from '../../src/config/index.ts';
import { createLogger } from '../../src/observability/index.ts';
import { runDoctor } from '../../src/ops/index.ts';
import { openRuntime } from '../../src/runtime/index.ts';
import { createTenant } from '../../src/tenancy/index.ts';
import { migratedDataDir } from '../support/database-templates.ts';
import { TEST_EGRESS_ALLOW } from '../support/services.ts';
import { type SmtpSim, startSmtpSim } from '../support/smtp-sim.ts';

const logger = createLogger('silent');

describe('omni doctor channel checks', () => {
  let dataDir: string;
  let evolution: EvolutionSim;
  let telegram: TelegramSim;
  let smtp: SmtpSim;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'omni-doctor-'));
    [evolution, telegram, smtp] = await Promise.all([
      startEvolutionSim({ port: 0, instance: 'main' }),
      startTelegramSim({ port: 0 }),
      startSmtpSim(),
    ]);
  });

  afterAll(async () => {
    await Promise.all([evolution.close(), telegram.close(), smtp.close().catch(() => {})]);
    await rm(dataDir, { recursive: true, force: true });
  });

  const environment = () => ({
    OMNI_DATA_DIR: dataDir,
    EGRESS_ALLOW: TEST_EGRESS_ALLOW,
    // Seed 000's names for the WhatsApp simulator.
    MCP_WHATSAPP_URL: evolution.url,
    MCP_TOKEN: evolution.apiKey,
    EVOLUTION_INSTANCE: evolution.instance,
    TELEGRAM_BOT_TOKEN: telegram.token,
    TELEGRAM_API_URL: telegram.url,
    SMTP_URL: smtp.url,
  });

  type Report = Awaited<ReturnType<typeof runDoctor>>;
  const check = (report: Report, name: string) => report.checks.find((c) => c.name === name);
  /** The outcome of each `channel <name>` check, by channel name. */
  const channelOutcomes = (report: Report) =>
    Object.fromEntries(
      report.checks
        .filter((c) => c.name.startsWith('channel '))
        .map((c) => [c.name.slice('channel '.length), c.outcome]),
    );

  // A doctor run opens the embedded database and an in-memory one for the adapters: seconds each on
  // a busy machine.
  const SLOW_MS = 120_000;

  it('reports each configured channel reachable, with what it identified', {
    timeout: SLOW_MS,
  }, async () => {
    const report = await runDoctor(logger, environment());
    expect(report.ok).toBe(true);
    expect(channelOutcomes(report)).toMatchObject({ whatsapp: 'ok', telegram: 'ok', email: 'ok' });
    expect(check(report, 'channel whatsapp')?.detail).toContain('state open');
  });

  it('fails naming the channel that cannot deliver', { timeout: SLOW_MS }, async () => {
    evolution.faults({ disconnected: true });
    await smtp.close();
    const report = await runDoctor(logger, environment());
    expect(report.ok).toBe(false);
    expect(channelOutcomes(report)).toMatchObject({
      whatsapp: 'fail',
      telegram: 'ok',
      email: 'fail',
    });
    expect(check(report, 'channel whatsapp')?.detail).toContain('WhatsApp not connected');
    expect(check(report, 'channel email')?.detail).toMatch(/^SMTP 127\.0\.0\.1:\d+: /);
  });

  it('fails the secrets check when DATABASE_URL has no OMNI_SECRET_KEY', async () => {
    const report = await runDoctor(logger, { DATABASE_URL: 'postgres://omni@127.0.0.1:1/omni' });
    expect(report.ok).toBe(false);
    expect(check(report, 'secrets')).toMatchObject({ outcome: 'fail' });
    expect(check(report, 'secrets')?.detail).toContain('OMNI_SECRET_KEY');
  });

  it('warns of a channel whose breaker is open', { timeout: SLOW_MS }, async () => {
    const breakerDir = await migratedDataDir('omni-doctor-breaker-');
    try {
      const runtime = await openRuntime(loadConfig({ OMNI_DATA_DIR: breakerDir }), { logger });
      const { db } = runtime.database;
      const tenant = await createTenant(db, { slug: 'acme' }, { type: 'system' });
      await db.execute(
        sql`insert into channel_breakers (tenant_id, channel, failures, opened_at, next_probe_at, last_error)
            values (${tenant.id}, 'whatsapp', 4, now(), now() + interval '1 minute', 'HTTP 503')`,
      );
      await runtime.close();
      const report = await runDoctor(logger, { OMNI_DATA_DIR: breakerDir });
      expect(check(report, 'channel breakers')).toMatchObject({ outcome: 'warn' });
      expect(check(report, 'channel breakers')?.detail).toContain('acme/whatsapp');
      expect(report.ok).toBe(true);
    } finally {
      await rm(breakerDir, { recursive: true, force: true });
    }
  });

  it('probes nothing when no channel is configured', { timeout: SLOW_MS }, async () => {
    const report = await runDoctor(logger, { OMNI_DATA_DIR: dataDir });
    expect(report.checks.filter((c) => c.name.startsWith('channel '))).toEqual([]);
  });
});
