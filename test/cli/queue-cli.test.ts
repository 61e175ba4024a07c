/** Seed 000's stuck-queue playbook through the real `omni` executable, on the embedded database. */
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.ts';
import { createLogger } from '../../src/observability/index.ts';
import { openRuntime } from '../../src/runtime/index.ts';
import { createTenant } from '../../src/tenancy/index.ts';
import { runOmni } from '../support/cli.ts';
import { migratedDataDir } from '../support/database-templates.ts';
import { echoResponder } from '../support/responder.ts';
import { rows } from '../support/sql.ts';

describe('omni status, queue and dlq', () => {
  let dir: string;
  let messageId: string;
  const env = () => ({ OMNI_DATA_DIR: dir });

  beforeAll(async () => {
    dir = await migratedDataDir('omni-queue-cli-');
    const runtime = await openRuntime(loadConfig({ OMNI_DATA_DIR: dir }), {
      logger: createLogger('silent'),
      responder: echoResponder().responder,
    });
    const tenant = await createTenant(runtime.database.db, { slug: 'acme' }, { type: 'system' });
    for (let i = 0; i < 3; i++) {
      const result = await runtime.pipeline.ingest({
        tenantId: tenant.id,
        channel: 'api',
        contact: { externalId: `c${i}` },
        text: `mensagem ${i}`,
      });
      messageId = result.messageId;
    }
    await runtime.pipeline.queue.enqueue('omni.messages', { garbage: true });
    await runtime.close();
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('shows a message’s state and history', async () => {
    const result = await runOmni(['status', messageId, '--json'], env());
    expect(result.code).toBe(0);
    const status = JSON.parse(result.stdout);
    expect(status).toMatchObject({
      id: messageId,
      direction: 'inbound',
      state: 'received',
      body: 'mensagem 2',
    });
    expect(status.history.map((h: { state: string }) => h.state)).toEqual(['received']);
    const missing = await runOmni(['status', '00000000-0000-4000-8000-000000000000'], env());
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toBe('omni: No message "00000000-0000-4000-8000-000000000000".');
  });

  it('counts what waits in each stream', async () => {
    const result = await runOmni(['queue', 'stats', '--json'], env());
    expect(result.code).toBe(0);
    const stats = JSON.parse(result.stdout);
    expect(stats.backend).toBe('postgres');
    expect(
      stats.streams.find((s: { stream: string }) => s.stream === 'omni.messages'),
    ).toMatchObject({
      group: 'inbound',
      waiting: 4,
      pending: 0,
    });
    expect(stats.blocked_by_dead_letter).toBe(0);
  });

  it('pauses and resumes a role, and runs one batch by hand', async () => {
    expect((await runOmni(['queue', 'pause', 'inbound'], env())).stderr).toContain(
      'Paused: inbound',
    );
    expect((await runOmni(['queue', 'resume', 'inbound'], env())).stderr).toContain(
      'Resumed: inbound',
    );
    const bad = await runOmni(['queue', 'pause', 'everything'], env());
    expect(bad.code).toBe(1);

    const once = await runOmni(['queue', 'run-once', 'inbound'], env());
    expect(once.code).toBe(0);
    expect(once.stderr).toContain('inbound: processed 4 entries.');
    const letters = await runOmni(['dlq', 'list', '--json'], env());
    expect(JSON.parse(letters.stdout).map((l: { reason: string }) => l.reason)).toEqual([
      'malformed',
    ]);
    const pending = await runOmni(['queue', 'pending', 'omni.messages', '--json'], env());
    expect(JSON.parse(pending.stdout)).toEqual([]);
  });

  it('discards a dead letter once, leaving an audit row', async () => {
    const [letter] = JSON.parse((await runOmni(['dlq', 'list', '--json'], env())).stdout);
    const discarded = await runOmni(['dlq', 'discard', letter.id], env());
    expect(discarded.stderr).toContain(`Discarded dead letter ${letter.id}`);
    expect((await runOmni(['dlq', 'discard', letter.id], env())).code).toBe(1);
    expect(JSON.parse((await runOmni(['dlq', 'list', '--json'], env())).stdout)).toEqual([]);
    const runtime = await openRuntime(loadConfig({ OMNI_DATA_DIR: dir }), {
      logger: createLogger('silent'),
      responder: echoResponder().responder,
    });
    const audit = await rows(
      runtime.database.db,
      `select actor_type, details from audit_logs where action = 'dlq.discard'`,
    );
    // A new dead letter for the purge below.
    await runtime.pipeline.queue.enqueue('omni.messages', { garbage: true });
    await runtime.pipeline.runOnce('inbound');
    await runtime.close();
    expect(audit).toEqual([
      expect.objectContaining({
        actor_type: 'cli',
        details: expect.objectContaining({ reason: 'malformed' }),
      }),
    ]);
  });

  it('purges dead letters only when told --yes', async () => {
    expect((await runOmni(['dlq', 'purge'], env())).code).toBe(1);
    const purged = await runOmni(['dlq', 'purge', '--yes'], env());
    expect(purged.stderr).toContain('Deleted 1 dead letters.');
  });
});
