/**
 * The pt-BR FAQ evaluation (datasets/faq_ptbr): each business's FAQ ingested into a tenant of its
 * own, every question asked. Retrieval: is the passage that answers it first (top-1, over the
 * questions the FAQ answers)? Offline responder: does it answer, and with the right passage — a
 * question the FAQ does not answer must be handed over, so quoting anything for it is wrong.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Db } from '../storage/index.ts';
import { ingestDocument } from './ingest.ts';
import { searchKnowledge } from './search.ts';

export interface FaqQuestion {
  id: string;
  business: string;
  question: string;
  /** The heading (`##`) of the passage that answers it; null when the FAQ does not. */
  answer: string | null;
}

export interface FaqSet {
  /** Business → its FAQ file, relative to the set's folder. */
  businesses: Record<string, string>;
  questions: FaqQuestion[];
}

/** What the responder did with a question: the citation it quoted, or none (handed over). */
export type FaqResponder = (input: {
  tenantId: string;
  question: string;
}) => Promise<{ citation?: string }>;

export interface FaqEvalResult {
  /** How many FAQs (one tenant each) the questions are asked of. */
  businesses: number;
  questions: number;
  answerable: number;
  /** Retrieval: the labelled passage first, over the answerable questions. */
  top1: number;
  /** Offline responder, over all questions. */
  offline?: {
    answered: number;
    answeredRate: number;
    /** Quoted a passage that does not answer the question (or any, for an unanswerable one). */
    wrong: number;
    wrongRate: number;
    /** Unanswerable questions handed over, of all unanswerable ones. */
    unanswerableHandedOver: number;
  };
  misses: Array<{ id: string; question: string; expected: string | null; got: string | null }>;
}

export async function loadFaqSet(folder: string): Promise<FaqSet> {
  return JSON.parse(await readFile(join(folder, 'questions.json'), 'utf8')) as FaqSet;
}

/** The last part of a heading path: the question heading the labels name. */
function leafOf(heading: string | null): string | null {
  return heading?.split(' › ').pop() ?? null;
}

export async function evalFaqSet(
  db: Db,
  folder: string,
  options: {
    /** A fresh tenant id per business. */
    tenantFor: (business: string) => Promise<string>;
    respond?: FaqResponder;
  },
): Promise<FaqEvalResult> {
  const set = await loadFaqSet(folder);
  const tenants = new Map<string, string>();
  for (const [business, file] of Object.entries(set.businesses)) {
    const tenantId = await options.tenantFor(business);
    await ingestDocument(db, {
      tenantId,
      source: file,
      content: await readFile(join(folder, file), 'utf8'),
      format: 'markdown',
    });
    tenants.set(business, tenantId);
  }
  let hits = 0;
  let answered = 0;
  let wrong = 0;
  let unanswerableHandedOver = 0;
  const misses: FaqEvalResult['misses'] = [];
  for (const item of set.questions) {
    const tenantId = tenants.get(item.business) as string;
    if (item.answer) {
      const [first] = await searchKnowledge(db, { tenantId, query: item.question, limit: 1 });
      const got = leafOf(first?.heading ?? null);
      if (got === item.answer) hits += 1;
      else misses.push({ id: item.id, question: item.question, expected: item.answer, got });
    }
    if (!options.respond) continue;
    const { citation } = await options.respond({ tenantId, question: item.question });
    if (!citation) {
      if (!item.answer) unanswerableHandedOver += 1;
      continue;
    }
    answered += 1;
    // A citation reads "<title> › <heading> — <file>".
    if (!item.answer || !citation.includes(`› ${item.answer} — `)) wrong += 1;
  }
  const n = set.questions.length;
  const answerable = set.questions.filter((q) => q.answer).length;
  return {
    businesses: tenants.size,
    questions: n,
    answerable,
    top1: hits / Math.max(answerable, 1),
    offline: options.respond
      ? {
          answered,
          answeredRate: answered / Math.max(n, 1),
          wrong,
          wrongRate: wrong / Math.max(n, 1),
          unanswerableHandedOver,
        }
      : undefined,
    misses,
  };
}
