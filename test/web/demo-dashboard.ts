/**
 * What every dashboard test in a browser starts from: the web assets built, the demo tenant in a
 * fresh PGlite runtime (as `omni start` seeds it), Omni serving it and a fresh Chromium; with
 * `workers`, the inbound and dispatcher workers too. One close ends it all.
 */
import { type DemoRuntime, openDemoRuntime } from '../support/demo-runtime.ts';
import { ensureWebBuilt } from './browser.ts';
import { type BrowserSession, openBrowserSession } from './browser-session.ts';

export type DemoDashboard = DemoRuntime & BrowserSession;

export async function openDemoDashboard(
  env: Record<string, string>,
  options: { workers?: boolean } = {},
): Promise<DemoDashboard> {
  await ensureWebBuilt();
  const demo = await openDemoRuntime(env);
  const session = await openBrowserSession(demo.test, options).catch(async (error: unknown) => {
    await demo.test.close();
    throw error;
  });
  return {
    ...demo,
    ...session,
    async close() {
      await session.close();
      await demo.test.close();
    },
  };
}
