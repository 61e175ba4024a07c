/**
 * Health tells the truth about the LLM side: fallback mode as switched by `omni fallback on`, and
 * `llm: offline` (with the reason) when no provider is configured at all.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { buildServer, type OmniServer } from '../../src/http/index.ts';
import { setInstanceSwitch } from '../../src/tenancy/index.ts';
import { openTestRuntime, type TestRuntime } from '../support/runtime.ts';

describe('health of the LLM side', () => {
  let test: TestRuntime | undefined;
  let server: OmniServer | undefined;
  afterEach(async () => {
    await server?.app.close();
    await test?.close();
  });

  const open = async (env: Record<string, string>) => {
    test = await openTestRuntime('pglite', env);
    server = await buildServer(test.runtime);
    return { test, server };
  };
  const get = async (url: string) => (await server?.app.inject({ url }))?.json();

  it('says offline, and why, when no provider is configured', async () => {
    await open({});
    const health = await get('/health');
    expect(health).toMatchObject({ status: 'ok', llm: 'offline' });
    expect(health.components.llm.reason).toMatch(/no LLM provider is configured/);
    expect(await get('/health/llm')).toMatchObject({ llm: 'offline' });
  });

  it('says connected with a provider, and fallback_mode true after `omni fallback on`', async () => {
    const { test } = await open({ OPENAI_API_KEY: 'sk-test', PROVIDER_PRIORITY_ORDER: 'openai' });
    expect(await get('/health')).toMatchObject({ llm: 'connected', fallback_mode: false });
    expect(await get('/health/llm')).toMatchObject({ fallback_mode: false });

    // What `omni fallback on` does, from any process.
    await setInstanceSwitch(test.runtime.database.db, 'fallback', true, { type: 'cli' });
    const health = await get('/health');
    expect(health).toMatchObject({ fallback_mode: true });
    expect(health.components.llm).toMatchObject({ fallback_mode: true });
    expect(await get('/health/llm')).toMatchObject({ fallback_mode: true });

    await setInstanceSwitch(test.runtime.database.db, 'fallback', false, { type: 'cli' });
    expect(await get('/health/llm')).toMatchObject({ fallback_mode: false });
  });
});
