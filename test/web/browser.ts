/**
 * Chromium for the browser tests: Debian's /usr/bin/chromium driven by playwright-core (no browser
 * download), a fresh profile per launch. Screenshots go to test-artifacts/ (git-ignored).
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, chromium } from 'playwright-core';
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

/** Builds web/dist when a checkout never ran `npm run build:web` (npm install does it). */
export async function ensureWebBuilt(): Promise<void> {
  if (webAssetsBuilt()) return;
  const config = (name: string) => fileURLToPath(new URL(`../../web/${name}`, import.meta.url));
  await build({ configFile: config('widget/vite.config.ts') });
  await build({ configFile: config('dashboard/vite.config.ts') });
}

export async function screenshotPath(name: string): Promise<string> {
  await mkdir(ARTIFACTS, { recursive: true });
  return join(ARTIFACTS, name);
}
