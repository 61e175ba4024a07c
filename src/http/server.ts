/**
 * The HTTP edge: Fastify with request ids, body limits, the error format, metrics per route, the
 * health family, and the tenant API behind API keys. Routes translate HTTP to domain calls and back.
 */
import { randomUUID } from 'node:crypto';
import cookie from '@fastify/cookie';
import helmet from '@fastify/helmet';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import websocket from '@fastify/websocket';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
} from 'fastify-type-provider-zod';
import { VERSION } from '../observability/index.ts';
import type { Runtime } from '../runtime/index.ts';
import type { ApiKeyPermission } from '../tenancy/index.ts';
import { requireCaller } from './auth.ts';
import { answerFrameworkError, installErrorHandling } from './errors.ts';
import { refuseNulCharacters } from './input.ts';
import { admitAdminsDuringMaintenance, refuseDuringMaintenance } from './maintenance.ts';
import { installRateLimits, limitTenantApi } from './rate-limit.ts';
import { auditRoutes } from './routes/audit.ts';
import { authRoutes } from './routes/auth.ts';
import { chatwootWebhookRoutes } from './routes/chatwoot-webhook.ts';
import { conversationRoutes } from './routes/conversations.ts';
import { dashboardRoutes } from './routes/dashboard.ts';
import { deadLetterRoutes } from './routes/dlq.ts';
import { emailWebhookRoutes } from './routes/email-webhook.ts';
import { evalRoutes } from './routes/evals.ts';
import { eventRoutes } from './routes/events.ts';
import { evolutionWebhookRoutes } from './routes/evolution-webhook.ts';
import { handoffRoutes } from './routes/handoff.ts';
import { HEALTH_PATHS, healthRoutes, type Lifecycle } from './routes/health.ts';
import { inboxRoutes } from './routes/inbox.ts';
import { knowledgeRoutes } from './routes/kb.ts';
import { keyRoutes } from './routes/keys.ts';
import { llmHealthRoutes } from './routes/llm-health.ts';
import { mediaRoutes } from './routes/media.ts';
import { messageRoutes } from './routes/messages.ts';
import { METRICS_PATHS, metricsRoutes, PERFORMANCE_PATHS } from './routes/metrics.ts';
import { telegramWebhookRoutes } from './routes/telegram-webhook.ts';
import { tenantRoutes } from './routes/tenants.ts';
import { userRoutes } from './routes/users.ts';
import { webchatRoutes } from './routes/webchat.ts';
import { whatsappCloudWebhookRoutes } from './routes/whatsapp-cloud-webhook.ts';

/** A caller's X-Request-Id is kept when it is short and plain, so it can't forge log lines. */
const SAFE_REQUEST_ID = /^[\w.:-]{1,128}$/;

const QUIET_PATHS = new Set([
  ...HEALTH_PATHS,
  ...METRICS_PATHS,
  ...PERFORMANCE_PATHS,
  '/health/db',
  '/health/redis',
  '/health/llm',
  '/readyz',
]);

export interface RouteInventoryEntry {
  method: string;
  url: string;
  /** Behind API keys and sessions. */
  tenantApi: boolean;
  public: boolean;
  /** A WebSocket endpoint (a plain HTTP request to it is not an API call). */
  websocket: boolean;
  permission?: ApiKeyPermission;
  /** The largest body it takes (BODY_LIMIT_BYTES unless the route needs more, as e-mail does). */
  bodyLimit: number;
}

export interface OmniServer {
  app: FastifyInstance;
  lifecycle: Lifecycle;
  /** Every route, as registered (the isolation and fuzz tests walk them all). */
  routes: ReadonlyArray<RouteInventoryEntry>;
}

export async function buildServer(runtime: Runtime): Promise<OmniServer> {
  const { config } = runtime;
  const lifecycle: Lifecycle = { draining: false };
  const app = Fastify({
    loggerInstance: runtime.logger as FastifyBaseLogger,
    bodyLimit: config.BODY_LIMIT_BYTES,
    requestTimeout: Math.round(config.REQUEST_TIMEOUT * 1000),
    requestIdHeader: false,
    logController: new LogController({
      requestIdLogLabel: 'request_id',
      // Fastify's own pair of lines per request (incoming, completed) is replaced by one line
      // written when the answer is sent (the onResponse hook below).
      disableRequestLogging: true,
    }),
    genReqId: (request) => {
      const offered = request.headers['x-request-id'];
      return typeof offered === 'string' && SAFE_REQUEST_ID.test(offered) ? offered : randomUUID();
    },
    // Keep-alive sockets would hold shutdown open until they time out.
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    frameworkErrors: answerFrameworkError,
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandling(app);
  refuseNulCharacters(app);

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  app.addHook('onResponse', async (request, reply) => {
    const labels = {
      method: request.method,
      route: request.routeOptions.url ?? 'unmatched',
      status: String(reply.statusCode),
    };
    runtime.metrics.httpRequests.inc(labels);
    runtime.metrics.httpDuration.observe(labels, reply.elapsedTime / 1000);
    // One line per request. Probes and scrapes every few seconds would drown the lines that
    // matter. The key is the header's own name: seed 004 §10.1 runs `grep User-Agent`.
    if (QUIET_PATHS.has(request.url.split('?')[0] ?? '')) return;
    request.log.info(
      {
        method: request.method,
        url: request.url,
        status: reply.statusCode,
        duration_ms: Math.round(reply.elapsedTime),
        'User-Agent': request.headers['user-agent'],
      },
      'request',
    );
  });

  // Security headers on every answer. No CSP yet: every answer is JSON except /docs, whose page
  // needs inline scripts; the dashboard will bring a policy of its own.
  await app.register(helmet, { contentSecurityPolicy: false });
  await app.register(cookie);
  installRateLimits(app, runtime);
  await app.register(swagger, {
    openapi: {
      info: { title: 'Omni API', version: VERSION },
      components: {
        securitySchemes: {
          apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
          bearer: { type: 'http', scheme: 'bearer' },
        },
      },
      security: [{ apiKey: [] }, { bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  const routes: Array<Omit<RouteInventoryEntry, 'tenantApi'>> = [];
  const tenantApiUrls = new Set<string>();
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      routes.push({
        method,
        url: route.url,
        public: route.config?.public ?? false,
        websocket: Boolean(route.websocket),
        permission: route.config?.permission,
        bodyLimit: route.bodyLimit ?? config.BODY_LIMIT_BYTES,
      });
    }
  });
  refuseDuringMaintenance(app, runtime, {
    paths: QUIET_PATHS,
    isTenantApi: (request) => tenantApiUrls.has(request.routeOptions.url ?? ''),
  });
  healthRoutes(app, runtime, lifecycle);
  llmHealthRoutes(app, runtime);
  metricsRoutes(app, runtime);
  emailWebhookRoutes(app, runtime);
  chatwootWebhookRoutes(app, runtime);
  evolutionWebhookRoutes(app, runtime);
  telegramWebhookRoutes(app, runtime);
  whatsappCloudWebhookRoutes(app, runtime);
  // Frames are small JSON (a chat message, a subscription); anything larger is refused.
  await app.register(websocket, { options: { maxPayload: 64 * 1024 } });
  await webchatRoutes(app, runtime);
  await dashboardRoutes(app);
  await app.register(async (tenantApi) => {
    tenantApi.addHook('onRoute', (route) => {
      tenantApiUrls.add(route.url);
    });
    limitTenantApi(tenantApi, runtime);
    requireCaller(tenantApi, runtime.database.db);
    admitAdminsDuringMaintenance(tenantApi, runtime);
    authRoutes(tenantApi, runtime.database.db, runtime.config);
    userRoutes(tenantApi, runtime.database.db);
    auditRoutes(tenantApi, runtime.database.db);
    tenantRoutes(tenantApi, runtime.database.db);
    keyRoutes(tenantApi, runtime.database.db);
    messageRoutes(tenantApi, runtime.database.db, runtime.pipeline);
    conversationRoutes(tenantApi, runtime.database.db);
    mediaRoutes(tenantApi, runtime.database.db, runtime.media.store);
    knowledgeRoutes(tenantApi, runtime.database.db);
    handoffRoutes(tenantApi, runtime);
    inboxRoutes(tenantApi, runtime.database.db, runtime.config);
    evalRoutes(tenantApi, runtime.database.db);
    await eventRoutes(tenantApi, runtime);
    deadLetterRoutes(tenantApi, runtime.pipeline);
  });
  return {
    app,
    lifecycle,
    routes: routes.map((route) => ({ ...route, tenantApi: tenantApiUrls.has(route.url) })),
  };
}
