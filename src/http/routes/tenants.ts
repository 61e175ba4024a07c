/** Tenant settings (SPEC §6.8), also under the runbooks' `/api/companies/{id}`. A key sees only its own tenant. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../storage/index.ts';
import { getTenant, type Tenant, tenantView, updateTenant } from '../../tenancy/index.ts';
import { callerActor, callerTenant } from '../auth.ts';
import { HttpError } from '../errors.ts';

const tenantSchema = z.object({
  id: z.string(),
  slug: z.string(),
  name: z.string(),
  settings: z.record(z.string(), z.unknown()),
  created_at: z.string(),
  updated_at: z.string(),
});

const tenantUpdate = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    language: z.string().min(2).max(35).optional(),
    custom_instructions: z.string().max(8000).nullable().optional(),
    settings: z
      .object({
        language: z.string().min(2).max(35).optional(),
        custom_instructions: z.string().max(8000).nullable().optional(),
        maintenance_message: z.string().trim().min(1).max(2000).nullable().optional(),
        /** The holding message sent once per model outage (default: a translated one). */
        outage_message: z.string().trim().min(1).max(2000).nullable().optional(),
        escalation: z
          .object({
            min_confidence: z.number().min(0).max(1).optional(),
            max_interactions: z.number().int().positive().max(100).optional(),
            /** Call a person when every LLM provider fails (default: the turn waits for them). */
            on_provider_failure: z.boolean().optional(),
          })
          .strict()
          .nullable()
          .optional(),
        canned_responses: z.record(z.string(), z.string().max(2000)).nullable().optional(),
      })
      // Settings of other parts (channels, providers, agents) are theirs to check.
      .catchall(z.unknown())
      .optional(),
  })
  .strict();

const params = z.object({ id: z.string().min(1).max(100) });

/** Resolves `{id}` (id or slug) to the caller's own tenant, or 404 — never another tenant. */
async function ownTenant(db: Db, callerTenantId: string, idOrSlug: string): Promise<Tenant> {
  const tenant = await getTenant(db, callerTenantId);
  if (idOrSlug !== tenant.id && idOrSlug.toLowerCase() !== tenant.slug) {
    throw new HttpError(404, 'not_found', `No tenant "${idOrSlug}".`);
  }
  return tenant;
}

export function tenantRoutes(app: FastifyInstance, db: Db): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  api.get(
    '/api/v1/tenants',
    {
      schema: {
        tags: ['tenants'],
        summary:
          'The tenants this credential can see (its own); operators create tenants with omni tenant create',
        response: { 200: z.object({ tenants: z.array(tenantSchema) }) },
      },
    },
    async (request) => ({ tenants: [tenantView(await getTenant(db, callerTenant(request)))] }),
  );
  for (const url of ['/api/v1/tenants/:id', '/api/companies/:id']) {
    const hide = url.startsWith('/api/companies');
    api.get(
      url,
      {
        schema: {
          hide,
          tags: ['tenants'],
          summary: 'Read a tenant and its settings',
          params,
          response: { 200: tenantSchema },
        },
      },
      async (request) => tenantView(await ownTenant(db, callerTenant(request), request.params.id)),
    );
    api.put(
      url,
      {
        config: { permission: 'admin' },
        schema: {
          hide,
          tags: ['tenants'],
          summary: 'Change a tenant’s name and settings (merged; null removes a setting)',
          params,
          body: tenantUpdate,
          response: { 200: tenantSchema },
        },
      },
      async (request) => {
        const tenant = await ownTenant(db, callerTenant(request), request.params.id);
        const { name, settings, ...named } = request.body;
        const updated = await updateTenant(
          db,
          tenant.id,
          { name, settings: { ...settings, ...named } },
          callerActor(request),
        );
        return tenantView(updated);
      },
    );
  }
}
