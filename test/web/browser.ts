/**
 * Chromium for the browser tests: Debian's /usr/bin/chromium driven by playwright-core (no browser
 * download), a fresh profile per launch. Screenshots go to test-artifacts/ (git-ignored).
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import lockfile from 'proper-lockfile';
import { build } from 'vite';
import { webAssetsBuilt } from '../../src/http/web-assets.ts';

export const CHROMIUM = '/usr/bin/chromium';
export const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

export async function launchBrowser(
  viewport = { width: 1280, height: 800 },
  locale = 'pt-BR',
): Promise<Browser> {
  const profile = await mkdtemp(join(tmpdir(), 'omni-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    args: ARGS,
    viewport,
    locale,
  });
  return {
    context,
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Builds web/dist when a checkout never ran `npm run build:web` (npm install does it). Test files
 * run in parallel: a lock on web/ keeps two of them from building into the same folder at once.
 */
export async function ensureWebBuilt(): Promise<void> {
  if (webAssetsBuilt()) return;
  const web = fileURLToPath(new URL('../../web/', import.meta.url));
  const release = await lockfile.lock(web, { retries: { retries: 120, minTimeout: 500 } });
  try {
    if (webAssetsBuilt()) return;
    await build({ configFile: `${web}widget/vite.config.ts` });
    await build({ configFile: `${web}dashboard/vite.config.ts` });
  } finally {
    await release();
  }
}

export async function screenshotPath(name: string): Promise<string> {
  await mkdir(ARTIFACTS, { recursive: true });
  return join(ARTIFACTS, name);
}

/** Logs in on the dashboard's form, reached through `url` (the page it leads to after). */
export async function logIn(page: Page, url: string, email: string, password: string) {
  await page.goto(url);
  await page.fill('input[name=email]', email);
  await page.fill('input[name=password]', password);
  await page.click('button[type=submit]');
}
