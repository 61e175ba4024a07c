/**
 * Issue 19, acceptance 1: `npm run check` runs dependency-cruiser with .dependency-cruiser.cjs, the
 * order of docs/ARCHITECTURE.md. Shown here failing on a fixture tree with a deliberate wrong-way
 * import (pipeline → agents) and a deliberate cycle, and passing on the real tree.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const REPOSITORY = fileURLToPath(new URL('../../', import.meta.url));
const CONFIG = `${REPOSITORY}.dependency-cruiser.cjs`;
const DEPCRUISE = `${REPOSITORY}node_modules/.bin/depcruise`;

async function cruise(cwd: string): Promise<{ code: number; output: string }> {
  try {
    const { stdout } = await run(DEPCRUISE, ['src', '--config', CONFIG, '--output-type', 'err'], {
      cwd,
    });
    return { code: 0, output: stdout };
  } catch (error) {
    const failed = error as { code: number; stdout: string };
    return { code: failed.code, output: failed.stdout };
  }
}

describe('the dependency order', () => {
  it('fails on a wrong-way import and on a cycle', async () => {
    const { code, output } = await cruise(`${REPOSITORY}test/architecture/fixture`);
    expect(code).not.toBe(0);
    expect(output).toContain(
      'pipeline-imports-downward: src/pipeline/turn.ts → src/agents/reply.ts',
    );
    expect(output).toMatch(/no-circular: src\/queue\/(claim|lease)\.ts/);
  });

  it('holds in the tree', async () => {
    const { code, output } = await cruise(REPOSITORY);
    expect(output).not.toContain('error');
    expect(code).toBe(0);
  });
});
