/**
 * Dashboard users of the caller's tenant (SPEC §9): list, create, disable, set a new password.
 * Admins only; every change is in the audit log (tenancy/users.ts records it).
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../storage/index.ts';
import {
  createUser,
  disableUser,
  getUser,
  listUsers,
  MIN_PASSWORD_LENGTH,
  resetPassword,
  USER_ROLES,
  userView,
} from '../../tenancy/index.ts';
import { callerActor, callerTenant } from '../auth.ts';
import { HttpError } from '../errors.ts';

const userSchema = z.object({
  id: z.string(),
  tenant_id: z.string(),
  email: z.string(),
  full_name: z.string(),
  role: z.enum(USER_ROLES),
  disabled_at: z.string().nullable(),
  last_login_at: z.string().nullable(),
  created_at: z.string(),
});

const userCreate = z.object({
  email: z.email().max(320),
  full_name: z.string().trim().min(1).max(200),
  role: z.enum(USER_ROLES),
  password: z.string().min(MIN_PASSWORD_LENGTH).max(1024),
});

export function userRoutes(app: FastifyInstance, db: Db): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const admin = { permission: 'admin' as const };
  api.get(
    '/api/v1/users',
    {
      config: admin,
      schema: {
        tags: ['users'],
        summary: 'List dashboard users',
        response: { 200: z.object({ users: z.array(userSchema) }) },
      },
    },
    async (request) => ({ users: (await listUsers(db, callerTenant(request))).map(userView) }),
  );
  api.post(
    '/api/v1/users',
    {
      config: admin,
      schema: {
        tags: ['users'],
        summary: 'Create a dashboard user',
        body: userCreate,
        response: { 201: userSchema },
      },
    },
    async (request, reply) => {
      const { email, full_name, role, password } = request.body;
      const user = await createUser(
        db,
        { tenantId: callerTenant(request), email, fullName: full_name, role, password },
        callerActor(request),
      );
      return reply.status(201).send(userView(user));
    },
  );
  api.delete(
    '/api/v1/users/:id',
    {
      config: admin,
      schema: {
        tags: ['users'],
        summary: 'Disable a dashboard user and end their sessions',
        params: z.object({ id: z.uuid() }),
        response: { 200: userSchema },
      },
    },
    async (request) => {
      const user = await ownUser(request.params.id, callerTenant(request));
      return userView(await disableUser(db, user.id, callerActor(request)));
    },
  );
  api.post(
    '/api/v1/users/:id/password',
    {
      config: admin,
      schema: {
        tags: ['users'],
        summary: 'Set a new password for a dashboard user and end their sessions',
        params: z.object({ id: z.uuid() }),
        body: z.object({ password: z.string().min(MIN_PASSWORD_LENGTH).max(1024) }),
        response: { 200: userSchema },
      },
    },
    async (request) => {
      const user = await ownUser(request.params.id, callerTenant(request));
      return userView(
        await resetPassword(db, user.id, request.body.password, callerActor(request)),
      );
    },
  );

  async function ownUser(id: string, tenantId: string) {
    const user = await getUser(db, id).catch(() => undefined);
    if (!user || user.tenantId !== tenantId)
      throw new HttpError(404, 'not_found', `No user "${id}".`);
    return user;
  }
}
