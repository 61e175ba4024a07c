/**
 * Acceptance 7 of issue 8: malformed JSON, wrong types, huge bodies and unicode edge cases sent to
 * every route the server has (from its own route list): never a 500, never a stack trace, the
 * security headers on every answer, 400s that name the field, and nothing stored from a refusal.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer, type OmniServer, type RouteInventoryEntry } from '../../src/http/index.ts';
import { openTestRuntime, type TestRuntime } from '../support/runtime.ts';
import { rows } from '../support/sql.ts';
import { type SeededTenants, seedTwoTenants } from './seed.ts';

const BODY_LIMIT = 16_384;
const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

const MALFORMED = ['{"contact": {"id": "x"', '{,}', '\u0000', '{"a":1}{"b":2}', 'nul', '"'];
const WRONG_TYPES: unknown[] = [
  [],
  'text',
  42,
  null,
  { contact: 'not an object', text: 42 },
  { contact: { id: ['a'] }, text: { nested: true } },
  { email: 42, password: null, name: [], permissions: 'admin', settings: 'x' },
  { __proto__: { admin: true }, constructor: { prototype: { polluted: true } } },
];
const UNICODE = [
  '\ud800', // a lone surrogate
  'a\u0000b', // NUL, which PostgreSQL text refuses
  '\u202eevil.exe', // right-to-left override
  'e\u0301\u0301\u0301', // stacked combining marks
  '👩‍👩‍👧‍👦🏳️‍🌈',
  '\uFEFF\u200B\u2028\u2029',
  'ｓｅｌｅｃｔ * ｆｒｏｍ users; -- \' " `',
  '𝕳𝖊𝖑𝖑𝖔'.repeat(200),
];
const STACK = /\n\s+at |node_modules|\.ts:\d+|\bError: /;

/** Percent-encoded; a lone surrogate becomes its (invalid) CESU-8 bytes, as a hostile client might send. */
function encode(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    return '%ED%A0%80';
  }
}

function fill(url: string, value: string): string {
  return url.replace(/:[A-Za-z_]+/g, encode(value));
}

/** Rows of every table, except the ones a refused request may rightly write (audit, key use). */
async function counts(test: TestRuntime): Promise<Record<string, number>> {
  const tables = await rows<{ table_name: string }>(
    test.runtime.database.db,
    `select table_name from information_schema.tables
      where table_schema = 'public' and table_type = 'BASE TABLE'
        and table_name not in ('audit_logs', '__drizzle_migrations') order by 1`,
  );
  const result: Record<string, number> = {};
  for (const { table_name } of tables) {
    const [row] = await rows<{ n: number }>(
      test.runtime.database.db,
      `select count(*)::int as n from "${table_name}"`,
    );
    result[table_name] = row?.n ?? 0;
  }
  return result;
}

describe('fuzzing every route', () => {
  let test: TestRuntime;
  let server: OmniServer;
  let seeded: SeededTenants;
  let routes: RouteInventoryEntry[];

  beforeAll(async () => {
    test = await openTestRuntime('pglite', {
      BODY_LIMIT_BYTES: String(BODY_LIMIT),
      // The e-mail webhook's limit grows with it (attachments): a small one keeps the body small.
      MEDIA_MAX_BYTES: String(BODY_LIMIT),
      RATE_LIMIT_PER_MINUTE: '100000',
      WEBHOOK_RATE_LIMIT_PER_MINUTE: '100000',
      EMAIL_WEBHOOK_TOKEN: 'mail-token',
    });
    server = await buildServer(test.runtime);
    seeded = await seedTwoTenants(test.runtime);
    routes = server.routes.filter(
      (route) =>
        !['HEAD', 'OPTIONS'].includes(route.method) &&
        !route.url.startsWith('/docs') &&
        !route.websocket &&
        !route.url.includes('*'),
    );
  });
  afterAll(async () => {
    await server?.app.close();
    await test?.close();
  });

  const send = (route: RouteInventoryEntry, init: { payload?: string; url?: string }) =>
    server.app.inject({
      method: route.method as 'POST',
      url: init.url ?? fill(route.url, seeded.a.id),
      headers: {
        'content-type': 'application/json',
        ...(route.tenantApi && !route.public ? { 'x-api-key': seeded.aAdmin } : {}),
      },
      ...(init.payload !== undefined ? { payload: init.payload } : {}),
    });

  function checkAnswer(
    route: RouteInventoryEntry,
    label: string,
    response: Awaited<ReturnType<typeof send>>,
  ) {
    expect(response.statusCode, label).toBeLessThan(500);
    expect(response.body, label).not.toMatch(STACK);
    expect(response.headers['x-content-type-options'], label).toBe('nosniff');
    expect(response.headers['x-frame-options'], label).toBeDefined();
    // The tenant API answers every refusal in the one error format (other routes serve files too).
    if (response.statusCode >= 400 && route.tenantApi) {
      expect(String(response.headers['content-type']), `${label} ${response.statusCode}`).toMatch(
        /json/,
      );
      const error = response.json().error;
      expect(error.message, label).toBeTruthy();
      expect(error.request_id, label).toBeTruthy();
    }
  }

  it('refuses malformed JSON, wrong types and huge bodies without a 500, and stores nothing', async () => {
    const before = await counts(test);
    let sent = 0;
    for (const route of routes.filter((r) => WRITES.has(r.method))) {
      for (const payload of [...MALFORMED, ...WRONG_TYPES.map((value) => JSON.stringify(value))]) {
        const response = await send(route, { payload });
        const label = `${route.method} ${route.url} ${payload.slice(0, 40)}`;
        checkAnswer(route, label, response);
        // A body of the wrong shape altogether is refused by the schema, which names it.
        if (
          response.statusCode === 400 &&
          route.tenantApi &&
          /^(\[\]|"text"|42|null)$/.test(payload)
        ) {
          const error = response.json().error;
          expect(`${error.code} ${error.message}`, label).toMatch(
            /^(invalid_json|invalid_request body\b)/,
          );
        }
        sent++;
      }
      // Past the route's own limit (e-mail takes attachments, so more than BODY_LIMIT_BYTES).
      const huge = JSON.stringify({ text: 'x'.repeat(route.bodyLimit + 1) });
      const response = await send(route, { payload: huge });
      checkAnswer(route, `${route.method} ${route.url} huge`, response);
      if (!route.tenantApi || route.public || response.statusCode !== 401)
        expect([413, 401, 403, 404], `${route.method} ${route.url} huge`).toContain(
          response.statusCode,
        );
    }
    expect(sent).toBeGreaterThan(100);
    const after = await counts(test);
    expect(Object.entries(after).filter(([table, n]) => before[table] !== n)).toEqual([]);
  });

  it('answers unicode edge cases in bodies, paths and queries without a 500', async () => {
    for (const route of routes) {
      for (const text of UNICODE) {
        if (WRITES.has(route.method)) {
          const payload = JSON.stringify({
            contact: { id: text, name: text, phone: text, email: text },
            text,
            email: text,
            password: text,
            name: text,
            settings: { [text]: text },
          });
          checkAnswer(
            route,
            `${route.method} ${route.url} body ${text.slice(0, 10)}`,
            await send(route, { payload }),
          );
        }
        const url = `${fill(route.url, text)}?q=${encode(text)}&limit=${encode(text)}`;
        checkAnswer(
          route,
          `${route.method} ${url.slice(0, 60)}`,
          await send(route, { url, ...(WRITES.has(route.method) ? { payload: '{}' } : {}) }),
        );
      }
    }
  });

  it('stores unicode text exactly, and names the field holding a NUL character', async () => {
    const post = (text: string, id = 'unicode-contact') =>
      server.app.inject({
        method: 'POST',
        url: '/api/v1/messages',
        headers: { 'x-api-key': seeded.aWriter },
        payload: { contact: { id }, text },
      });
    const tricky = '👩‍👩‍👧‍👦 \u202e e\u0301 ｓｅｌｅｃｔ \'"` \u2028';
    const stored = await post(tricky);
    expect(stored.statusCode).toBe(202);
    const [row] = await rows<{ body: string }>(
      test.runtime.database.db,
      `select body from messages where id = '${stored.json().message_id}'`,
    );
    expect(row?.body).toBe(tricky);
    const nul = await post('a\u0000b');
    expect(nul.statusCode).toBe(400);
    expect(nul.json().error.message).toMatch(/^body\.text/);
    const nulInContact = await post('fine', 'a\u0000b');
    expect(nulInContact.json().error.message).toMatch(/^body\.contact\.id/);
  });
});
