import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EvolutionSim } from '../../src/channels/index.ts';
import { MEDIA_MESSAGES, sha256Of } from '../../src/media/index.ts';
import { applyRetention, eraseContact, findContact } from '../../src/ops/index.ts';
import type { Harness } from '../pipeline/harness.ts';
import { rows } from '../support/sql.ts';
import { voiceNote } from '../support/voice.ts';
import { type EvolutionOmni, openEvolutionOmni } from './evolution-omni.ts';

// Issue 16, acceptance 7 and 8, and the contact's side of "no transcription provider": one Omni
// with no OPENAI_API_KEY (nobody can listen), MEDIA_MAX_BYTES of 2000 and the default type list.
describe('media limits, no transcriber, erasure and retention', () => {
  let evolution: EvolutionSim;
  let harness: Harness;
  let folder: string;
  let omni: EvolutionOmni;
  const db = () => harness.test.runtime.database.db;
  /** Every file kept for the tenant. */
  const storedFiles = async (): Promise<string[]> => {
    const tenantFolder = join(folder, harness.tenantId);
    const prefixes = await readdir(tenantFolder).catch(() => [] as string[]);
    const files = await Promise.all(prefixes.map((p) => readdir(join(tenantFolder, p))));
    return files.flat();
  };
  const repliesTo = (number: string) =>
    evolution.sent.filter((s) => s.number === number).map((s) => s.text);

  beforeAll(async () => {
    omni = await openEvolutionOmni({ MEDIA_MAX_BYTES: '2000' });
    ({ evolution, harness, folder } = omni);
  });
  afterAll(() => omni?.close());

  it('tells the contact a file is too large, stores nothing and asks no model', async () => {
    const before = harness.echo.calls.length;
    await evolution.customerSendsMedia('5511900000001', {
      type: 'document',
      mimetype: 'application/pdf',
      fileName: 'scan.pdf',
      bytes: new Uint8Array(5_000),
      inline: true,
    });
    await evolution.waitForSent(1);
    expect(repliesTo('5511900000001')).toEqual([MEDIA_MESSAGES['pt-BR'].tooLarge]);
    expect(await storedFiles()).toEqual([]);
    expect(harness.echo.calls.length).toBe(before);
    const [row] = await rows<{ status: string; error: string; storage_key: string | null }>(
      db(),
      `select status, error, storage_key from message_media`,
    );
    expect(row).toEqual({ status: 'refused', error: 'too_large', storage_key: null });
  });

  it('tells the contact a type is not accepted, and never fetches it', async () => {
    await evolution.customerSendsMedia('5511900000002', {
      type: 'video',
      mimetype: 'video/mp4',
      bytes: new Uint8Array(100),
    });
    await evolution.waitForSent(2);
    expect(repliesTo('5511900000002')).toEqual([MEDIA_MESSAGES['pt-BR'].typeRefused]);
    expect(evolution.mediaFetches).toEqual([]);
    expect(await storedFiles()).toEqual([]);
  });

  it('without a transcription provider, says in the contact language that it cannot listen yet', async () => {
    await evolution.customerSendsMedia('5511900000003', {
      type: 'audio',
      ptt: true,
      mimetype: 'audio/ogg; codecs=opus',
      bytes: voiceNote('vocês entregam no domingo?'),
      inline: true,
    });
    await evolution.waitForSent(3);
    expect(repliesTo('5511900000003')).toEqual([MEDIA_MESSAGES['pt-BR'].cannotListen]);

    await db().execute(
      `update tenants set settings = settings || '{"language":"en"}'::jsonb where id = '${harness.tenantId}'`,
    );
    try {
      await evolution.customerSendsMedia('5511900000004', {
        type: 'audio',
        ptt: true,
        mimetype: 'audio/ogg; codecs=opus',
        bytes: voiceNote('do you deliver on sunday?'),
        inline: true,
      });
      await evolution.waitForSent(4);
      expect(repliesTo('5511900000004')).toEqual([MEDIA_MESSAGES.en.cannotListen]);
    } finally {
      await db().execute(
        `update tenants set settings = settings - 'language' where id = '${harness.tenantId}'`,
      );
    }
    // Kept all the same: once a provider is configured, the audio can still be heard.
    expect((await storedFiles()).length).toBe(2);
  });

  it('erasing a contact deletes their stored media, and keeps a file another contact also sent', async () => {
    const shared = voiceNote('mesmo áudio encaminhado');
    for (const number of ['5511900000005', '5511900000006']) {
      await evolution.customerSendsMedia(number, {
        type: 'audio',
        ptt: true,
        mimetype: 'audio/ogg; codecs=opus',
        bytes: shared,
        inline: true,
      });
    }
    const own = voiceNote('só deste contato');
    await evolution.customerSendsMedia('5511900000005', {
      type: 'audio',
      ptt: true,
      mimetype: 'audio/ogg; codecs=opus',
      bytes: own,
      inline: true,
    });
    const keyOf = async (sha: string) => (await storedFiles()).includes(sha);
    expect(await keyOf(sha256Of(shared))).toBe(true);
    expect(await keyOf(sha256Of(own))).toBe(true);

    const contact = await findContact(db(), harness.tenantId, '5511900000005');
    const report = await eraseContact(
      db(),
      contact,
      { type: 'system' },
      harness.test.runtime.media.store,
    );
    expect(report.mediaFiles).toBe(1);
    expect(await keyOf(sha256Of(own))).toBe(false);
    expect(await keyOf(sha256Of(shared))).toBe(true);
    const left = await rows<{ n: number }>(
      db(),
      `select count(*)::int as n from message_media m join messages g on g.id = m.message_id
         join conversations c on c.id = g.conversation_id join contacts k on k.id = c.contact_id
        where k.external_id = '5511900000005'`,
    );
    expect(left[0]?.n).toBe(0);
  });

  it('retention deletes the media of the messages it removes', async () => {
    expect((await storedFiles()).length).toBeGreaterThan(0);
    const dry = await applyRetention(db(), {
      days: 1,
      sentOutboxDays: 1,
      now: new Date(Date.now() + 3 * 86_400_000),
      dryRun: true,
      media: harness.test.runtime.media.store,
    });
    expect(dry.media_files).toBeGreaterThan(0);
    expect((await storedFiles()).length).toBeGreaterThan(0);
    const report = await applyRetention(db(), {
      days: 1,
      sentOutboxDays: 1,
      now: new Date(Date.now() + 3 * 86_400_000),
      media: harness.test.runtime.media.store,
    });
    expect(report.media_files).toBe(dry.media_files);
    expect(await storedFiles()).toEqual([]);
  });
});
