/**
 * The embedded profile after a crash (issue 13): `omni start` killed with SIGKILL leaves its data
 * folder's lock behind; started again at once, Omni takes the dead holder's lock over instead of
 * waiting for it to go stale — and still refuses while the holder lives.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningOmni, runOmni, startOmni } from '../support/cli.ts';
import { eventually } from '../support/eventually.ts';

describe('omni start on a data folder whose last holder was killed', () => {
  let dataDir: string;
  const running: RunningOmni[] = [];
  afterEach(async () => {
    for (const omni of running) if (omni.child.exitCode === null) await omni.stop('SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
  });

  it('is refused while the holder lives, and starts at once after it was killed with SIGKILL', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'omni-lock-'));
    const env = { OMNI_DATA_DIR: dataDir };
    const first = await startOmni('start', env);
    running.push(first);

    const second = await runOmni(['start'], { ...env, PORT: '0', HOST: '127.0.0.1' });
    expect(second.code).not.toBe(0);
    expect(second.stderr + second.stdout).toContain('in use by another Omni process');

    expect(await first.stop('SIGKILL')).toBeNull();
    const restarted = await startOmni('start', env);
    running.push(restarted);
    await eventually(
      async () => (await fetch(`${restarted.baseUrl}/health`)).status === 200,
      60_000,
      '/health answering 200',
    );
  });
});
