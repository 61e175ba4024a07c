/**
 * The dashboard (issue 7), a React single-page app built into web/dist/dashboard: its pages are
 * one index.html (the app routes in the browser), its files under /assets/ are content-hashed and
 * cached for good; `/favicon.ico` is Omni's icon. The runbooks' old addresses lead to the overview.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import staticFiles from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { DASHBOARD_DIR, FAVICON_FILE, NOT_BUILT } from '../web-assets.ts';

/** The app's own routes; a reload on any of them must get the app. */
export const DASHBOARD_PAGES = [
  '/',
  '/login',
  '/inbox',
  '/overview',
  '/knowledge',
  '/settings',
  '/users',
];
/** The app loads only its own files and talks only to this server (the API and its WebSocket). */
const DASHBOARD_CSP = [
  "default-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "style-src 'self' 'unsafe-inline'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');
/** Seed 000's and seed 001's dashboard addresses. */
const LEGACY_PAGES = ['/monitoring/omni-metrics', '/static/dashboard.html'];

export async function dashboardRoutes(app: FastifyInstance): Promise<void> {
  const assets = `${DASHBOARD_DIR}assets`;
  if (existsSync(assets)) {
    await app.register(staticFiles, {
      root: assets,
      prefix: '/assets/',
      immutable: true,
      maxAge: '365d',
    });
  }
  for (const page of DASHBOARD_PAGES) {
    app.get(page, { schema: { hide: true } }, async (_request, reply) => {
      const html = await readFile(`${DASHBOARD_DIR}index.html`, 'utf8').catch(() => undefined);
      if (html === undefined) return reply.status(503).type('text/plain').send(NOT_BUILT);
      return reply
        .type('text/html; charset=utf-8')
        .header('cache-control', 'no-cache')
        .header('content-security-policy', DASHBOARD_CSP)
        .send(html);
    });
  }
  app.get('/favicon.ico', { schema: { hide: true } }, async (_request, reply) => {
    const icon = await readFile(FAVICON_FILE).catch(() => undefined);
    if (icon === undefined) return reply.callNotFound();
    return reply.type('image/x-icon').header('cache-control', 'public, max-age=86400').send(icon);
  });
  for (const page of LEGACY_PAGES) {
    app.get(page, { schema: { hide: true } }, async (_request, reply) =>
      reply.redirect('/overview'),
    );
  }
}
