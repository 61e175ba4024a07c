import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lastEvalRun } from '../../src/eval/index.ts';
import { createLogger } from '../../src/observability/index.ts';
import { openDatabase } from '../../src/storage/index.ts';
import { getTenant } from '../../src/tenancy/index.ts';
import { runOmni } from '../support/cli.ts';

const SAMPLE = fileURLToPath(new URL('../../evals', import.meta.url));

const PASSING = `kb: kb
settings:
  language: pt-BR
cases:
  - name: free shipping
    turns:
      - say: a partir de quanto o frete é grátis?
        simulate:
          route: { agent: support, intent: shipping, confidence: 0.94 }
          tools:
            - name: kb_search
              input: { query: frete grátis }
          answer: O frete é grátis em compras acima de R$ 299.
        expect:
          contains: R$ 299
          cites: loja.md
          calls: { tool: kb_search }
`;

/** `omni eval` as a team runs it in CI: the real executable on the repository's sample folder. */
describe('omni eval', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'omni-eval-'));
    await cp(join(SAMPLE, 'kb'), join(dir, 'kb'), { recursive: true });
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('the sample evals/ folder passes with the scripted simulator; --json is pure JSON and saves a baseline', async () => {
    const baseline = join(dir, 'sample-baseline.json');
    const result = await runOmni([
      'eval',
      SAMPLE,
      '--json',
      '--baseline',
      baseline,
      '--save-baseline',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as {
      mode: string;
      total: number;
      passed: number;
      cases: Array<{ file: string; name: string; status: string; notes: string[] }>;
    };
    expect(report.mode).toBe('simulator');
    expect(report.total).toBeGreaterThanOrEqual(15);
    expect(report.cases.filter((c) => c.status !== 'passed')).toEqual([]);
    expect(report.passed).toBe(report.total);
    const files = new Set(report.cases.map((c) => c.file));
    for (const file of ['greetings', 'knowledge', 'sales', 'handoff', 'safety']) {
      expect(files).toContain(`${file}.yaml`);
    }
    // Without a model, judge criteria are skipped visibly, not passed silently.
    expect(report.cases.flatMap((c) => c.notes).join('\n')).toContain(
      'judge skipped (no model configured)',
    );
    expect(JSON.parse(await readFile(baseline, 'utf8')).total).toBe(report.total);
  }, 300_000);

  it('a failing expectation exits 1 with a readable diff, and --baseline reports the regression', async () => {
    const folder = join(dir, 'team');
    await rm(folder, { recursive: true, force: true });
    await cp(join(SAMPLE, 'kb'), join(folder, 'kb'), { recursive: true });
    await writeFile(join(folder, 'shipping.yaml'), PASSING);
    const baseline = join(dir, 'team-baseline.json');
    const instance = { OMNI_DATA_DIR: join(dir, 'data') };
    expect((await runOmni(['tenant', 'create', 'acme'], instance)).code).toBe(0);
    const saved = await runOmni(
      ['eval', folder, '--baseline', baseline, '--save-baseline', '--tenant', 'acme'],
      instance,
    );
    expect(saved.code, saved.stderr).toBe(0);
    expect(saved.stdout).toMatch(/shipping\.yaml\s+free shipping\s+1\s+pass/);
    expect(saved.stdout).toContain('1/1 cases passed (100.0%)');
    // Recorded in the instance's own database, for the tenant's dashboard.
    const database = await openDatabase({
      kind: 'pglite',
      dataDir: instance.OMNI_DATA_DIR,
      logger: createLogger('silent'),
    });
    try {
      const tenant = await getTenant(database.db, 'acme');
      expect(await lastEvalRun(database.db, tenant.id)).toMatchObject({
        mode: 'simulator',
        total: 1,
        passed: 1,
        cases: [{ file: 'shipping.yaml', name: 'free shipping', status: 'passed', failures: [] }],
      });
    } finally {
      await database.close();
    }

    // A "prompt change": the model now answers with the wrong threshold and no search.
    await writeFile(
      join(folder, 'shipping.yaml'),
      PASSING.replace(
        'O frete é grátis em compras acima de R$ 299.',
        'O frete é sempre grátis!',
      ).replace(/ {10}tools:\n.*\n.*\n/, ''),
    );
    const failed = await runOmni(['eval', folder, '--baseline', baseline]);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain('0/1 cases passed (0.0%)');
    expect(failed.stdout).toContain('FAIL (regression)');
    expect(failed.stdout).toContain('REGRESSION shipping.yaml › free shipping');
    expect(failed.stdout).toContain(
      [
        'FAIL shipping.yaml › free shipping',
        '  turn 1: contact says "a partir de quanto o frete é grátis?"',
        '    ✗ contains "R$ 299"',
        '        expected: a reply containing "R$ 299"',
        '        got:      "O frete é sempre grátis!"',
      ].join('\n'),
    );
    expect(failed.stdout).toContain('✗ calls kb_search');
    expect(failed.stdout).toContain('got:      no tool call');
  }, 300_000);

  it('an invalid file is named with its case and the faulty key, before anything runs', async () => {
    const folder = join(dir, 'broken');
    await rm(folder, { recursive: true, force: true });
    await cp(join(SAMPLE, 'kb'), join(folder, 'kb'), { recursive: true });
    await writeFile(
      join(folder, 'typo.yaml'),
      PASSING.replace('contains: R$ 299', 'contians: R$ 299'),
    );
    const result = await runOmni(['eval', folder]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('typo.yaml, case "free shipping" (cases[0].turns[0].expect)');
    expect(result.stderr).toContain('contians');
  }, 120_000);
});
