/** API keys of the caller's tenant (SPEC §6.8, seed 002's `/api/keys`). Admin keys only. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../storage/index.ts';
import {
  API_KEY_PERMISSIONS,
  apiKeyView,
  createApiKey,
  findTenant,
  listApiKeys,
  revokeApiKey,
} from '../../tenancy/index.ts';
import { callerActor, callerTenant } from '../auth.ts';
import { HttpError } from '../errors.ts';

const keySchema = z.object({
  id: z.string(),
  tenant_id: z.string(),
  name: z.string(),
  prefix: z.string(),
  permissions: z.array(z.enum(API_KEY_PERMISSIONS)),
  created_at: z.string(),
  last_used_at: z.string().nullable(),
  revoked_at: z.string().nullable(),
});

const keyCreate = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    permissions: z.array(z.enum(API_KEY_PERMISSIONS)).min(1).optional(),
    /** Accepted for seed 002's scripts; must name the caller's own tenant. */
    company_id: z.string().optional(),
    tenant_id: z.string().optional(),
  })
  .strict();

export function keyRoutes(app: FastifyInstance, db: Db): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const admin = { permission: 'admin' as const };
  for (const base of ['/api/v1/keys', '/api/keys']) {
    const hide = base === '/api/keys';
    api.get(
      base,
      {
        config: admin,
        schema: {
          hide,
          tags: ['keys'],
          summary: 'List API keys',
          response: { 200: z.object({ keys: z.array(keySchema) }) },
        },
      },
      async (request) => ({ keys: (await listApiKeys(db, callerTenant(request))).map(apiKeyView) }),
    );
    api.post(
      base,
      {
        config: admin,
        schema: {
          hide,
          tags: ['keys'],
          summary: 'Create an API key; the key is in this answer only',
          body: keyCreate,
          response: { 201: keySchema.extend({ key: z.string() }) },
        },
      },
      async (request, reply) => {
        const tenantId = callerTenant(request);
        const named = request.body.tenant_id ?? request.body.company_id;
        if (named) {
          const tenant = await findTenant(db, named);
          if (tenant?.id !== tenantId)
            throw new HttpError(404, 'not_found', `No tenant "${named}".`);
        }
        const { key, info } = await createApiKey(
          db,
          { tenantId, name: request.body.name, permissions: request.body.permissions },
          callerActor(request),
        );
        return reply.status(201).send({ ...apiKeyView(info), key });
      },
    );
    api.delete(
      `${base}/:id`,
      {
        config: admin,
        schema: {
          hide,
          tags: ['keys'],
          summary: 'Revoke an API key',
          params: z.object({ id: z.uuid() }),
          response: { 200: keySchema },
        },
      },
      async (request) =>
        apiKeyView(
          await revokeApiKey(db, request.params.id, callerActor(request), callerTenant(request)),
        ),
    );
  }
}
