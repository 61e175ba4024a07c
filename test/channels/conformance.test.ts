/**
 * One conformance suite for every channel adapter (SPEC §6): each parses the reference payloads of
 * the fixtures in ./fixtures/ — with unknown fields added everywhere, as newer provider
 * versions do — verifies its secret, refuses a forged request with 401 storing nothing (over HTTP,
 * through the real route), and maps the provider's error answers to retry/permanent.
 */
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ChannelSpec,
  evolutionSpec,
  type InboundRequest,
  type ProviderAnswer,
  telegramSpec,
  whatsappCloudSpec,
} from '../../src/channels/index.ts';
import { buildServer, type OmniServer } from '../../src/http/index.ts';
import { createTenant } from '../../src/tenancy/index.ts';
import { openTestRuntime, type TestRuntime } from '../support/runtime.ts';
import { rows } from '../support/sql.ts';
import { evolutionFixtures as evo } from './fixtures/evolution.ts';
import { telegramFixtures as tg } from './fixtures/telegram.ts';
import { cloudFixtures as cloud } from './fixtures/whatsapp-cloud.ts';

const EVOLUTION_KEY = 'evo-key';
const TELEGRAM_SECRET = 'tg-secret';
const APP_SECRET = 'meta-app-secret';
const EMAIL_TOKEN = 'mail-token';

/** Every object gains a field no adapter knows (providers add fields without notice). */
function withExtraFields(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withExtraFields);
  if (value && typeof value === 'object') {
    return {
      ...Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withExtraFields(v)])),
      omni_unknown_field: { added_in: 'a future version' },
    };
  }
  return value;
}

const answer = (
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): ProviderAnswer => ({
  status,
  body,
  headers: new Headers(headers),
});

interface ErrorCase {
  name: string;
  answer: ProviderAnswer;
  expected: {
    retryable: boolean;
    retryAfterMs?: number;
    needsHuman?: boolean;
    holdsSender?: boolean;
  };
}

interface FixtureCase {
  name: string;
  body: unknown;
  groups?: boolean;
  expected: Array<Record<string, unknown>>;
}

interface Conformance<S> {
  name: string;
  spec: ChannelSpec<S>;
  secrets: S;
  /** The request the provider would send, signed right or (`forged`) wrong. */
  request(body: unknown, forged?: boolean): InboundRequest;
  route: string;
  /** A body that stores one contact message when accepted. */
  storable: unknown;
  fixtures: FixtureCase[];
  errors: ErrorCase[];
}

const json = (body: unknown) => JSON.stringify(body);
const hubSignature = (raw: string, secret: string) =>
  `sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`;

const evolution: Conformance<{ apiKey?: string }> = {
  name: 'Evolution API v2',
  spec: evolutionSpec,
  secrets: { apiKey: EVOLUTION_KEY },
  request: (body, forged) => ({
    headers: { apikey: forged ? 'forged-key' : EVOLUTION_KEY },
    rawBody: json(body),
    body,
  }),
  route: '/webhooks/evolution/acme',
  storable: evo.text,
  fixtures: [
    {
      name: 'text in message.conversation',
      body: evo.text,
      expected: [
        {
          kind: 'message',
          externalId: '3EB0C767D097B7C7C030',
          text: 'Olá, quero saber o preço',
          contact: { externalId: '5511988887777', name: 'Maria Silva', phone: '5511988887777' },
        },
      ],
    },
    {
      name: 'text in extendedTextMessage',
      body: evo.extendedText,
      expected: [{ kind: 'message', text: 'veja https://example.com' }],
    },
    {
      name: 'an image as a placeholder with its type',
      body: evo.image,
      expected: [
        {
          kind: 'message',
          text: '[image] meu boleto',
          content: { media: { type: 'image', caption: 'meu boleto', mimetype: 'image/jpeg' } },
        },
      ],
    },
    { name: 'a voice note', body: evo.voice, expected: [{ kind: 'message', text: '[voice]' }] },
    {
      name: 'a LID address resolved to the phone',
      body: evo.lid,
      expected: [{ kind: 'message', contact: { externalId: '5511977776666' } }],
    },
    {
      name: 'a LID address without a phone, kept whole',
      body: evo.lidOnly,
      expected: [{ kind: 'message', contact: { externalId: '123456789012345@lid' } }],
    },
    { name: 'a group, ignored by default', body: evo.group, expected: [{ kind: 'ignored' }] },
    {
      name: 'a group, answered when configured',
      body: evo.group,
      groups: true,
      expected: [
        {
          kind: 'message',
          contact: { externalId: '120363000000000000@g.us' },
          content: { participant: '5511988887777@s.whatsapp.net' },
        },
      ],
    },
    { name: 'status@broadcast, ignored', body: evo.broadcast, expected: [{ kind: 'ignored' }] },
    {
      name: 'fromMe, an operator message',
      body: evo.fromMe,
      expected: [
        {
          kind: 'operator_message',
          externalId: 'BAE594145F4C59B4',
          text: 'Oi, aqui é a Ana',
          contact: { externalId: '5511988887777' },
        },
      ],
    },
    { name: 'a reaction, ignored', body: evo.reaction, expected: [{ kind: 'ignored' }] },
    {
      name: 'a read ack of our send (messages.update)',
      body: evo.readAck,
      expected: [{ kind: 'status', providerMessageId: 'BAE594145F4C59B4', state: 'read' }],
    },
    {
      name: 'connection.update, ignored',
      body: evo.connectionUpdate,
      expected: [{ kind: 'ignored' }],
    },
    {
      name: 'the UPPER_SNAKE event name',
      body: evo.byEventsName,
      expected: [{ kind: 'message', externalId: 'UPPER1' }],
    },
  ],
  errors: [
    {
      name: '401 bad key',
      answer: answer(401, { status: 401, error: 'Unauthorized' }),
      expected: { retryable: false },
    },
    {
      name: '400 not a WhatsApp number',
      answer: answer(400, {
        status: 400,
        error: 'Bad Request',
        response: { message: [{ exists: false, jid: '5511@s.whatsapp.net', number: '5511' }] },
      }),
      expected: { retryable: false },
    },
    {
      name: '429 with Retry-After',
      answer: answer(429, { status: 429 }, { 'retry-after': '3' }),
      expected: { retryable: true, retryAfterMs: 3000 },
    },
    {
      name: '500 connection closed',
      answer: answer(500, { status: 500, response: { message: 'Connection Closed' } }),
      expected: { retryable: true },
    },
  ],
};

const telegram: Conformance<{ webhookSecret?: string }> = {
  name: 'Telegram Bot API',
  spec: telegramSpec,
  secrets: { webhookSecret: TELEGRAM_SECRET },
  request: (body, forged) => ({
    headers: { 'x-telegram-bot-api-secret-token': forged ? 'forged' : TELEGRAM_SECRET },
    rawBody: json(body),
    body,
  }),
  route: '/webhooks/telegram/acme',
  storable: tg.text,
  fixtures: [
    {
      name: 'a private text message',
      body: tg.text,
      expected: [
        {
          kind: 'message',
          externalId: '123456789:1365',
          text: 'Olá, quero saber o preço',
          contact: { externalId: '123456789', name: 'Maria Silva' },
        },
      ],
    },
    {
      name: 'a photo as a placeholder',
      body: tg.photo,
      expected: [
        { kind: 'message', text: '[image] meu boleto', content: { media: { type: 'image' } } },
      ],
    },
    { name: 'an edit, ignored', body: tg.edited, expected: [{ kind: 'ignored' }] },
    { name: 'a group, ignored by default', body: tg.group, expected: [{ kind: 'ignored' }] },
    {
      name: 'a group, answered when configured',
      body: tg.group,
      groups: true,
      expected: [{ kind: 'message', contact: { externalId: '-1001234567890' } }],
    },
    { name: 'a bot, ignored', body: tg.fromBot, expected: [{ kind: 'ignored' }] },
    { name: 'a callback query, ignored', body: tg.callback, expected: [{ kind: 'ignored' }] },
  ],
  errors: [
    {
      name: '429 with parameters.retry_after',
      answer: answer(429, {
        ok: false,
        error_code: 429,
        description: 'Too Many Requests: retry after 5',
        parameters: { retry_after: 5 },
      }),
      expected: { retryable: true, retryAfterMs: 5000 },
    },
    {
      name: '400 chat not found',
      answer: answer(400, {
        ok: false,
        error_code: 400,
        description: 'Bad Request: chat not found',
      }),
      expected: { retryable: false },
    },
    {
      name: '403 blocked by the user',
      answer: answer(403, {
        ok: false,
        error_code: 403,
        description: 'Forbidden: bot was blocked by the user',
      }),
      expected: { retryable: false },
    },
    {
      name: '502 from a proxy',
      answer: answer(502, '<html>Bad Gateway</html>'),
      expected: { retryable: true },
    },
  ],
};

const graphError = (status: number, code: number, details: string) =>
  answer(status, {
    error: {
      message: `(#${code}) ${details}`,
      type: 'OAuthException',
      code,
      error_data: { messaging_product: 'whatsapp', details },
      fbtrace_id: 'A1b2',
    },
  });

const whatsappCloud: Conformance<{ appSecret?: string }> = {
  name: 'WhatsApp Cloud API',
  spec: whatsappCloudSpec,
  secrets: { appSecret: APP_SECRET },
  request: (body, forged) => {
    const rawBody = json(body);
    return {
      headers: {
        'x-hub-signature-256': hubSignature(rawBody, forged ? 'not-the-secret' : APP_SECRET),
      },
      rawBody,
      body,
    };
  },
  route: '/webhooks/whatsapp/acme',
  storable: cloud.text,
  fixtures: [
    {
      name: "Meta's text message example",
      body: cloud.text,
      expected: [
        {
          kind: 'message',
          externalId: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=',
          text: 'Does it come in another color?',
          contact: { externalId: '16505551234', name: 'Sheena Nelson', phone: '16505551234' },
        },
      ],
    },
    {
      name: 'an image as a placeholder',
      body: cloud.image,
      expected: [{ kind: 'message', text: '[image] this one' }],
    },
    {
      name: 'a delivered status',
      body: cloud.delivered,
      expected: [
        {
          kind: 'status',
          state: 'delivered',
          providerMessageId: 'wamid.HBgLMTY1MDU1NTEyMzQVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA',
        },
      ],
    },
    {
      name: 'a failed status outside the 24-hour window, asking for a person',
      body: cloud.failedOutsideWindow,
      expected: [{ kind: 'status', state: 'failed', needsHuman: true, error: { code: 131047 } }],
    },
    {
      name: 'an errors webhook, acknowledged',
      body: cloud.systemErrors,
      expected: [{ kind: 'ignored' }],
    },
    { name: 'a reaction, ignored', body: cloud.reaction, expected: [{ kind: 'ignored' }] },
  ],
  errors: [
    {
      name: '130429 throughput: paced retry',
      answer: graphError(429, 130429, 'Cloud API message throughput has been reached.'),
      expected: { retryable: true, retryAfterMs: 1000, holdsSender: true },
    },
    {
      name: '131056 pair rate: retry after ~6 s',
      answer: graphError(400, 131056, '(Business Account, Consumer Account) pair rate limit hit'),
      expected: { retryable: true, retryAfterMs: 6000, holdsSender: false },
    },
    {
      name: '131047 outside the window: permanent, needs a person',
      answer: graphError(400, 131047, 'Re-engagement message'),
      expected: { retryable: false, needsHuman: true },
    },
    {
      name: '131026 undeliverable: permanent',
      answer: graphError(400, 131026, 'Message Undeliverable'),
      expected: { retryable: false, needsHuman: false },
    },
    {
      name: '131000 unknown: retry',
      answer: graphError(500, 131000, 'Something went wrong'),
      expected: { retryable: true },
    },
    {
      name: '100 invalid parameter: permanent',
      answer: graphError(400, 100, 'Invalid parameter'),
      expected: { retryable: false },
    },
  ],
};

const ADAPTERS = [evolution, telegram, whatsappCloud] as Array<Conformance<unknown>>;

describe.each(ADAPTERS)('$name conformance', (adapter) => {
  it.each(adapter.fixtures)('parses $name (with unknown fields)', (fixture) => {
    for (const body of [fixture.body, withExtraFields(fixture.body)]) {
      const events = adapter.spec.parse(body, { groups: fixture.groups ?? false });
      expect(events).toHaveLength(fixture.expected.length);
      for (const [i, expected] of fixture.expected.entries()) {
        expect(events[i]).toMatchObject(expected);
      }
    }
  });

  it('verifies its secret, and nothing else', () => {
    const body = adapter.storable;
    expect(adapter.spec.verify(adapter.request(body), adapter.secrets)).toBe(true);
    expect(adapter.spec.verify(adapter.request(body, true), adapter.secrets)).toBe(false);
    expect(
      adapter.spec.verify({ headers: {}, rawBody: json(body), body: {} }, adapter.secrets),
    ).toBe(false);
    // Not configured: nothing verifies.
    expect(adapter.spec.verify(adapter.request(body), {})).toBe(false);
  });

  it.each(adapter.errors)('maps $name', (error) => {
    const classified = adapter.spec.classify(error.answer);
    expect(classified.retryable).toBe(error.expected.retryable);
    if (error.expected.retryAfterMs !== undefined) {
      expect(classified.retryAfterMs).toBe(error.expected.retryAfterMs);
    }
    if (error.expected.needsHuman !== undefined) {
      expect(classified.needsHuman).toBe(error.expected.needsHuman);
    }
    if (error.expected.holdsSender !== undefined) {
      expect(classified.holdsSender).toBe(error.expected.holdsSender);
    }
    expect(classified.message.length).toBeGreaterThan(10);
  });
});

describe('webhook routes', () => {
  let test: TestRuntime;
  let server: OmniServer;

  beforeAll(async () => {
    test = await openTestRuntime('pglite', {
      EVOLUTION_API_KEY: EVOLUTION_KEY,
      TELEGRAM_WEBHOOK_SECRET: TELEGRAM_SECRET,
      WHATSAPP_APP_SECRET: APP_SECRET,
      EMAIL_WEBHOOK_TOKEN: EMAIL_TOKEN,
    });
    server = await buildServer(test.runtime);
    await createTenant(test.runtime.database.db, { slug: 'acme' }, { type: 'system' });
  });
  afterAll(async () => {
    await server.app.close();
    await test.close();
  });

  const messageCount = async () =>
    (await rows(test.runtime.database.db, 'select id from messages')).length;

  const post = (url: string, request: InboundRequest) =>
    server.app.inject({
      method: 'POST',
      url,
      headers: {
        ...(request.headers as Record<string, string>),
        'content-type': 'application/json',
      },
      payload: request.rawBody,
    });

  it.each(ADAPTERS)(
    '$name: a forged request is 401 and stores nothing; a genuine one is stored',
    async (adapter) => {
      const before = await messageCount();
      const forged = await post(adapter.route, adapter.request(adapter.storable, true));
      expect(forged.statusCode).toBe(401);
      expect(forged.json()).toMatchObject({ error: { code: 'unauthorized' } });
      expect(await messageCount()).toBe(before);

      const genuine = await post(adapter.route, adapter.request(withExtraFields(adapter.storable)));
      expect(genuine.statusCode).toBe(200);
      expect(genuine.json()).toMatchObject({ stored: 1 });
      expect(await messageCount()).toBe(before + 1);
    },
  );

  it('e-mail: a wrong token is 401 and stores nothing', async () => {
    const before = await messageCount();
    const response = await server.app.inject({
      method: 'POST',
      url: '/webhooks/email/acme',
      headers: { 'x-omni-token': 'forged' },
      payload: { from: 'a@b.co', subject: 'oi', text: 'oi', message_id: '<x@b.co>' },
    });
    expect(response.statusCode).toBe(401);
    expect(await messageCount()).toBe(before);
  });

  it('a channel without its secret configured refuses with 403', async () => {
    const bare = await openTestRuntime('pglite');
    const app = (await buildServer(bare.runtime)).app;
    await createTenant(bare.runtime.database.db, { slug: 'acme' }, { type: 'system' });
    for (const adapter of ADAPTERS) {
      const response = await app.inject({
        method: 'POST',
        url: adapter.route,
        headers: { 'content-type': 'application/json' },
        payload: json(adapter.storable),
      });
      expect(response.statusCode).toBe(403);
    }
    await app.close();
    await bare.close();
  });
});
