/**
 * `GET /api/v1/events` (WebSocket): the dashboard's live feed. Authenticated like the rest of the
 * tenant API (the session cookie, or an API key); frames carry only ids and what changed, and the
 * dashboard reads what it needs through the API. Events come from every process through the
 * database's notifications (src/pipeline/events.ts), so a reply a worker sent elsewhere or a
 * handoff another API process made shows up here too.
 *   { "type": "message", "conversation_id", "message_id", "state" }
 *   { "type": "conversation", "conversation_id", "change" }   (requested|taken|released|resolved)
 */
import type { FastifyInstance } from 'fastify';
import type { WebSocket } from 'ws';
import { subscribeConversationEvents, subscribeMessageEvents } from '../../pipeline/index.ts';
import type { Runtime } from '../../runtime/index.ts';
import { authenticateSession } from '../../tenancy/index.ts';
import { callerTenant, SESSION_COOKIE } from '../auth.ts';

/** A session ended elsewhere (logout, lockdown, disabled user) closes its feed within this. */
const SESSION_RECHECK_MS = 60_000;
const PING_INTERVAL_MS = 25_000;
/** Policy violation: the credential that opened the socket is no longer valid. */
const CLOSE_SESSION_ENDED = 4401;

export async function eventRoutes(app: FastifyInstance, runtime: Runtime): Promise<void> {
  const { db } = runtime.database;
  const feeds = new Map<WebSocket, string>();
  const send = (tenantId: string, frame: Record<string, unknown>) => {
    const text = JSON.stringify(frame);
    for (const [socket, tenant] of feeds) {
      if (tenant === tenantId && socket.readyState === socket.OPEN) socket.send(text);
    }
  };
  const stops = await Promise.all([
    subscribeMessageEvents(runtime.database, (events) => {
      for (const e of events) {
        send(e.tenantId, {
          type: 'message',
          conversation_id: e.conversationId,
          message_id: e.messageId,
          state: e.state,
        });
      }
    }),
    subscribeConversationEvents(runtime.database, (e) =>
      send(e.tenantId, {
        type: 'conversation',
        conversation_id: e.conversationId,
        change: e.change,
      }),
    ),
  ]);
  app.addHook('onClose', async () => {
    await Promise.all(stops.map((stop) => stop()));
  });

  app.get(
    '/api/v1/events',
    { websocket: true, schema: { hide: true } },
    (socket: WebSocket, request) => {
      // A browser sends cookies with a WebSocket handshake from any page: only our own pages may open it.
      if (!sameOrigin(request.headers.origin, request.host)) {
        socket.close(4403, 'origin not allowed');
        return;
      }
      feeds.set(socket, callerTenant(request));
      socket.send(JSON.stringify({ type: 'hello' }));
      const cookie = request.session ? request.cookies[SESSION_COOKIE] : undefined;
      const recheck = setInterval(() => {
        if (!cookie) return;
        authenticateSession(db, cookie)
          .then((result) => {
            if (!result.ok) socket.close(CLOSE_SESSION_ENDED, 'session ended');
          })
          .catch(() => {});
      }, SESSION_RECHECK_MS);
      const ping = setInterval(() => socket.ping(), PING_INTERVAL_MS);
      socket.on('close', () => {
        clearInterval(recheck);
        clearInterval(ping);
        feeds.delete(socket);
      });
    },
  );
}

/** No Origin header: not a browser (scripts with an API key). A browser's must be this server. */
function sameOrigin(origin: string | undefined, host: string): boolean {
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}
