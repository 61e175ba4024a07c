/**
 * How well the injection guardrail does on a labelled set (`omni eval guardrails`): the share of
 * attacks caught and of ordinary messages blocked, per attack style, for the offline layer alone
 * and, when a judge is given, for the offline layer with the judge deciding the borderline ones.
 * The shipped sets: `held-out` (measured, never tuned on) and `tuning` (what the patterns were
 * adjusted against).
 */
import { readFileSync } from 'node:fs';
import { BORDERLINE, scoreInjection } from './injection.ts';
import type { InjectionJudge } from './judge.ts';

export interface LabelledMessage {
  id: string;
  lang: string;
  style: string;
  text: string;
}

export interface GuardrailSet {
  name: string;
  attacks: LabelledMessage[];
  ordinary: LabelledMessage[];
}

export const SHIPPED_SETS = {
  'held-out': new URL('./eval/held-out.json', import.meta.url),
  tuning: new URL('./eval/tuning.json', import.meta.url),
} as const;

/** A shipped set by name, or a JSON file of the same shape by path. */
export function loadGuardrailSet(nameOrPath: string): GuardrailSet {
  const location = SHIPPED_SETS[nameOrPath as keyof typeof SHIPPED_SETS] ?? nameOrPath;
  const parsed = JSON.parse(readFileSync(location, 'utf8')) as Omit<GuardrailSet, 'name'>;
  if (!Array.isArray(parsed.attacks) || !Array.isArray(parsed.ordinary)) {
    throw new Error(
      `${nameOrPath} is not a guardrail set: it needs "attacks" and "ordinary" lists`,
    );
  }
  return { name: nameOrPath, attacks: parsed.attacks, ordinary: parsed.ordinary };
}

export interface Rate {
  hits: number;
  total: number;
  /** hits / total, 0–1. */
  rate: number;
}

export interface LayerFigures {
  /** Attacks blocked. */
  detection: Rate;
  /** Ordinary messages blocked. */
  falsePositives: Rate;
  detectionByStyle: Record<string, Rate>;
  falsePositivesByStyle: Record<string, Rate>;
  /** Texts missed or wrongly blocked, for whoever tunes on this set (never the held-out one). */
  missed: string[];
  wronglyBlocked: string[];
}

export interface GuardrailEvaluation {
  set: { name: string; attacks: number; ordinary: number };
  offline: LayerFigures;
  /** The offline layer with the judge deciding borderline scores; only with a judge. */
  withJudge?: LayerFigures & {
    /** Messages the judge was asked about, and how many it could not answer. */
    judged: number;
    unavailable: number;
  };
}

export async function evaluateGuardrails(
  set: GuardrailSet,
  judge?: InjectionJudge,
): Promise<GuardrailEvaluation> {
  const offline = (message: LabelledMessage) => (scoreInjection(message.text)?.score ?? 0) >= 1;
  const evaluation: GuardrailEvaluation = {
    set: { name: set.name, attacks: set.attacks.length, ordinary: set.ordinary.length },
    offline: figures(set, offline),
  };
  if (!judge) return evaluation;
  const judgedBlock = new Map<string, boolean>();
  let judged = 0;
  let unavailable = 0;
  for (const message of [...set.attacks, ...set.ordinary]) {
    const score = scoreInjection(message.text)?.score ?? 0;
    if (score >= 1) judgedBlock.set(message.id, true);
    else if (score < BORDERLINE) judgedBlock.set(message.id, false);
    else {
      judged += 1;
      const verdict = await judge(message.text, {});
      if (!verdict) unavailable += 1;
      judgedBlock.set(message.id, verdict?.attack ?? false);
    }
  }
  evaluation.withJudge = {
    ...figures(set, (message) => judgedBlock.get(message.id) ?? false),
    judged,
    unavailable,
  };
  return evaluation;
}

function figures(set: GuardrailSet, blocks: (message: LabelledMessage) => boolean): LayerFigures {
  const attacks = set.attacks.map((m) => ({ m, blocked: blocks(m) }));
  const ordinary = set.ordinary.map((m) => ({ m, blocked: blocks(m) }));
  return {
    detection: rate(attacks.map((a) => a.blocked)),
    falsePositives: rate(ordinary.map((o) => o.blocked)),
    detectionByStyle: byStyle(attacks),
    falsePositivesByStyle: byStyle(ordinary),
    missed: attacks.filter((a) => !a.blocked).map((a) => a.m.text),
    wronglyBlocked: ordinary.filter((o) => o.blocked).map((o) => o.m.text),
  };
}

function rate(outcomes: boolean[]): Rate {
  const hits = outcomes.filter(Boolean).length;
  const total = outcomes.length;
  return { hits, total, rate: total === 0 ? 0 : hits / total };
}

function byStyle(outcomes: Array<{ m: LabelledMessage; blocked: boolean }>): Record<string, Rate> {
  const groups = new Map<string, boolean[]>();
  for (const { m, blocked } of outcomes)
    groups.set(m.style, [...(groups.get(m.style) ?? []), blocked]);
  return Object.fromEntries([...groups].map(([style, list]) => [style, rate(list)]));
}
