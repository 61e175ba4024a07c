import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/observability/index.ts';
import { runDoctor } from '../../src/ops/index.ts';

// `omni doctor` says once whether Omni can listen to voice notes (issue 16). The database is
// unreachable on purpose: only the configuration checks matter here.
describe('omni doctor media check', () => {
  const base = {
    DATABASE_URL: 'postgres://omni@127.0.0.1:1/omni',
    OMNI_SECRET_KEY: 'a-test-secret-key-of-more-than-32-characters',
  };
  const media = async (env: Record<string, string>) =>
    (await runDoctor(createLogger('silent'), { ...base, ...env })).checks.filter(
      (c) => c.name === 'media',
    );

  it('warns once that nobody can listen when no transcription provider has a key', async () => {
    const checks = await media({});
    expect(checks).toHaveLength(1);
    expect(checks[0]?.outcome).toBe('warn');
    expect(checks[0]?.detail).toMatch(
      /^no transcription provider .*OPENAI_API_KEY.*asked to write/,
    );
  });

  it('names the transcription cascade when a provider is usable', async () => {
    const [check] = await media({
      OPENAI_API_KEY: 'sk-test',
      TRANSCRIPTION_PROVIDERS: 'openai:whisper-1',
    });
    expect(check).toMatchObject({ outcome: 'ok' });
    expect(check?.detail).toMatch(/^voice notes transcribed by openai:whisper-1; local storage/);
  });
});
