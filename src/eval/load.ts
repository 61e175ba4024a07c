/**
 * Reads a folder of eval files (`*.yaml`, `*.yml`): parses and validates each, resolves its
 * knowledge-base folder and reads the documents once, so every case of the file is seeded alike.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { z } from 'zod';
import { type KbFormat, readSource, sourceFiles } from '../knowledge/index.ts';
import { EvalSuiteError } from './errors.ts';
import { type EvalCase, fileSchema } from './schema.ts';

export interface KbDocument {
  source: string;
  content: string;
  format: KbFormat;
}

export interface EvalSuite {
  /** The file name, as the table shows it. */
  file: string;
  settings: Record<string, unknown>;
  kb: KbDocument[];
  cases: EvalCase[];
}

export interface LoadOptions {
  /** A KB folder for files without a `kb:` key (`--kb`). */
  kb?: string;
}

export async function loadSuites(path: string, options: LoadOptions = {}): Promise<EvalSuite[]> {
  const info = await stat(path).catch(() => undefined);
  if (!info) throw new EvalSuiteError('no_cases', `No eval folder or file at ${path}.`);
  const files = info.isFile()
    ? [path]
    : (await readdir(path))
        .filter((name) => /\.ya?ml$/i.test(name))
        .sort()
        .map((name) => join(path, name));
  if (files.length === 0) {
    throw new EvalSuiteError('no_cases', `No eval files (*.yaml) in ${path}.`);
  }
  const suites: EvalSuite[] = [];
  for (const file of files) suites.push(await loadSuite(file, options));
  return suites;
}

async function loadSuite(path: string, options: LoadOptions): Promise<EvalSuite> {
  const file = basename(path);
  // Loaded lazily: only `omni eval` reads YAML, and every process that serves the API imports eval.
  const { parseDocument } = await import('yaml');
  const document = parseDocument(await readFile(path, 'utf8'));
  if (document.errors.length > 0) {
    throw new EvalSuiteError('invalid_file', `${file}: ${document.errors[0]?.message}`);
  }
  const parsed = fileSchema.safeParse(document.toJS());
  if (!parsed.success) {
    throw new EvalSuiteError('invalid_file', describeIssue(file, document.toJS(), parsed.error));
  }
  const kbPath = parsed.data.kb ? resolve(dirname(path), parsed.data.kb) : options.kb;
  return {
    file,
    settings: parsed.data.settings,
    kb: kbPath ? await readKb(file, kbPath) : [],
    cases: parsed.data.cases,
  };
}

async function readKb(file: string, path: string): Promise<KbDocument[]> {
  const files = await sourceFiles(path).catch(() => {
    throw new EvalSuiteError(
      'kb_not_found',
      `${file}: no knowledge-base folder or file at ${path}.`,
    );
  });
  return Promise.all(
    files.map(async (source) => ({
      source: source.source,
      content: await readSource(source),
      format: source.format,
    })),
  );
}

/** `support.yaml, case "greets back" (cases[2].turns[0].expect.contains): expected string…`. */
function describeIssue(file: string, raw: unknown, error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return `${file}: invalid`;
  const path = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`));
  const where = path.join('').replace(/^\./, '');
  const caseIndex = issue.path[0] === 'cases' ? issue.path[1] : undefined;
  const caseName =
    typeof caseIndex === 'number'
      ? (raw as { cases?: Array<{ name?: unknown }> }).cases?.[caseIndex]?.name
      : undefined;
  const named =
    typeof caseIndex === 'number'
      ? `, case ${typeof caseName === 'string' ? `"${caseName}"` : `#${caseIndex + 1}`}`
      : '';
  return `${file}${named} (${where || 'top level'}): ${issue.message}`;
}
