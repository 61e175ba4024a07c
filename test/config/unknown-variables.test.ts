/** `omni doctor` warns about variables that look like Omni's but that Omni does not read. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { unknownVariables } from '../../src/config/index.ts';
import { createLogger } from '../../src/observability/index.ts';
import { runDoctor } from '../../src/ops/index.ts';

describe('unknown variables', () => {
  it('names typos, relatives of known names and the runbooks’ own settings', () => {
    const found = unknownVariables({
      MEMORY_PROFILING: 'true',
      DATABASE_NAME: 'agente_ia',
      REDIS_ULR: 'redis://localhost',
      ESCALATION_MIN_CONFIDENCES: '0.5',
      REDIS_URL: 'redis://localhost',
      PATH: '/usr/bin',
      HOME: '/root',
      HOSTNAME: 'box',
      SESSION_MANAGER: 'local/box',
      NODE_ENV: 'production',
    });
    expect(found.map((f) => f.name)).toEqual([
      'DATABASE_NAME',
      'ESCALATION_MIN_CONFIDENCES',
      'MEMORY_PROFILING',
      'REDIS_ULR',
    ]);
    expect(found.find((f) => f.name === 'REDIS_ULR')?.hint).toBe('did you mean REDIS_URL?');
  });

  it('turns into doctor warnings beside "config valid"', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'omni-doctor-'));
    try {
      const report = await runDoctor(createLogger('silent'), {
        OMNI_DATA_DIR: join(dir, 'data'),
        MEMORY_PROFILING: 'true',
        DATABASE_NAME: 'agente_ia',
      });
      const config = report.checks.filter((c) => c.name === 'config');
      expect(config.map((c) => c.outcome)).toEqual(['ok', 'warn', 'warn']);
      expect(config[1]?.detail).toMatch(/^DATABASE_NAME is set but Omni does not read it/);
      expect(report.ok).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
