/**
 * The knowledge base as the offline responder's lookup (SPEC §5.6): the best passage for the
 * question, with its source as the citation — only when it matches well enough to be an answer.
 */
import type { Db } from '../storage/index.ts';
import { type Passage, searchKnowledge } from './search.ts';

/**
 * BM25 score under which a passage shares too little with the question to be quoted as its answer:
 * a distinctive word contributes roughly 1.5–3, so this asks for two or three of them in common.
 */
export const MIN_ANSWER_SCORE = 4;

export function citationOf(passage: Pick<Passage, 'title' | 'heading' | 'source'>): string {
  const { title, heading, source } = passage;
  // A heading path already starts with the document's h1; a title made from the file name adds nothing.
  const showTitle = title !== source && !heading?.startsWith(title);
  const name = [showTitle ? title : '', heading ?? ''].filter(Boolean).join(' › ') || title;
  return name === source ? name : `${name} — ${source}`;
}

export function knowledgeLookup(db: Db) {
  return async (query: { tenantId?: string; text: string }) => {
    if (!query.tenantId) return null;
    const [best] = await searchKnowledge(db, {
      tenantId: query.tenantId,
      query: query.text,
      limit: 1,
    });
    if (!best || best.score < MIN_ANSWER_SCORE) return null;
    return { text: best.content, citation: citationOf(best) };
  };
}
