/**
 * Omni's HTTP server on a free loopback port and a fresh Chromium to look at it, for a browser
 * test; with `workers`, the inbound and dispatcher workers too, for tests that need replies.
 */
import { buildServer, type OmniServer } from '../../src/http/index.ts';
import type { TestRuntime } from '../support/runtime.ts';
import { type Browser, launchBrowser } from './browser.ts';

export interface BrowserSession {
  server: OmniServer;
  baseUrl: string;
  browser: Browser;
  /** Closes the browser, the workers and the server; the runtime stays the test's to close. */
  close(): Promise<void>;
}

export async function openBrowserSession(
  test: TestRuntime,
  options: { workers?: boolean } = {},
): Promise<BrowserSession> {
  const server = await buildServer(test.runtime);
  const baseUrl = await server.app.listen({ port: 0, host: '127.0.0.1' });
  const workers = options.workers
    ? test.runtime.pipeline.startWorkers(['inbound', 'dispatcher'])
    : undefined;
  const browser = await launchBrowser();
  return {
    server,
    baseUrl,
    browser,
    async close() {
      await browser.close();
      await workers?.stop();
      await server.app.close();
    },
  };
}
