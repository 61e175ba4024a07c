import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EvolutionSim } from '../../src/channels/index.ts';
import { type LlmSimulator, startLlmSimulator } from '../../src/gateway/index.ts';
import type { Harness } from '../pipeline/harness.ts';
import { eventually } from '../support/eventually.ts';
import { rows } from '../support/sql.ts';
import { voiceNote } from '../support/voice.ts';
import { type EvolutionOmni, openEvolutionOmni } from './evolution-omni.ts';

// Issue 16, acceptance 1–3 on WhatsApp through Evolution: the Evolution simulator plays the phone,
// the LLM simulator transcribes (its text comes from the voice note's own text track), and the
// pipeline's echo responder answers with exactly the text the agent would read.
describe('voice notes through Evolution API', () => {
  let evolution: EvolutionSim;
  let llm: LlmSimulator;
  let harness: Harness;
  let folder: string;
  let omni: EvolutionOmni;
  const db = () => harness.test.runtime.database.db;

  beforeAll(async () => {
    llm = await startLlmSimulator();
    omni = await openEvolutionOmni({
      OPENAI_API_KEY: 'sk-test',
      OPENAI_BASE_URL: `${llm.url}/v1`,
      TRANSCRIPTION_PROVIDERS: 'openai:whisper-1',
    });
    ({ evolution, harness, folder } = omni);
  });
  afterAll(async () => {
    await omni?.close();
    await llm?.close();
  });

  const conversationOf = async (number: string) =>
    (
      await rows<{ id: string }>(
        db(),
        `select c.id from conversations c join contacts k on k.id = c.contact_id
          where k.external_id = '${number}'`,
      )
    )[0]?.id;

  it('downloads, keeps and transcribes a voice note once, and answers its content', async () => {
    const audio = voiceNote('oi, queria saber se vocês abrem sábado');
    const { id, status } = await evolution.customerSendsMedia('5511911112222', {
      type: 'audio',
      ptt: true,
      mimetype: 'audio/ogg; codecs=opus',
      bytes: audio,
    });
    expect(status).toBe(200);
    const [reply] = await evolution.waitForSent(1);
    expect(reply?.text).toBe(
      'eco: [voice note, transcribed]: oi, queria saber se vocês abrem sábado',
    );
    // Fetched from Evolution's media endpoint (the webhook carried no base64), kept by its hash.
    expect(evolution.mediaFetches).toEqual([id]);
    expect(llm.transcription.requests).toHaveLength(1);
    expect(llm.transcription.requests[0]).toMatchObject({
      model: 'whisper-1',
      bytes: audio.byteLength,
    });
    const tenantFolder = join(folder, harness.tenantId);
    const [prefix] = await readdir(tenantFolder);
    expect(await readdir(join(tenantFolder, prefix as string))).toHaveLength(1);

    // The transcript is shown with the message by the API, and the file can be downloaded.
    const conversation = await conversationOf('5511911112222');
    const listed = await harness.server.app.inject({
      method: 'GET',
      url: `/api/v1/conversations/${conversation}/messages`,
      headers: { 'x-api-key': harness.key },
    });
    const [voice] = listed.json().messages as Array<{
      attachments?: Array<Record<string, unknown>>;
    }>;
    expect(voice?.attachments).toEqual([
      expect.objectContaining({
        kind: 'voice',
        status: 'stored',
        transcript: 'oi, queria saber se vocês abrem sábado',
        size_bytes: audio.byteLength,
      }),
    ]);
    const file = await harness.server.app.inject({
      method: 'GET',
      url: voice?.attachments?.[0]?.url as string,
      headers: { 'x-api-key': harness.key },
    });
    expect(file.statusCode).toBe(200);
    expect(file.headers['content-type']).toBe('audio/ogg');
    expect(file.headers['content-disposition']).toMatch(/^attachment;/);
    expect(new Uint8Array(file.rawPayload)).toEqual(audio);

    // A redelivery of the same webhook is acknowledged and neither fetched nor transcribed again.
    const again = await evolution.customerSendsMedia('5511911112222', {
      type: 'audio',
      ptt: true,
      mimetype: 'audio/ogg; codecs=opus',
      bytes: audio,
      id,
    });
    expect(again.status).toBe(200);
    expect(await harness.metric('duplicates_suppressed_total')).toBeGreaterThanOrEqual(1);
    expect(evolution.mediaFetches).toHaveLength(1);
    expect(llm.transcription.requests).toHaveLength(1);
    expect(evolution.sent.filter((s) => s.number === '5511911112222')).toHaveLength(1);
  });

  it('uses the base64 the webhook carries without asking Evolution for the file', async () => {
    const fetchesBefore = evolution.mediaFetches.length;
    await evolution.customerSendsMedia('5511933334444', {
      type: 'audio',
      ptt: true,
      mimetype: 'audio/ogg; codecs=opus',
      bytes: voiceNote('qual o preço da entrega?'),
      inline: true,
    });
    const sent = await evolution.waitForSent(2);
    expect(sent.find((s) => s.number === '5511933334444')?.text).toBe(
      'eco: [voice note, transcribed]: qual o preço da entrega?',
    );
    expect(evolution.mediaFetches).toHaveLength(fetchesBefore);
  });

  it('waits for a slow transcript: a voice note and a text a second later are one turn, answered once', async () => {
    const requestsBefore = llm.transcription.requests.length;
    llm.transcription.behave({ latencyMs: 3_000 });
    try {
      await evolution.customerSendsMedia('5511955556666', {
        type: 'audio',
        ptt: true,
        mimetype: 'audio/ogg; codecs=opus',
        bytes: voiceNote('meu pedido chegou quebrado'),
      });
      // The scenario of acceptance 2: the text follows while the transcript is still pending.
      await sleep(1_000);
      await evolution.customerSays('5511955556666', 'o número é 4521');
      const conversation = await conversationOf('5511955556666');
      await eventually(
        async () =>
          (
            await rows<{ n: number }>(
              db(),
              `select count(*)::int as n from messages where conversation_id = '${conversation}'
                and direction = 'inbound' and status = 'answered'`,
            )
          )[0]?.n === 2,
        20_000,
        'both messages answered',
      );
      await evolution.waitForSent(3);
      const replies = evolution.sent.filter((s) => s.number === '5511955556666');
      expect(replies.map((r) => r.text)).toEqual([
        'eco: [voice note, transcribed]: meu pedido chegou quebrado | o número é 4521',
      ]);
      const turns = await rows<{ status: string }>(
        db(),
        `select status from turns where conversation_id = '${conversation}' and status = 'committed'`,
      );
      expect(turns).toHaveLength(1);
      // The turn was assembled again when the text arrived, but the audio was transcribed once.
      expect(llm.transcription.requests.length - requestsBefore).toBe(1);
    } finally {
      llm.transcription.behave({});
    }
  });
  it('shows later turns an earlier voice note as its transcript', async () => {
    await evolution.customerSendsMedia('5511977778888', {
      type: 'audio',
      ptt: true,
      mimetype: 'audio/ogg; codecs=opus',
      bytes: voiceNote('quero trocar o tamanho da camisa'),
      inline: true,
    });
    await eventually(
      () => evolution.sent.some((s) => s.number === '5511977778888'),
      20_000,
      'the first reply',
    );
    await evolution.customerSays('5511977778888', 'pode ser M?');
    const call = await eventually(
      () => harness.echo.calls.find((c) => c.messages[0]?.text === 'pode ser M?'),
      20_000,
      'the second turn',
    );
    expect(call.history.map((h) => h.text)).toEqual([
      '[voice note, transcribed]: quero trocar o tamanho da camisa',
      'eco: [voice note, transcribed]: quero trocar o tamanho da camisa',
    ]);
  });
});
