/**
 * The dashboard's reads (issue 7): the inbox (`GET /api/v1/inbox`), the overview's numbers
 * (`GET /api/v1/stats/overview`) and the settings in force with their source
 * (`GET /api/v1/settings/effective`, secrets only as set/unset). The users page uses
 * routes/users.ts (admins only).
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Config } from '../../config/index.ts';
import { effectiveSettings, INBOX_FILTERS, listInbox, overviewStats } from '../../inbox/index.ts';
import type { Db } from '../../storage/index.ts';
import { getTenant } from '../../tenancy/index.ts';
import { callerTenant } from '../auth.ts';

export function inboxRoutes(app: FastifyInstance, db: Db, config: Config): void {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.get(
    '/api/v1/inbox',
    {
      schema: {
        tags: ['dashboard'],
        summary: 'Conversations for operators: contact, last message, owner, waiting time',
        querystring: z.object({
          filter: z.enum(INBOX_FILTERS).default('all'),
          q: z.string().max(200).optional(),
          limit: z.coerce.number().int().min(1).max(500).default(100),
        }),
      },
    },
    async (request) => ({
      conversations: await listInbox(db, {
        tenantId: callerTenant(request),
        filter: request.query.filter,
        search: request.query.q,
        limit: request.query.limit,
      }),
    }),
  );

  api.get(
    '/api/v1/stats/overview',
    {
      schema: {
        tags: ['dashboard'],
        summary: 'Traffic, first-reply time, handoff/error rates, AI cost today, backlog, DLQ',
        querystring: z.object({ hours: z.coerce.number().int().min(1).max(168).default(24) }),
      },
    },
    async (request) =>
      overviewStats(db, { tenantId: callerTenant(request), hours: request.query.hours }),
  );

  const source = z.enum(['tenant', 'environment', 'default']);
  api.get(
    '/api/v1/settings/effective',
    {
      schema: {
        tags: ['dashboard'],
        summary:
          'The settings in force for the tenant and where each comes from; secrets as set/unset',
        response: {
          200: z.object({
            settings: z.record(z.string(), z.object({ value: z.unknown(), source })),
            secrets: z.record(z.string(), z.object({ set: z.boolean(), source })),
          }),
        },
      },
    },
    async (request) =>
      effectiveSettings(config, (await getTenant(db, callerTenant(request))).settings),
  );
}
