/**
 * The WhatsApp simulator (`omni sim whatsapp`, SPEC §6.7): an Evolution-API-v2-compatible fake.
 * Omni reaches it as EVOLUTION_URL / EVOLUTION_API_KEY (or seed 000's MCP_WHATSAPP_URL /
 * MCP_TOKEN): `POST /message/sendText/{instance}` and `GET /instance/connectionState/{instance}`.
 * It plays the customer's phone too: `customerSays` posts a `messages.upsert` to Omni's webhook,
 * and after each send it posts the `fromMe` echo real Evolution posts for API sends. Every send it
 * receives is kept in `sent` (and printed through `log`); faults can be injected.
 *
 * Control endpoints for a simulator in another process: `GET /_sim/sent`, `DELETE /_sim/sent`,
 * `POST /_sim/inbound {from, text, name?}`, `POST /_sim/operator {to, text}`, `PUT /_sim/faults`.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type FaultState, faultState, type SimFaults, waitForSends } from './faults.ts';
import { listenSim, serveFaultControl, serveSentControl } from './server.ts';

export interface EvolutionSimOptions {
  port?: number;
  host?: string;
  /** The key Omni must send (`apikey` header or `Authorization: Bearer`). */
  apiKey?: string;
  instance?: string;
  /** Omni's `…/webhooks/evolution/{tenant}`; without it the simulator only records sends. */
  webhookUrl?: string;
  /** The business's own number (the instance owner). */
  ownNumber?: string;
  /** Post the `fromMe` echo of every API send back to the webhook, as Evolution does. */
  echo?: boolean;
  /** Post `messages.update` acks (DELIVERY_ACK, then READ) after every send. */
  acks?: boolean;
  faults?: SimFaults;
  /** A line per event, for people watching the simulator. */
  log?: (line: string) => void;
}

export interface SentText {
  id: string;
  instance: string;
  number: string;
  text: string;
  at: number;
}

export interface EvolutionSim {
  url: string;
  port: number;
  apiKey: string;
  instance: string;
  /** Every accepted sendText, in order. */
  sent: SentText[];
  /** Every sendText request, answered with an error or not. */
  attempts: Array<{ at: number; status: number }>;
  customerSays(
    from: string,
    text: string,
    options?: { name?: string; id?: string },
  ): Promise<{ id: string; status: number }>;
  operatorSays(to: string, text: string): Promise<{ id: string; status: number }>;
  /**
   * The customer sends a file: a voice note (`audio` with `ptt`), an image, a document… With
   * `inline` the webhook carries it as `message.base64` (the instance's webhook base64 setting);
   * otherwise Omni must fetch it from `getBase64FromMediaMessage`. `id` repeats a delivery.
   */
  customerSendsMedia(from: string, media: SimMedia): Promise<{ id: string; status: number }>;
  /** Every getBase64FromMediaMessage request, by message id. */
  mediaFetches: string[];
  /** Posts any body to the webhook (tests of odd payloads). */
  post(body: unknown): Promise<number>;
  /** Points the simulator at Omni's webhook (when Omni starts after it). */
  setWebhook(url: string): void;
  /**
   * Post the echo of a send before answering it (Evolution's webhook can overtake its own HTTP
   * answer); default: after.
   */
  echoBeforeAnswer(first: boolean): void;
  faults(faults: SimFaults): void;
  waitForSent(count: number, timeoutMs?: number): Promise<SentText[]>;
  close(): Promise<void>;
}

export interface SimMedia {
  type: 'audio' | 'image' | 'video' | 'document' | 'sticker';
  bytes: Uint8Array;
  mimetype: string;
  ptt?: boolean;
  caption?: string;
  fileName?: string;
  inline?: boolean;
  id?: string;
  name?: string;
}

const newId = () => randomBytes(8).toString('hex').toUpperCase();

/** Evolution's record of a text message, as in a webhook's `data` and in the answer to a send. */
function textMessage(
  jid: string,
  fromMe: boolean,
  id: string,
  text: string,
  seen: { pushName: string; status: string; source: string },
) {
  return {
    key: { remoteJid: jid, fromMe, id },
    pushName: seen.pushName,
    status: seen.status,
    message: { conversation: text },
    contextInfo: null,
    messageType: 'conversation',
    messageTimestamp: Math.floor(Date.now() / 1000),
    instanceId: 'sim-instance',
    source: seen.source,
  };
}

export async function startEvolutionSim(options: EvolutionSimOptions = {}): Promise<EvolutionSim> {
  const apiKey = options.apiKey ?? 'dev-token';
  const instance = options.instance ?? 'omni';
  const ownNumber = options.ownNumber ?? '5511999990000';
  const echo = options.echo ?? true;
  let webhookUrl = options.webhookUrl;
  let echoFirst = false;
  const log = options.log ?? (() => {});
  const faults: FaultState = faultState(options.faults);
  const sent: SentText[] = [];
  const media = new Map<string, SimMedia>();
  const mediaFetches: string[] = [];
  const attempts: EvolutionSim['attempts'] = [];
  // Imported here: simulators run only in `omni sim`, evals and benches, and a worker that loads
  // this module would otherwise carry Fastify (~9 MB of RSS) for nothing.
  const { default: Fastify } = await import('fastify');
  const app = Fastify({ logger: false, forceCloseConnections: true });

  const upsert = (jid: string, fromMe: boolean, id: string, text: string, pushName?: string) => ({
    event: 'messages.upsert',
    instance,
    data: textMessage(jid, fromMe, id, text, {
      pushName: pushName ?? '',
      status: fromMe ? 'SERVER_ACK' : 'DELIVERY_ACK',
      source: 'android',
    }),
    destination: webhookUrl,
    date_time: new Date().toISOString(),
    sender: `${ownNumber}@s.whatsapp.net`,
    server_url: sim.url,
    apikey: apiKey,
  });

  const post = async (body: unknown): Promise<number> => {
    if (!webhookUrl) throw new Error('The WhatsApp simulator has no webhook URL to post to.');
    const response = await fetch(webhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', apikey: apiKey },
      body: JSON.stringify(body),
    });
    await response.arrayBuffer();
    return response.status;
  };

  const authorised = (request: FastifyRequest) => {
    const header = request.headers.apikey;
    const bearer = request.headers.authorization?.replace(/^Bearer\s+/i, '');
    return header === apiKey || bearer === apiKey;
  };
  const refuse = (reply: FastifyReply, status: number, error: string, message: unknown) =>
    reply.status(status).send({ status, error, response: { message } });
  /** Evolution's answer to a call without the key or for another instance; none when it may go on. */
  const refusal = (
    request: FastifyRequest<{ Params: { instance: string } }>,
    reply: FastifyReply,
  ) => {
    if (!authorised(request)) return refuse(reply, 401, 'Unauthorized', 'Unauthorized');
    if (request.params.instance === instance) return undefined;
    return refuse(reply, 404, 'Not Found', [
      `The "${request.params.instance}" instance does not exist`,
    ]);
  };

  app.post<{ Params: { instance: string }; Body: { number?: string; text?: string } }>(
    '/message/sendText/:instance',
    async (request, reply) => {
      const refused = refusal(request, reply);
      if (refused) return refused;
      const { number, text } = request.body ?? {};
      if (!number || typeof text !== 'string' || !text) {
        return refuse(reply, 400, 'Bad Request', ['number and text are required']);
      }
      const failure = await faults.beforeSend();
      const disconnected = faults.current().disconnected;
      const status = failure?.status ?? (disconnected ? 500 : 201);
      attempts.push({ at: Date.now(), status });
      if (failure) {
        log(`✗ sendText to ${number} answered ${failure.status} (injected)`);
        if (failure.retryAfterS !== undefined)
          reply.header('retry-after', String(failure.retryAfterS));
        return refuse(reply, failure.status, 'Simulated failure', [`simulated ${failure.status}`]);
      }
      if (disconnected) {
        log(`✗ sendText to ${number}: the phone is disconnected`);
        return refuse(reply, 500, 'Internal Server Error', 'Connection Closed');
      }
      const id = newId();
      const jid = number.includes('@') ? number : `${number.replace(/\D/g, '')}@s.whatsapp.net`;
      sent.push({ id, instance, number, text, at: Date.now() });
      log(`→ ${number}: ${text}`);
      if (options.acks && webhookUrl) {
        setTimeout(() => {
          void (async () => {
            for (const status of ['DELIVERY_ACK', 'READ']) {
              await post({
                event: 'messages.update',
                instance,
                data: {
                  messageId: id,
                  keyId: id,
                  remoteJid: jid,
                  fromMe: true,
                  status,
                  instanceId: 'sim-instance',
                },
                date_time: new Date().toISOString(),
                apikey: apiKey,
              }).catch(() => {});
            }
          })();
        }, 300);
      }
      if (echo && webhookUrl && echoFirst) await post(upsert(jid, true, id, text)).catch(() => {});
      else if (echo && webhookUrl) {
        setImmediate(() => void post(upsert(jid, true, id, text)).catch(() => {}));
      }
      return reply
        .status(201)
        .send(
          textMessage(jid, true, id, text, { pushName: '', status: 'PENDING', source: 'unknown' }),
        );
    },
  );

  app.get<{ Params: { instance: string } }>(
    '/instance/connectionState/:instance',
    async (request, reply) => {
      const refused = refusal(request, reply);
      if (refused) return refused;
      return {
        instance: {
          instanceName: instance,
          state: faults.current().disconnected ? 'close' : 'open',
        },
      };
    },
  );

  // Evolution answers 201 with the decrypted file, or 400 when it does not know the message.
  app.post<{
    Params: { instance: string };
    Body: { message?: { key?: { id?: string } } };
  }>('/chat/getBase64FromMediaMessage/:instance', async (request, reply) => {
    const refused = refusal(request, reply);
    if (refused) return refused;
    const id = request.body?.message?.key?.id ?? '';
    mediaFetches.push(id);
    const file = media.get(id);
    if (!file) return refuse(reply, 400, 'Bad Request', 'Message not found');
    return reply.status(201).send({
      mediaType: `${file.type}Message`,
      fileName: file.fileName ?? `${id}.bin`,
      caption: file.caption ?? null,
      size: { fileLength: String(file.bytes.byteLength), height: null, width: null },
      mimetype: file.mimetype,
      base64: Buffer.from(file.bytes).toString('base64'),
      buffer: null,
    });
  });

  serveSentControl(app, sent, attempts);
  app.post<{ Body: { from: string; text: string; name?: string } }>(
    '/_sim/inbound',
    async (request) =>
      sim.customerSays(request.body.from, request.body.text, { name: request.body.name }),
  );
  app.post<{ Body: { to: string; text: string } }>('/_sim/operator', async (request) =>
    sim.operatorSays(request.body.to, request.body.text),
  );
  serveFaultControl(app, faults);

  const { url, port } = await listenSim(app, options);

  const sim: EvolutionSim = {
    url,
    port,
    apiKey,
    instance,
    sent,
    attempts,
    async customerSays(from, text, extra = {}) {
      const id = extra.id ?? newId();
      log(`← ${from}: ${text}`);
      const status = await post(upsert(`${from}@s.whatsapp.net`, false, id, text, extra.name));
      return { id, status };
    },
    mediaFetches,
    async customerSendsMedia(from, file) {
      const id = file.id ?? newId();
      media.set(id, file);
      log(`← ${from}: [${file.type}${file.ptt ? ' voice' : ''}] ${file.caption ?? ''}`);
      const body = upsert(`${from}@s.whatsapp.net`, false, id, '', file.name);
      const inner = {
        url: `https://mmg.whatsapp.net/v/t62.7117-24/${id}.enc`,
        mimetype: file.mimetype,
        fileLength: String(file.bytes.byteLength),
        mediaKey: { 0: 22, 1: 114 },
        directPath: `/v/t62.7117-24/${id}.enc`,
        ...(file.type === 'audio' ? { seconds: 4, ptt: file.ptt ?? false } : {}),
        ...(file.caption ? { caption: file.caption } : {}),
        ...(file.fileName ? { fileName: file.fileName } : {}),
      };
      body.data.messageType = `${file.type}Message`;
      body.data.message = {
        [`${file.type}Message`]: inner,
        ...(file.inline ? { base64: Buffer.from(file.bytes).toString('base64') } : {}),
      } as unknown as typeof body.data.message;
      return { id, status: await post(body) };
    },
    async operatorSays(to, text) {
      const id = newId();
      log(`⇢ (phone) ${to}: ${text}`);
      return { id, status: await post(upsert(`${to}@s.whatsapp.net`, true, id, text)) };
    },
    post,
    setWebhook: (url) => {
      webhookUrl = url;
    },
    echoBeforeAnswer: (first) => {
      echoFirst = first;
    },
    faults: (next) => faults.set(next),
    waitForSent: (count, timeoutMs) => waitForSends(sent, count, timeoutMs),
    close: () => app.close(),
  };
  return sim;
}
