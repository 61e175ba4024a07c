/**
 * The Telegram simulator (`omni sim telegram`, SPEC §6.7): a Bot API fake at
 * `{url}/bot{token}/{method}` — getMe, sendMessage, getUpdates (long polling, confirmed by
 * offset), setWebhook (with secret_token), deleteWebhook, getWebhookInfo. Omni reaches it through
 * TELEGRAM_API_URL. It plays the customer too: `customerSays` delivers an Update to the webhook
 * when one is set, else queues it for getUpdates — and, like Telegram, refuses getUpdates (409)
 * while a webhook is set. Faults: latency, a status (429 carries `parameters.retry_after`).
 *
 * Control endpoints for a simulator in another process: `GET /_sim/sent`, `DELETE /_sim/sent`,
 * `POST /_sim/inbound {chat_id, text, name?}`, `PUT /_sim/faults`.
 */
import type { FastifyReply } from 'fastify';
import { TELEGRAM_SECRET_HEADER } from '../telegram/spec.ts';
import { faultState, type SimFaults, waitForSends } from './faults.ts';
import { listenSim, serveFaultControl, serveSentControl } from './server.ts';

export interface TelegramSimOptions {
  port?: number;
  host?: string;
  /** The bot token Omni must use (TELEGRAM_BOT_TOKEN). */
  token?: string;
  faults?: SimFaults;
  log?: (line: string) => void;
}

export interface SentMessage {
  chatId: string;
  messageId: number;
  text: string;
  at: number;
}

export interface TelegramSim {
  url: string;
  port: number;
  token: string;
  sent: SentMessage[];
  attempts: Array<{ at: number; status: number }>;
  /** Calls per Bot API method. */
  calls: Record<string, number>;
  webhook(): { url: string; secret?: string } | undefined;
  customerSays(
    chatId: number,
    text: string,
    options?: { name?: string },
  ): Promise<{ updateId: number; delivered: 'webhook' | 'queued'; status?: number }>;
  /**
   * The customer sends a voice note (`voice`), audio, photo or document: the Update carries a
   * `file_id`; `getFile` gives its path and `/file/bot<token>/<path>` serves it.
   */
  customerSendsFile(
    chatId: number,
    file: {
      field: 'voice' | 'audio' | 'photo' | 'document';
      bytes: Uint8Array;
      mimeType?: string;
      fileName?: string;
      caption?: string;
    },
  ): Promise<{ delivered: 'webhook' | 'queued'; status?: number }>;
  /** Every file download, by file path. */
  fileDownloads: string[];
  /** Delivers a raw Update (odd payloads in tests). */
  deliver(
    update: Record<string, unknown>,
  ): Promise<{ delivered: 'webhook' | 'queued'; status?: number }>;
  faults(faults: SimFaults): void;
  waitForSent(count: number, timeoutMs?: number): Promise<SentMessage[]>;
  close(): Promise<void>;
}

type Params = Record<string, unknown>;

export async function startTelegramSim(options: TelegramSimOptions = {}): Promise<TelegramSim> {
  const token = options.token ?? '7000000001:sim-token';
  const log = options.log ?? (() => {});
  const faults = faultState(options.faults);
  const sent: SentMessage[] = [];
  const attempts: TelegramSim['attempts'] = [];
  const calls: Record<string, number> = {};
  const queued: Array<Record<string, unknown> & { update_id: number }> = [];
  let nextUpdateId = 872_341_501;
  let nextMessageId = 1_365;
  let webhook: { url: string; secret?: string } | undefined;
  const waiters = new Set<() => void>();
  const wake = () => {
    for (const waiter of waiters) waiter();
    waiters.clear();
  };
  // Imported here: simulators run only in `omni sim`, evals and benches, and a worker that loads
  // this module would otherwise carry Fastify (~9 MB of RSS) for nothing.
  const { default: Fastify } = await import('fastify');
  const app = Fastify({ logger: false, forceCloseConnections: true });

  const fail = (reply: FastifyReply, status: number, description: string, extra: Params = {}) =>
    reply.status(status).send({ ok: false, error_code: status, description, ...extra });

  const deliver = async (update: Record<string, unknown>) => {
    const full = { update_id: nextUpdateId++, ...update };
    if (webhook) {
      const response = await fetch(webhook.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(webhook.secret ? { [TELEGRAM_SECRET_HEADER]: webhook.secret } : {}),
        },
        body: JSON.stringify(full),
      });
      await response.arrayBuffer();
      return { delivered: 'webhook' as const, status: response.status, updateId: full.update_id };
    }
    queued.push(full);
    wake();
    return { delivered: 'queued' as const, updateId: full.update_id };
  };

  const methods: Record<string, (params: Params, reply: FastifyReply) => Promise<unknown>> = {
    getMe: async () => ({
      ok: true,
      result: {
        id: Number(token.split(':')[0]),
        is_bot: true,
        first_name: 'Omni',
        username: 'omni_sim_bot',
      },
    }),
    sendMessage: async (params, reply) => {
      const failure = await faults.beforeSend();
      if (failure) {
        attempts.push({ at: Date.now(), status: failure.status });
        log(`✗ sendMessage to ${String(params.chat_id)} answered ${failure.status} (injected)`);
        if (failure.status === 429) {
          const retryAfter = failure.retryAfterS ?? 1;
          return fail(reply, 429, `Too Many Requests: retry after ${retryAfter}`, {
            parameters: { retry_after: retryAfter },
          });
        }
        return fail(reply, failure.status, 'Internal Server Error');
      }
      if (params.chat_id === undefined) return fail(reply, 400, 'Bad Request: chat_id is empty');
      if (typeof params.text !== 'string' || !params.text.trim()) {
        return fail(reply, 400, 'Bad Request: message text is empty');
      }
      if (params.text.length > 4096) return fail(reply, 400, 'Bad Request: message is too long');
      attempts.push({ at: Date.now(), status: 200 });
      const message = {
        chatId: String(params.chat_id),
        messageId: nextMessageId++,
        text: params.text,
        at: Date.now(),
      };
      sent.push(message);
      log(`→ ${message.chatId}: ${message.text}`);
      return {
        ok: true,
        result: {
          message_id: message.messageId,
          from: { id: Number(token.split(':')[0]), is_bot: true, first_name: 'Omni' },
          chat: { id: Number(params.chat_id), type: 'private' },
          date: Math.floor(Date.now() / 1000),
          text: params.text,
        },
      };
    },
    getUpdates: async (params, reply) => {
      if (webhook) {
        return fail(
          reply,
          409,
          "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
        );
      }
      const offset = Number(params.offset ?? 0);
      // "An update is considered confirmed as soon as getUpdates is called with an offset higher than its update_id."
      while (queued.length > 0 && (queued[0]?.update_id ?? 0) < offset) queued.shift();
      const timeoutMs = Math.min(Number(params.timeout ?? 0), 50) * 1000;
      if (queued.length === 0 && timeoutMs > 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, timeoutMs);
          waiters.add(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      return { ok: true, result: queued.slice(0, Number(params.limit ?? 100)) };
    },
    setWebhook: async (params, reply) => {
      if (typeof params.url !== 'string')
        return fail(reply, 400, 'Bad Request: bad webhook: URL is empty');
      if (!params.url) {
        webhook = undefined;
        return { ok: true, result: true, description: 'Webhook was deleted' };
      }
      webhook = { url: params.url, secret: params.secret_token as string | undefined };
      log(`webhook set to ${params.url}`);
      wake();
      for (const update of queued.splice(0)) {
        const { update_id: _, ...rest } = update;
        await deliver(rest).catch(() => {});
      }
      return { ok: true, result: true, description: 'Webhook was set' };
    },
    deleteWebhook: async () => {
      webhook = undefined;
      log('webhook deleted');
      return { ok: true, result: true, description: 'Webhook was deleted' };
    },
    getWebhookInfo: async () => ({
      ok: true,
      result: {
        url: webhook?.url ?? '',
        has_custom_certificate: false,
        pending_update_count: queued.length,
      },
    }),
  };

  const files = new Map<string, { path: string; bytes: Uint8Array; mimeType?: string }>();
  const fileDownloads: string[] = [];
  methods.getFile = async (params, reply) => {
    const file = files.get(String(params.file_id));
    if (!file) return fail(reply, 400, 'Bad Request: invalid file_id');
    return {
      ok: true,
      result: {
        file_id: params.file_id,
        file_unique_id: `u${params.file_id}`,
        file_size: file.bytes.byteLength,
        file_path: file.path,
      },
    };
  };
  app.get<{ Params: { token: string; '*': string } }>(
    '/file/bot:token/*',
    async (request, reply) => {
      const path = request.params['*'];
      const file = [...files.values()].find((f) => f.path === path);
      if (request.params.token !== token || !file) return fail(reply, 404, 'Not Found');
      fileDownloads.push(path);
      return reply.type('application/octet-stream').send(Buffer.from(file.bytes));
    },
  );

  app.route<{ Params: { token: string; method: string } }>({
    method: ['GET', 'POST'],
    url: '/bot:token/:method',
    handler: async (request, reply) => {
      if (request.params.token !== token) return fail(reply, 401, 'Unauthorized');
      const method = methods[request.params.method];
      if (!method) return fail(reply, 404, 'Not Found');
      calls[request.params.method] = (calls[request.params.method] ?? 0) + 1;
      const params = {
        ...(request.query as Params),
        ...((request.body as Params | undefined) ?? {}),
      };
      return method(params, reply);
    },
  });
  serveSentControl(app, sent, attempts, { calls });
  app.post<{ Body: { chat_id: number; text: string; name?: string } }>(
    '/_sim/inbound',
    async (request) =>
      sim.customerSays(request.body.chat_id, request.body.text, { name: request.body.name }),
  );
  serveFaultControl(app, faults);

  const { url, port } = await listenSim(app, options);

  const sim: TelegramSim = {
    url,
    port,
    token,
    sent,
    attempts,
    calls,
    webhook: () => (webhook ? { ...webhook } : undefined),
    async customerSays(chatId, text, extra = {}) {
      const [first = 'Cliente', ...last] = (extra.name ?? 'Cliente').split(' ');
      const from = {
        id: chatId,
        is_bot: false,
        first_name: first,
        last_name: last.join(' ') || undefined,
        language_code: 'pt-br',
      };
      log(`← ${chatId}: ${text}`);
      return deliver({
        message: {
          message_id: nextMessageId++,
          from,
          chat: { id: chatId, first_name: first, type: 'private' },
          date: Math.floor(Date.now() / 1000),
          text,
        },
      });
    },
    async customerSendsFile(chatId, file) {
      const fileId = `AwACAgQ${files.size + 1}`;
      const folder =
        file.field === 'photo' ? 'photos' : file.field === 'voice' ? 'voice' : 'documents';
      files.set(fileId, {
        path: `${folder}/file_${files.size + 1}.${file.field === 'voice' ? 'oga' : 'bin'}`,
        bytes: file.bytes,
        mimeType: file.mimeType,
      });
      const described = {
        file_id: fileId,
        file_unique_id: `u${fileId}`,
        file_size: file.bytes.byteLength,
        ...(file.mimeType ? { mime_type: file.mimeType } : {}),
        ...(file.fileName ? { file_name: file.fileName } : {}),
        ...(file.field === 'voice' || file.field === 'audio' ? { duration: 4 } : {}),
      };
      log(`← ${chatId}: [${file.field}]`);
      return deliver({
        message: {
          message_id: nextMessageId++,
          from: { id: chatId, is_bot: false, first_name: 'Cliente' },
          chat: { id: chatId, first_name: 'Cliente', type: 'private' },
          date: Math.floor(Date.now() / 1000),
          [file.field]:
            file.field === 'photo'
              ? [
                  { ...described, width: 90, height: 90 },
                  { ...described, width: 1280, height: 1280 },
                ]
              : described,
          ...(file.caption ? { caption: file.caption } : {}),
        },
      });
    },
    fileDownloads,
    deliver,
    faults: (next) => faults.set(next),
    waitForSent: (count, timeoutMs) => waitForSends(sent, count, timeoutMs),
    async close() {
      wake();
      await app.close();
    },
  };
  return sim;
}
