/**
 * Small readers of the deployment artifacts the tests check: Dockerfile instructions, systemd
 * units, Compose `${…}` interpolation and Kubernetes manifests. Only the syntax those files use.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';

export interface Instruction {
  keyword: string;
  args: string;
}

/** Dockerfile → instructions, with `\` continuations joined and comments dropped. */
export function dockerfileInstructions(text: string): Instruction[] {
  const logical = text
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('#'))
    .join('\n')
    .replace(/\\\n/g, ' ');
  return logical
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const [keyword, ...rest] = line.split(/\s+/);
      return { keyword: (keyword ?? '').toUpperCase(), args: rest.join(' ') };
    });
}

/** `ENV A=1 B=2` → { A: '1', B: '2' }. */
export function envAssignments(args: string): Record<string, string> {
  const pairs: Record<string, string> = {};
  for (const [, name, value] of args.matchAll(/(\w+)=("[^"]*"|\S+)/g)) {
    pairs[name as string] = (value as string).replace(/^"|"$/g, '');
  }
  return pairs;
}

/** A systemd unit → section → key → values (a key may repeat, e.g. Environment=). */
export type Unit = Record<string, Record<string, string[]>>;

export function systemdUnit(text: string): Unit {
  const unit: Unit = {};
  let section = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      section = header[1] as string;
      unit[section] = {};
      continue;
    }
    const at = line.indexOf('=');
    const key = line.slice(0, at);
    const values = unit[section] as Record<string, string[]>;
    values[key] = [...(values[key] ?? []), line.slice(at + 1)];
  }
  return unit;
}

const INTERPOLATION = /\$\{(\w+)(?::?([-?])([^}]*))?\}/g;

/** Names used as `${NAME}`, `${NAME:-default}` or `${NAME:?message}` in a Compose file. */
export function interpolatedNames(text: string): Set<string> {
  return new Set([...text.matchAll(INTERPOLATION)].map((match) => match[1] as string));
}

/**
 * A Compose value as Compose would give it to the container with no `.env`: defaults applied;
 * `:?` (required) variables take the operator's value from `required`.
 */
export function interpolate(value: string, required: Record<string, string>): string {
  return value.replace(INTERPOLATION, (_match, name: string, kind?: string, fallback?: string) => {
    if (kind === '?') {
      const given = required[name];
      if (given === undefined) throw new Error(`no sample value for required \${${name}}`);
      return given;
    }
    return fallback ?? '';
  });
}

/** The comment block at the top of a file (its documentation). */
export function headerComment(text: string): string {
  const lines = text.split('\n');
  const end = lines.findIndex((line) => line.trim() !== '' && !line.startsWith('#'));
  return lines.slice(0, end).join('\n');
}

export function readYaml<T>(path: string): T {
  // Compose files share settings through anchors and `<<` merge keys.
  return parse(readFileSync(path, 'utf8'), { merge: true }) as T;
}

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: unknown;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

/** Every object of every YAML file in a folder, as `kubectl apply -f <folder>/` reads them. */
export function k8sObjects(folder: string): Array<K8sObject & { file: string }> {
  return readdirSync(folder)
    .filter((name) => /\.ya?ml$/.test(name))
    .sort()
    .flatMap((name) => k8sFile(join(folder, name)));
}

export function k8sFile(path: string): Array<K8sObject & { file: string }> {
  return parseAllDocuments(readFileSync(path, 'utf8'))
    .map((document) => {
      if (document.errors.length > 0) throw new Error(`${path}: ${document.errors[0]?.message}`);
      return document.toJS() as K8sObject | null;
    })
    .filter((object): object is K8sObject => object !== null)
    .map((object) => ({ ...object, file: path }));
}
