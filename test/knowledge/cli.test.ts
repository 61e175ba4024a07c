import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runOmni } from '../support/cli.ts';
import { copyMigratedDatabase } from '../support/database-templates.ts';

/** `omni kb ingest|query|bench` as an operator runs them, on an embedded data folder. */
describe('omni kb', () => {
  let dir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'omni-kb-'));
    env = { OMNI_DATA_DIR: await copyMigratedDatabase(join(dir, 'data')) };
    await writeFile(
      join(dir, 'precos.md'),
      '# Preços\n\n## Plano Pro\n\nO plano Pro custa R$ 149 por mês.\n',
    );
    await writeFile(
      join(dir, 'faq.json'),
      JSON.stringify([{ question: 'Vocês emitem nota fiscal?', answer: 'Sim, por e-mail.' }]),
    );
    await writeFile(join(dir, 'notes.bin'), 'ignored: not a known format');
    expect((await runOmni(['tenant', 'create', 'acme'], env)).code).toBe(0);
  }, 180_000);
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('ingests a directory with progress, and a second run changes nothing', async () => {
    const first = await runOmni(['kb', 'ingest', '--tenant', 'acme', '--source', dir], env);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toContain('[1/2] faq.json: created, 1 passages');
    expect(first.stderr).toContain('[2/2] precos.md: created, 1 passages');
    const again = await runOmni(['kb', 'ingest', '--tenant', 'acme', '--source', dir], env);
    expect(again.stderr).toContain('2 files: 0 created, 0 updated, 2 unchanged.');
  }, 180_000);

  it('queries with scores and sources', async () => {
    const result = await runOmni(
      ['kb', 'query', 'quanto custa o plano pro', '--tenant', 'acme', '--json'],
      env,
    );
    expect(result.code, result.stderr).toBe(0);
    const passages = JSON.parse(result.stdout) as Array<{ source: string; score: number }>;
    expect(passages[0]).toMatchObject({ source: 'precos.md' });
    expect(passages[0]?.score).toBeGreaterThan(0);
  }, 180_000);

  it('says clearly when the source does not exist', async () => {
    const result = await runOmni(
      ['kb', 'ingest', '--tenant', 'acme', '--source', join(dir, 'nope')],
      env,
    );
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe(`omni: No file or directory at ${join(dir, 'nope')}.`);
  }, 180_000);

  it('omni eval retrieval prints both pt-BR FAQ sets, the tuning set labelled as such', async () => {
    const result = await runOmni(['eval', 'retrieval', '--set', 'faq'], env);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('pt-BR FAQ tuning set (tuned on): 92 questions');
    expect(result.stdout).toContain('pt-BR FAQ held-out set (never tuned on): 92 questions');
    expect(result.stdout).toMatch(/retrieval top-1 +0\.\d{3}/);
  }, 300_000);
});
