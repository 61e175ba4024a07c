/**
 * Web chat (SPEC §6.4): `/widget.js` (the embeddable widget), `/demo` (a page to chat with a
 * tenant's bot, the demo tenant by default) and `GET /webchat/{tenant}` (the widget's WebSocket,
 * protocol in src/channels/webchat/protocol.ts). A visitor's message goes through the pipeline's
 * ingest like any channel's; replies reach the socket through the message events every process
 * announces (src/pipeline/events.ts), so they arrive whichever process dispatched them.
 */
import { readFile } from 'node:fs/promises';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { WebSocket } from 'ws';
import { z } from 'zod';
import {
  type ClientFrame,
  clientFrameSchema,
  createWebchatHub,
  latestConversation,
  type ServerFrame,
  type VisitorSocket,
  visibleMessage,
  visitorContactId,
  visitorHistory,
  visitorMessageId,
  WEBCHAT_CHANNEL,
} from '../../channels/index.ts';
import { subscribeConversationEvents, subscribeMessageEvents } from '../../pipeline/index.ts';
import type { Runtime } from '../../runtime/index.ts';
import { DEMO_TENANT_SLUG, findTenant, type Tenant } from '../../tenancy/index.ts';
import { NOT_BUILT, WIDGET_FILE, webAssetsBuilt } from '../web-assets.ts';

/** Keeps idle sockets alive through proxies that drop silent connections after a minute. */
const PING_INTERVAL_MS = 25_000;
/** A visitor may send this many messages per window; more get `too_fast` (a person types slower). */
const BURST_MESSAGES = 10;
const BURST_WINDOW_MS = 10_000;
/** WebSocket close codes in the application range (4000–4999), read by the widget. */
const CLOSE_UNKNOWN_TENANT = 4404;
const CLOSE_ORIGIN = 4403;

const SLUG = /^[a-z0-9][a-z0-9-]{0,99}$/;

export async function webchatRoutes(app: FastifyInstance, runtime: Runtime): Promise<void> {
  const { db } = runtime.database;
  const hub = createWebchatHub(db);
  const pushFailed = (error: unknown) =>
    runtime.logger.warn({ err: error }, 'web chat push failed');
  const stops = await Promise.all([
    subscribeMessageEvents(runtime.database, (events) => {
      hub.handle(events).catch(pushFailed);
    }),
    subscribeConversationEvents(runtime.database, (event) => {
      hub.handleConversation(event).catch(pushFailed);
    }),
  ]);
  app.addHook('onClose', async () => {
    await Promise.all(stops.map((stop) => stop()));
  });
  if (!webAssetsBuilt()) runtime.logger.warn(NOT_BUILT);

  const api = app.withTypeProvider<ZodTypeProvider>();

  api.get('/widget.js', { schema: { hide: true } }, async (_request, reply) => {
    const script = await readFile(WIDGET_FILE, 'utf8').catch(() => undefined);
    if (script === undefined) return reply.status(503).type('text/plain').send(NOT_BUILT);
    return (
      reply
        .type('application/javascript; charset=utf-8')
        .header('cache-control', 'public, max-age=300')
        // The widget is embedded in other sites' pages; helmet's default would block it there.
        .header('cross-origin-resource-policy', 'cross-origin')
        .send(script)
    );
  });

  api.get(
    '/demo',
    {
      schema: {
        hide: true,
        querystring: z.object({ tenant: z.string().regex(SLUG).default(DEMO_TENANT_SLUG) }),
      },
    },
    async (request, reply) => {
      const tenant = await findTenant(db, request.query.tenant).catch(() => undefined);
      return reply
        .type('text/html; charset=utf-8')
        .send(
          demoPage(
            request.query.tenant,
            demoLanguage(tenant?.settings.language, request.headers['accept-language']),
            `${request.protocol}://${request.host}`,
          ),
        );
    },
  );

  api.get(
    '/webchat/:tenant',
    {
      websocket: true,
      schema: { hide: true, params: z.object({ tenant: z.string().min(1).max(100) }) },
    },
    (socket, request) => {
      const visitor: VisitorSocket = {
        send: (frame: ServerFrame) => {
          if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(frame));
        },
      };
      const session = openSession(runtime, hub, socket, visitor, request);
      // Frames are handled one at a time, in order, so a message never overtakes the hello.
      let queue = session.ready;
      socket.on('message', (data) => {
        queue = queue.then(() => session.receive(String(data)));
      });
      const ping = setInterval(() => socket.ping(), PING_INTERVAL_MS);
      socket.on('close', () => {
        clearInterval(ping);
        hub.leave(visitor);
      });
    },
  );
}

interface Session {
  ready: Promise<void>;
  receive(data: string): Promise<void>;
}

function openSession(
  runtime: Runtime,
  hub: ReturnType<typeof createWebchatHub>,
  socket: WebSocket,
  visitor: VisitorSocket,
  request: FastifyRequest,
): Session {
  const { db } = runtime.database;
  const log = request.log;
  const slug = (request.params as { tenant: string }).tenant;
  let tenant: Tenant | undefined;
  let contactId: string | undefined;
  let name: string | undefined;
  let sentAt: number[] = [];

  const ready = findTenant(db, slug).then(
    (found) => {
      // Tenant setting `webchat_enabled: false` closes the chat (any tenant has one otherwise).
      if (!found || found.settings.webchat_enabled === false) {
        visitor.send({ type: 'error', code: 'unknown_tenant', message: `No tenant "${slug}".` });
        socket.close(CLOSE_UNKNOWN_TENANT, 'unknown tenant');
        return;
      }
      if (!originAllowed(found, request.headers.origin)) {
        visitor.send({
          type: 'error',
          code: 'origin_not_allowed',
          message: 'This site may not embed the chat.',
        });
        socket.close(CLOSE_ORIGIN, 'origin not allowed');
        return;
      }
      tenant = found;
    },
    (error) => {
      log.warn({ err: error }, 'web chat: tenant lookup failed');
      visitor.send({ type: 'error', code: 'unavailable', message: 'Try again in a moment.' });
      socket.close(1011, 'unavailable');
    },
  );

  const hello = async (frame: Extract<ClientFrame, { type: 'hello' }>, current: Tenant) => {
    contactId = visitorContactId(frame.visitor);
    name = frame.name || undefined;
    hub.join(visitor, current.id, contactId);
    const conversation = await latestConversation(db, current.id, contactId);
    if (conversation) hub.link(conversation.id, current.id, contactId);
    visitor.send({
      type: 'ready',
      history: await visitorHistory(db, current.id, contactId),
      typing: conversation?.typing ?? false,
      state: conversation?.state ?? 'bot',
      ...(typeof current.settings.language === 'string'
        ? { language: current.settings.language }
        : {}),
    });
  };

  const message = async (frame: Extract<ClientFrame, { type: 'message' }>, current: Tenant) => {
    if (!contactId) {
      visitor.send({ type: 'error', code: 'not_ready', message: 'Send hello first.' });
      return;
    }
    const now = Date.now();
    sentAt = sentAt.filter((at) => now - at < BURST_WINDOW_MS);
    if (sentAt.length >= BURST_MESSAGES) {
      visitor.send({ type: 'error', code: 'too_fast', message: 'Too many messages; slow down.' });
      return;
    }
    sentAt.push(now);
    const result = await runtime.pipeline.ingest({
      tenantId: current.id,
      channel: WEBCHAT_CHANNEL,
      contact: { externalId: contactId, name },
      externalId: visitorMessageId(contactId, frame.client_id),
      text: frame.text,
      content: { webchat_client_id: frame.client_id },
    });
    hub.link(result.conversationId, current.id, contactId);
    const stored = await visibleMessage(db, result.messageId);
    if (stored) visitor.send({ type: 'message', message: stored });
  };

  return {
    ready,
    async receive(data) {
      if (!tenant) return;
      let frame: ClientFrame;
      try {
        const parsed = clientFrameSchema.safeParse(JSON.parse(data));
        if (!parsed.success) throw parsed.error;
        frame = parsed.data;
      } catch {
        visitor.send({ type: 'error', code: 'invalid_frame', message: 'Unreadable frame.' });
        return;
      }
      try {
        if (frame.type === 'hello') await hello(frame, tenant);
        else await message(frame, tenant);
      } catch (error) {
        // The widget keeps an unacknowledged message and sends it again after reconnecting.
        log.warn({ err: error, tenant_id: tenant.id }, 'web chat frame failed');
        visitor.send({ type: 'error', code: 'unavailable', message: 'Try again in a moment.' });
      }
    },
  };
}

/** Tenant setting `webchat_origins` (a list of https://site origins) limits where it is embedded. */
function originAllowed(tenant: Tenant, origin: string | undefined): boolean {
  const allowed = tenant.settings.webchat_origins;
  if (!Array.isArray(allowed) || allowed.length === 0) return true;
  return origin !== undefined && allowed.includes(origin);
}

/**
 * The demo speaks as the bot does: the tenant's `language` setting; without one, the visitor's
 * first language Omni speaks in Accept-Language (by its q order); Portuguese otherwise.
 */
export function demoLanguage(
  tenantLanguage: unknown,
  acceptLanguage: string | undefined,
): 'pt-BR' | 'en' {
  if (typeof tenantLanguage === 'string' && tenantLanguage.trim()) {
    return tenantLanguage.toLowerCase().startsWith('en') ? 'en' : 'pt-BR';
  }
  const wanted = (acceptLanguage ?? '')
    .split(',')
    .map((part) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => /^\s*q=([\d.]+)/.exec(p)?.[1]).find(Boolean);
      return { tag: tag.toLowerCase(), q: q === undefined ? 1 : Number(q) };
    })
    .filter((entry) => entry.q > 0)
    .sort((a, b) => b.q - a.q);
  for (const { tag } of wanted) {
    if (tag.startsWith('pt')) return 'pt-BR';
    if (tag.startsWith('en')) return 'en';
  }
  return 'pt-BR';
}

const DEMO_STRINGS = {
  en: {
    lang: 'en',
    title: 'Omni — web chat demo',
    heading: 'Chat with the bot',
    intro:
      'This page embeds the Omni web chat widget. Write to the bot in the chat window; the conversation also shows up in the dashboard, where an operator can take it over.',
    embed: 'To put the chat on your own site, add this line to its pages:',
    dashboard: 'Open the dashboard',
  },
  'pt-BR': {
    lang: 'pt-BR',
    title: 'Omni — demonstração do chat',
    heading: 'Converse com o bot',
    intro:
      'Esta página incorpora o widget de chat do Omni. Escreva para o bot na janela do chat; a conversa também aparece no painel, onde um atendente pode assumi-la.',
    embed: 'Para colocar o chat no seu site, adicione esta linha às páginas:',
    dashboard: 'Abrir o painel',
  },
} as const;

function demoPage(tenant: string, language: 'pt-BR' | 'en', origin: string): string {
  const t = DEMO_STRINGS[language];
  const snippet = `<script src="${origin}/widget.js" data-tenant="${tenant}" async></script>`;
  return `<!doctype html>
<html lang="${t.lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="/favicon.ico">
<title>${t.title}</title>
<style>
  body { font: 16px/1.5 system-ui, sans-serif; margin: 0; padding: 2rem; color: #1f2933; background: #f5f7fa; }
  main { max-width: 40rem; }
  code { display: block; padding: .75rem; background: #fff; border: 1px solid #d9e2ec; border-radius: 6px; overflow-x: auto; font-size: .85rem; }
</style>
</head>
<body>
<main>
  <h1>${t.heading}</h1>
  <p>${t.intro}</p>
  <p>${t.embed}</p>
  <code>${escapeHtml(snippet)}</code>
  <p><a href="/">${t.dashboard}</a></p>
</main>
<script src="/widget.js" data-tenant="${tenant}" data-open="true" data-lang="${t.lang}"></script>
</body>
</html>
`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
}
