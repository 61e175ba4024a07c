/**
 * Acceptance 1 of issue 8: every tenant-API route, walked from Fastify's own route list (so routes
 * added later are covered without editing this file), with tenant A's keys against tenant B's ids.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer, type OmniServer } from '../../src/http/index.ts';
import { openTestRuntime, type TestRuntime } from '../support/runtime.ts';
import { BACKENDS } from '../support/services.ts';
import { B_MARKERS, idsOwnedBy, type SeededTenants, seedTwoTenants, snapshotOf } from './seed.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * A body each write route on an id accepts, so that a cross-tenant write is refused by the tenant
 * check and not by validation. A new write route must be added here (the walk fails until it is).
 */
const VALID_BODIES: Record<string, object | undefined> = {
  'DELETE /api/v1/users/:id': undefined,
  'POST /api/v1/users/:id/password': { password: 'a long enough new password' },
  'PUT /api/v1/tenants/:id': { name: 'Taken over', settings: { language: 'en' } },
  'PUT /api/companies/:id': { name: 'Taken over', settings: { language: 'en' } },
  'DELETE /api/v1/keys/:id': undefined,
  'DELETE /api/keys/:id': undefined,
  'DELETE /api/v1/kb/documents/:id': undefined,
  'POST /api/v1/conversations/:id/handoff': { reason: 'cross-tenant probe' },
  'POST /api/v1/conversations/:id/release': {},
  'POST /api/v1/conversations/:id/resolve': {},
  'POST /api/v1/conversations/:id/messages': { text: 'cross-tenant probe' },
  'POST /api/v1/dlq/:id/replay': {},
};

/** `/api/v1/conversations/:id/takeover` with every `:param` set to `value`. */
function fill(url: string, value: string): string {
  return url.replace(/:[A-Za-z_]+/g, encodeURIComponent(value)).replace(/\*$/, value);
}

function leaks(body: string): string[] {
  return B_MARKERS.filter((marker) => body.includes(marker));
}

describe.each(BACKENDS)('tenant isolation on every /api/v1 route, on %s', (backend) => {
  let test: TestRuntime;
  let server: OmniServer;
  let seeded: SeededTenants;
  let bIds: string[];
  let before: string;

  beforeAll(async () => {
    test = await openTestRuntime(backend, { RATE_LIMIT_PER_MINUTE: '100000' });
    server = await buildServer(test.runtime);
    seeded = await seedTwoTenants(test.runtime);
    bIds = await idsOwnedBy(test.runtime, seeded.b);
    before = await snapshotOf(test.runtime, seeded.b);
  });
  afterAll(async () => {
    await server?.app.close();
    await test?.close();
  });

  const apiRoutes = () =>
    server.routes.filter(
      (route) =>
        route.tenantApi && !route.public && route.method !== 'HEAD' && route.method !== 'OPTIONS',
    );

  it('walks a route list that includes the known routes', () => {
    const urls = new Set(apiRoutes().map((route) => `${route.method} ${route.url}`));
    expect([...urls]).toEqual(
      expect.arrayContaining([
        'GET /api/v1/tenants/:id',
        'PUT /api/companies/:id',
        'DELETE /api/v1/keys/:id',
        'GET /api/v1/messages/:id',
        'GET /api/v1/audit',
        'GET /api/v1/users',
      ]),
    );
  });

  it("answers A's admin key on B's ids with 404/403 (or 400), never data, and changes nothing of B's", async () => {
    const { app } = server;
    const seen: string[] = [];
    for (const route of apiRoutes()) {
      const withParams = route.url.includes(':') || route.url.endsWith('*');
      const targets = withParams ? bIds : [undefined];
      const key = `${route.method} ${route.url}`;
      const writesOnId = withParams && WRITES.has(route.method);
      if (writesOnId)
        expect(Object.keys(VALID_BODIES), 'a valid body for a new route').toContain(key);
      for (const id of targets) {
        const url = id === undefined ? route.url : fill(route.url, id);
        const payload = writesOnId ? VALID_BODIES[key] : WRITES.has(route.method) ? {} : undefined;
        const response = await app.inject({
          method: route.method as 'GET',
          url,
          headers: { 'x-api-key': seeded.aAdmin },
          ...(payload ? { payload } : {}),
        });
        const label = `${route.method} ${url} → ${response.statusCode}`;
        seen.push(label);
        expect(leaks(response.body), label).toEqual([]);
        expect(response.statusCode, label).toBeLessThan(500);
        // With a valid body only the tenant check can refuse a uuid: never a validation error. B's
        // slug is also tried, which routes taking a uuid refuse as a malformed id (400).
        const refusals = id && UUID.test(id) ? [403, 404] : [400, 403, 404];
        if (withParams) expect(refusals, label).toContain(response.statusCode);
      }
    }
    expect(seen.length).toBeGreaterThan(50);
    expect(await snapshotOf(test.runtime, seeded.b)).toEqual(before);
  });

  it("lists only A's own rows on every parameterless read", async () => {
    for (const route of apiRoutes().filter((r) => r.method === 'GET' && !r.url.includes(':'))) {
      const response = await server.app.inject({
        url: route.url,
        headers: { 'x-api-key': seeded.aAdmin },
      });
      expect(leaks(response.body), route.url).toEqual([]);
    }
  });

  it('refuses every write to a read key with 403, and every route without credentials with 401', async () => {
    for (const route of apiRoutes()) {
      const url = fill(route.url, seeded.a.id);
      const anonymous = await server.app.inject({ method: route.method as 'GET', url });
      expect(anonymous.statusCode, `${route.method} ${url}`).toBe(401);
      if (!WRITES.has(route.method) || route.permission === 'read') continue;
      const response = await server.app.inject({
        method: route.method as 'GET',
        url,
        headers: { 'x-api-key': seeded.aReader },
        payload: {},
      });
      expect(response.statusCode, `${route.method} ${url}`).toBe(403);
    }
  });
});
