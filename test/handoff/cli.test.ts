import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.ts';
import { createLogger } from '../../src/observability/index.ts';
import { openRuntime } from '../../src/runtime/index.ts';
import { createTenant } from '../../src/tenancy/index.ts';
import { runOmni } from '../support/cli.ts';
import { migratedDataDir } from '../support/database-templates.ts';

/** `omni handoff list|take|release|resolve` against an embedded data directory. */
describe('omni handoff', () => {
  let dir: string;
  let conversationId: string;
  const env = () => ({ OMNI_DATA_DIR: dir });

  beforeAll(async () => {
    dir = await migratedDataDir('omni-handoff-cli-');
    const runtime = await openRuntime(loadConfig({ OMNI_DATA_DIR: dir, LOG_LEVEL: 'silent' }), {
      logger: createLogger('silent'),
      migrate: true,
    });
    try {
      const tenant = await createTenant(runtime.database.db, { slug: 'acme' }, { type: 'system' });
      const result = await runtime.pipeline.ingest({
        tenantId: tenant.id,
        channel: 'rest',
        contact: { externalId: '5511911112222' },
        text: 'I need a person',
      });
      conversationId = result.conversationId;
    } finally {
      await runtime.close();
    }
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('takes over, lists, releases and refuses what is not a conversation', async () => {
    const take = await runOmni(['handoff', 'take', conversationId, '--json'], env());
    expect(take.code).toBe(0);
    expect(JSON.parse(take.stdout)).toMatchObject({
      controlled_by: 'human',
      handoff: { status: 'aceito', trigger: 'operator' },
    });

    const list = await runOmni(['handoff', 'list', '--status', 'aceito', '--json'], env());
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout)).toEqual([
      expect.objectContaining({ conversation_id: conversationId, status: 'aceito' }),
    ]);

    const released = await runOmni(['handoff', 'release', conversationId], env());
    expect(released.code).toBe(0);
    expect(released.stderr).toContain('is now controlled by bot');

    const wrong = await runOmni(['handoff', 'resolve', 'not-a-uuid'], env());
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('A conversation id is a UUID');
    // Each command is a process opening the embedded database: slow on a busy machine.
  }, 180_000);
});
