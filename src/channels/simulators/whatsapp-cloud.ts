/**
 * A WhatsApp Cloud API fake for tests and benchmarks: the Graph API's
 * `POST /{version}/{phone-number-id}/messages` (Bearer token) and `GET /{version}/{phone-number-id}`,
 * and Meta's side of the webhooks — customer messages and the statuses of every accepted send
 * (sent → delivered → read by default, optionally skipping `delivered` as Meta does when the chat
 * is open), each signed with X-Hub-Signature-256 under the app secret. Faults: a status with a
 * Meta error code (131047, 130429…), latency.
 */
import { randomBytes } from 'node:crypto';
import { hmacSha256 } from '../secrets.ts';
import type { DeliveryState } from '../types.ts';
import { SIGNATURE_256_HEADER } from '../whatsapp-cloud/spec.ts';
import { faultState, type SimFaults, waitForSends } from './faults.ts';
import { listenSim } from './server.ts';

export interface CloudSimOptions {
  port?: number;
  host?: string;
  accessToken?: string;
  phoneNumberId?: string;
  appSecret?: string;
  /** Omni's `…/webhooks/whatsapp/{tenant}`. */
  webhookUrl?: string;
  /** Statuses posted after each accepted send, in order. */
  statuses?: DeliveryState[];
  statusDelayMs?: number;
  faults?: SimFaults;
  log?: (line: string) => void;
}

export interface CloudSent {
  id: string;
  to: string;
  text: string;
  at: number;
}

export interface CloudSim {
  url: string;
  /** What WHATSAPP_GRAPH_URL should be. */
  graphUrl: string;
  accessToken: string;
  phoneNumberId: string;
  appSecret: string;
  sent: CloudSent[];
  attempts: Array<{ at: number; status: number }>;
  /** Webhook answers, in order (status codes), for statuses and messages alike. */
  webhookAnswers: number[];
  setWebhook(url: string): void;
  /** Replaces the statuses posted after each accepted send. */
  autoStatuses(states: DeliveryState[]): void;
  customerSays(
    from: string,
    text: string,
    options?: { name?: string; id?: string },
  ): Promise<number>;
  /** Posts a status of one of our messages (tests of failures and odd orders). */
  status(
    wamid: string,
    state: DeliveryState,
    error?: { code: number; title: string; details: string },
  ): Promise<number>;
  /** Posts a raw body, signed (or with the given signature). */
  post(body: unknown, signature?: string): Promise<number>;
  /**
   * The customer sends a file (a voice note: `audio` with `voice`): the webhook carries its media
   * id; `GET /{version}/{media-id}` gives a URL on this simulator, served with the token only.
   */
  customerSendsMedia(
    from: string,
    media: {
      type: 'audio' | 'image' | 'video' | 'document' | 'sticker';
      mimeType: string;
      bytes: Uint8Array;
      voice?: boolean;
      caption?: string;
      filename?: string;
      id?: string;
    },
  ): Promise<number>;
  /** Every download of a media file, by media id. */
  mediaDownloads: string[];
  faults(faults: SimFaults): void;
  waitForSent(count: number, timeoutMs?: number): Promise<CloudSent[]>;
  close(): Promise<void>;
}

const METADATA = { display_phone_number: '15550783881', phone_number_id: '106540352242922' };

export async function startCloudSim(options: CloudSimOptions = {}): Promise<CloudSim> {
  const accessToken = options.accessToken ?? 'sim-access-token';
  const phoneNumberId = options.phoneNumberId ?? METADATA.phone_number_id;
  const appSecret = options.appSecret ?? 'sim-app-secret';
  let statuses = options.statuses ?? ['sent', 'delivered', 'read'];
  const log = options.log ?? (() => {});
  const faults = faultState(options.faults);
  const sent: CloudSent[] = [];
  const attempts: CloudSim['attempts'] = [];
  const webhookAnswers: number[] = [];
  const media = new Map<string, { mimeType: string; bytes: Uint8Array }>();
  const mediaDownloads: string[] = [];
  let webhookUrl = options.webhookUrl;
  const pending = new Set<Promise<unknown>>();
  // Imported here: simulators run only in `omni sim`, evals and benches, and a worker that loads
  // this module would otherwise carry Fastify (~9 MB of RSS) for nothing.
  const { default: Fastify } = await import('fastify');
  const app = Fastify({ logger: false, forceCloseConnections: true });

  const envelope = (value: Record<string, unknown>) => ({
    object: 'whatsapp_business_account',
    entry: [
      {
        id: '102290129340398',
        changes: [
          {
            value: {
              messaging_product: 'whatsapp',
              metadata: { ...METADATA, phone_number_id: phoneNumberId },
              ...value,
            },
            field: 'messages',
          },
        ],
      },
    ],
  });

  const post = async (body: unknown, signature?: string) => {
    if (!webhookUrl) throw new Error('The Cloud API simulator has no webhook URL to post to.');
    const raw = JSON.stringify(body);
    const response = await fetch(webhookUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        [SIGNATURE_256_HEADER]: signature ?? hmacSha256(raw, appSecret),
      },
      body: raw,
    });
    await response.arrayBuffer();
    webhookAnswers.push(response.status);
    return response.status;
  };

  const status: CloudSim['status'] = (wamid, state, error) => {
    const to = sent.find((s) => s.id === wamid)?.to ?? '16505551234';
    return post(
      envelope({
        statuses: [
          {
            id: wamid,
            status: state,
            timestamp: String(Math.floor(Date.now() / 1000)),
            recipient_id: to,
            ...(state === 'failed' && error
              ? {
                  errors: [
                    {
                      code: error.code,
                      title: error.title,
                      message: error.title,
                      error_data: { details: error.details },
                    },
                  ],
                }
              : {
                  conversation: { id: 'sim-conversation', origin: { type: 'service' } },
                  pricing: { billable: true, pricing_model: 'PMP', category: 'service' },
                }),
          },
        ],
      }),
    );
  };

  app.post<{
    Params: { phoneId: string };
    Body: { to?: string; type?: string; text?: { body?: string } };
  }>('/:version/:phoneId/messages', async (request, reply) => {
    if (request.headers.authorization !== `Bearer ${accessToken}`) {
      return reply.status(401).send({
        error: { message: 'Invalid OAuth access token.', type: 'OAuthException', code: 190 },
      });
    }
    const failure = await faults.beforeSend();
    if (failure) {
      attempts.push({ at: Date.now(), status: failure.status });
      log(
        `✗ send to ${request.body?.to} answered ${failure.status} (#${failure.errorCode ?? '-'})`,
      );
      if (failure.retryAfterS !== undefined)
        reply.header('retry-after', String(failure.retryAfterS));
      return reply.status(failure.status).send({
        error: {
          message: `(#${failure.errorCode ?? failure.status}) simulated failure`,
          type: 'OAuthException',
          code: failure.errorCode ?? failure.status,
          error_data: { messaging_product: 'whatsapp', details: 'Simulated by omni.' },
          fbtrace_id: 'sim',
        },
      });
    }
    const to = request.body?.to;
    const text = request.body?.text?.body;
    if (request.params.phoneId !== phoneNumberId || !to || typeof text !== 'string') {
      return reply.status(400).send({
        error: { message: '(#100) Invalid parameter', type: 'OAuthException', code: 100 },
      });
    }
    attempts.push({ at: Date.now(), status: 200 });
    const id = `wamid.${randomBytes(18).toString('base64url')}`;
    sent.push({ id, to, text, at: Date.now() });
    log(`→ ${to}: ${text}`);
    if (webhookUrl) {
      const chain = (async () => {
        for (const state of statuses) {
          await new Promise((resolve) => setTimeout(resolve, options.statusDelayMs ?? 300));
          await status(id, state).catch(() => {});
        }
      })();
      pending.add(chain);
      void chain.finally(() => pending.delete(chain));
    }
    return {
      messaging_product: 'whatsapp',
      contacts: [{ input: to, wa_id: to }],
      messages: [{ id }],
    };
  });
  app.get<{ Params: { id: string } }>('/media-download/:id', async (request, reply) => {
    const file = media.get(request.params.id);
    // Without the token Meta answers an error page, not the file.
    if (request.headers.authorization !== `Bearer ${accessToken}` || !file) {
      return reply.status(404).type('text/html').send('<html>Not found</html>');
    }
    mediaDownloads.push(request.params.id);
    return reply.type(file.mimeType).send(Buffer.from(file.bytes));
  });
  app.get<{ Params: { phoneId: string } }>('/:version/:phoneId', async (request, reply) => {
    if (request.headers.authorization !== `Bearer ${accessToken}`) {
      return reply
        .status(401)
        .send({ error: { message: 'Invalid OAuth access token.', code: 190 } });
    }
    const file = media.get(request.params.phoneId);
    if (file) {
      return {
        messaging_product: 'whatsapp',
        url: `${url}/media-download/${request.params.phoneId}`,
        mime_type: file.mimeType,
        sha256: 'sim',
        file_size: String(file.bytes.byteLength),
        id: request.params.phoneId,
      };
    }
    return {
      id: request.params.phoneId,
      display_phone_number: METADATA.display_phone_number,
      verified_name: 'Omni Sim',
    };
  });

  const { url } = await listenSim(app, options);

  return {
    url,
    graphUrl: `${url}/v21.0`,
    accessToken,
    phoneNumberId,
    appSecret,
    sent,
    attempts,
    webhookAnswers,
    setWebhook: (next) => {
      webhookUrl = next;
    },
    autoStatuses: (states) => {
      statuses = [...states];
    },
    customerSays: (from, text, extra = {}) => {
      log(`← ${from}: ${text}`);
      return post(
        envelope({
          contacts: [{ profile: { name: extra.name ?? 'Cliente' }, wa_id: from }],
          messages: [
            {
              from,
              id: extra.id ?? `wamid.${randomBytes(18).toString('base64url')}`,
              timestamp: String(Math.floor(Date.now() / 1000)),
              type: 'text',
              text: { body: text },
            },
          ],
        }),
      );
    },
    customerSendsMedia: (from, file) => {
      const mediaId = file.id ?? String(1_000_000_000 + media.size);
      media.set(mediaId, { mimeType: file.mimeType, bytes: file.bytes });
      log(`← ${from}: [${file.type}${file.voice ? ' voice' : ''}]`);
      return post(
        envelope({
          contacts: [{ profile: { name: 'Cliente' }, wa_id: from }],
          messages: [
            {
              from,
              id: `wamid.${randomBytes(18).toString('base64url')}`,
              timestamp: String(Math.floor(Date.now() / 1000)),
              type: file.type,
              [file.type]: {
                id: mediaId,
                mime_type: file.mimeType,
                sha256: 'sim',
                ...(file.voice ? { voice: true } : {}),
                ...(file.caption ? { caption: file.caption } : {}),
                ...(file.filename ? { filename: file.filename } : {}),
              },
            },
          ],
        }),
      );
    },
    mediaDownloads,
    status,
    post,
    faults: (next) => faults.set(next),
    waitForSent: (count, timeoutMs) => waitForSends(sent, count, timeoutMs),
    async close() {
      await Promise.allSettled([...pending]);
      await app.close();
    },
  };
}
