/** The audit log of the caller's tenant (SPEC §9): who did what, when, from where. Admins only. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../storage/index.ts';
import { listAudit } from '../../tenancy/index.ts';
import { callerTenant } from '../auth.ts';

const record = z.object({
  id: z.number(),
  tenant_id: z.string().nullable(),
  actor_type: z.string(),
  actor_id: z.string().nullable(),
  action: z.string(),
  target_type: z.string().nullable(),
  target_id: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
  ip: z.string().nullable(),
  created_at: z.string(),
});

export function auditRoutes(app: FastifyInstance, db: Db): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/api/v1/audit',
    {
      config: { permission: 'admin' },
      schema: {
        tags: ['audit'],
        summary: 'The audit log, newest first (page with ?before=<id>)',
        querystring: z.object({
          limit: z.coerce.number().int().min(1).max(500).default(100),
          before: z.coerce.number().int().positive().optional(),
          action: z.string().trim().min(1).max(100).optional(),
        }),
        response: { 200: z.object({ entries: z.array(record) }) },
      },
    },
    async (request) => ({
      entries: await listAudit(db, { tenantId: callerTenant(request), ...request.query }),
    }),
  );
}
