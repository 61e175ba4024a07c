import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CloudSim,
  startCloudSim,
  startTelegramSim,
  type TelegramSim,
} from '../../src/channels/index.ts';
import { type LlmSimulator, startLlmSimulator } from '../../src/gateway/index.ts';
import { MEDIA_MESSAGES } from '../../src/media/index.ts';
import { type Harness, openHarness } from '../pipeline/harness.ts';
import { rows } from '../support/sql.ts';
import { voiceNote } from '../support/voice.ts';

const SECRET = 'tg-secret_Token-123';

// Issue 16, acceptance 1 and 3 on the WhatsApp Cloud API (media id → Graph URL → download with the
// token) and Telegram (getFile → file path → download): one Omni with both channels.
describe('voice notes through the Cloud API and Telegram', () => {
  let cloud: CloudSim;
  let telegram: TelegramSim;
  let llm: LlmSimulator;
  let harness: Harness;
  let folder: string;
  const db = () => harness.test.runtime.database.db;

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'omni-media-'));
    cloud = await startCloudSim({ statusDelayMs: 50 });
    telegram = await startTelegramSim();
    llm = await startLlmSimulator();
    harness = await openHarness('postgres', {
      env: {
        WHATSAPP_GRAPH_URL: cloud.graphUrl,
        WHATSAPP_ACCESS_TOKEN: cloud.accessToken,
        WHATSAPP_PHONE_NUMBER_ID: cloud.phoneNumberId,
        WHATSAPP_APP_SECRET: cloud.appSecret,
        WHATSAPP_VERIFY_TOKEN: 'verify-me',
        TELEGRAM_API_URL: telegram.url,
        TELEGRAM_BOT_TOKEN: telegram.token,
        TELEGRAM_WEBHOOK_SECRET: SECRET,
        OPENAI_API_KEY: 'sk-test',
        OPENAI_BASE_URL: `${llm.url}/v1`,
        MEDIA_STORAGE_URL: pathToFileURL(folder).href,
        MEDIA_UNDERSTANDING_TIMEOUT_MS: '3000',
      },
    });
    const omni = await harness.server.app.listen({ port: 0, host: '127.0.0.1' });
    cloud.setWebhook(`${omni}/webhooks/whatsapp/acme`);
    await fetch(`${telegram.url}/bot${telegram.token}/setWebhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ url: `${omni}/webhooks/telegram/acme`, secret_token: SECRET }),
    });
  });
  afterAll(async () => {
    await harness?.close();
    await cloud?.close();
    await telegram?.close();
    await llm?.close();
    await rm(folder, { recursive: true, force: true });
  });

  const transcriptsOf = async (channel: string) =>
    rows<{ transcript: string; kind: string; transcribed_by: string }>(
      db(),
      `select m.transcript, m.kind, m.transcribed_by from message_media m
         join messages g on g.id = m.message_id where g.channel = '${channel}'`,
    );

  it('Cloud API: downloads the voice note with the token, transcribes it once and answers it', async () => {
    const status = await cloud.customerSendsMedia('5511977770000', {
      type: 'audio',
      voice: true,
      mimeType: 'audio/ogg; codecs=opus',
      bytes: voiceNote('preciso da segunda via do boleto'),
      id: '1013859600285441',
    });
    expect(status).toBe(200);
    const [reply] = await cloud.waitForSent(1);
    expect(reply?.text).toBe('eco: [voice note, transcribed]: preciso da segunda via do boleto');
    expect(cloud.mediaDownloads).toEqual(['1013859600285441']);
    expect(await transcriptsOf('whatsapp')).toEqual([
      {
        transcript: 'preciso da segunda via do boleto',
        kind: 'voice',
        transcribed_by: 'openai:gpt-4o-mini-transcribe',
      },
    ]);
    expect(llm.transcription.requests.filter((r) => r.bytes > 0)).toHaveLength(1);
  });

  it('Telegram: fetches the voice note through getFile, transcribes it once and answers it', async () => {
    const before = llm.transcription.requests.length;
    const { status } = await telegram.customerSendsFile(4242, {
      field: 'voice',
      mimeType: 'audio/ogg',
      bytes: voiceNote('vocês abrem no feriado?'),
    });
    expect(status).toBe(200);
    const [reply] = await telegram.waitForSent(1);
    expect(reply?.text).toBe('eco: [voice note, transcribed]: vocês abrem no feriado?');
    expect(telegram.calls.getFile).toBe(1);
    expect(telegram.fileDownloads).toHaveLength(1);
    expect((await transcriptsOf('telegram')).map((t) => t.transcript)).toEqual([
      'vocês abrem no feriado?',
    ]);
    expect(llm.transcription.requests.length - before).toBe(1);
  });

  it('past the deadline, tells the contact plainly that the voice note could not be opened', async () => {
    llm.transcription.behave({ hang: true });
    try {
      const before = harness.echo.calls.length;
      await telegram.customerSendsFile(4343, {
        field: 'voice',
        mimeType: 'audio/ogg',
        bytes: voiceNote('isso nunca vai ser ouvido'),
      });
      await telegram.waitForSent(2, 20_000);
      expect(telegram.sent.filter((m) => m.chatId === '4343').map((m) => m.text)).toEqual([
        MEDIA_MESSAGES['pt-BR'].couldNotOpen,
      ]);
      expect(harness.echo.calls.length).toBe(before);
    } finally {
      llm.transcription.behave({});
    }
  });
});
