/**
 * The knowledge base as the offline responder's lookup (SPEC §5.6): with no model to read the
 * passages, it quotes one — only when retrieval is confident — and only the sentences of it that
 * match the question best, with the passage's source as the citation.
 *
 * Confidence is judged relatively, never by an absolute score (BM25 scores of right and wrong
 * answers overlap completely): the lexical rankers must agree on the first passage, it must stand
 * clear of the next one in each ranker, and it must cover most of what the question says.
 */
import type { Logger } from '../observability/index.ts';
import type { Db } from '../storage/index.ts';
import { charGrams, questionCoverage } from './ngram-index.ts';
import { searchQuery } from './query.ts';
import {
  type FusedHit,
  type Passage,
  passagesOf,
  type Ranker,
  type RankerHit,
  type Ranking,
  rankPassages,
} from './search.ts';

/**
 * How far each lexical ranker's first passage must stand above its second, relative to the first's
 * score. Character n-gram scores crowd closer together (every passage shares some n-grams with a
 * question), so its gap is the telling one. Tuned on datasets/faq_ptbr_tuning (datasets/faq_ptbr is
 * held out): with both rankers agreeing, a chars gap of 0.4 answered 45 % of its questions and
 * quoted a wrong passage for 1.1 %; 0.3 answered 60 % but quoted wrongly for 5 %, 0.2 for 10 %.
 * The word gap (0.1) only confirms it.
 */
export const MIN_RELATIVE_GAPS: Record<'word' | 'chars', number> = { word: 0.1, chars: 0.4 };

/**
 * How much of the question's words of substance the first passage must cover
 * (`questionCoverage`). Tuned on datasets/faq_ptbr_tuning: customers use words a FAQ does not
 * (colloquial, typos), so right answers often cover less than half; 0.1 still stops a question
 * about something the knowledge base barely mentions, which the gap alone lets through.
 */
export const MIN_COVERAGE = 0.1;

export interface RetrievalConfidence {
  confident: boolean;
  /** The rarity-weighted share of the question's n-grams found in the first passage. */
  coverage: number;
  /** Both lexical rankers (word and character BM25) put the fused first passage first. */
  agree: boolean;
  /** Each lexical ranker's (first − second) / first; 1 when a ranker found one passage. */
  gaps: { word: number; chars: number };
}

/**
 * The vector ranker does not vote: its similarities are not comparable across models and no real
 * model was at hand to tune a rule on; it still shapes the fused order that is judged.
 */
export function judgeConfidence(
  ranked: { rankings: Partial<Record<Ranker, Ranking>>; fused: FusedHit[] },
  coverage: number,
): RetrievalConfidence {
  const first = ranked.fused[0];
  if (!first) {
    return { confident: false, coverage, agree: false, gaps: { word: 0, chars: 0 } };
  }
  const agree = first.rankers.word?.rank === 1 && first.rankers.chars?.rank === 1;
  const gapOf = (list: Ranking | undefined) => {
    const [top, next] = list ?? [];
    return top && next ? (top.score - next.score) / top.score : top ? 1 : 0;
  };
  const gaps = { word: gapOf(ranked.rankings.word), chars: gapOf(ranked.rankings.chars) };
  const clear = gaps.word >= MIN_RELATIVE_GAPS.word && gaps.chars >= MIN_RELATIVE_GAPS.chars;
  return { confident: agree && clear && coverage >= MIN_COVERAGE, coverage, agree, gaps };
}

export function citationOf(passage: Pick<Passage, 'title' | 'heading' | 'source'>): string {
  const { title, heading, source } = passage;
  // A heading path already starts with the document's h1; a title made from the file name adds nothing.
  const showTitle = title !== source && !heading?.startsWith(title);
  const name = [showTitle ? title : '', heading ?? ''].filter(Boolean).join(' › ') || title;
  return name === source ? name : `${name} — ${source}`;
}

/**
 * The passage's own sentence(s) that answer the question best: each sentence scored by the
 * character n-grams it shares with the question, each shared n-gram weighted by its rarity in
 * the passage; the best one, and the next best too when it comes close (an answer is often
 * spread over two sentences: "Aceitamos Pix… Parcelamos em até 3 vezes…").
 */
export function bestSentences(content: string, question: string): string {
  const sentences = content.match(/[^.!?\n]+(?:[.!?]+|$)/g)?.map((s) => s.trim()) ?? [];
  const kept = sentences.filter(Boolean);
  if (kept.length <= 2) return content.trim();
  const asked = charGrams(question);
  const grams = kept.map((sentence) => charGrams(sentence));
  const spread = new Map<string, number>();
  for (const sentenceGrams of grams) {
    for (const gram of sentenceGrams.keys()) spread.set(gram, (spread.get(gram) ?? 0) + 1);
  }
  const scores = grams.map((sentenceGrams) => {
    let score = 0;
    for (const gram of asked.keys()) {
      if (sentenceGrams.has(gram)) score += Math.log(1 + kept.length / (spread.get(gram) ?? 1));
    }
    return score;
  });
  const ranked = scores.map((score, index) => ({ score, index })).sort((a, b) => b.score - a.score);
  const best = ranked[0] as { score: number; index: number };
  const chosen = [best.index];
  const next = ranked[1];
  if (next && next.score >= 0.7 * best.score) chosen.push(next.index);
  return chosen
    .sort((a, b) => a - b)
    .map((index) => kept[index])
    .join(' ');
}

export interface KnowledgeFinding {
  text: string;
  citation: string;
  source: string;
  heading: string | null;
}

export function knowledgeLookup(db: Db, logger?: Logger) {
  return async (query: { tenantId?: string; text: string }): Promise<KnowledgeFinding | null> => {
    if (!query.tenantId) return null;
    const ranked = await rankPassages(db, { tenantId: query.tenantId, query: query.text });
    const top = ranked.fused[0];
    // Covered are the question's words of substance: courtesy and function words say nothing.
    const asked = searchQuery(query.text).substantive.join(' ');
    const coverage = top ? await questionCoverage(db, query.tenantId, asked, top.chunkId) : 0;
    const verdict = judgeConfidence(ranked, coverage);
    const candidates = await passagesOf(db, query.tenantId, ranked.fused.slice(0, 3));
    const hit = (found: RankerHit | undefined) =>
      found && [found.rank, Number(found.score.toFixed(3))];
    logger?.info(
      {
        tenant: query.tenantId,
        decision: verdict.confident ? 'answer' : 'hand_over',
        agree: verdict.agree,
        coverage: Number(verdict.coverage.toFixed(3)),
        gaps: {
          word: Number(verdict.gaps.word.toFixed(3)),
          chars: Number(verdict.gaps.chars.toFixed(3)),
        },
        candidates: candidates.map((p) => ({
          source: citationOf(p),
          fused: Number(p.score.toFixed(4)),
          word: hit(p.rankers.word),
          chars: hit(p.rankers.chars),
          vector: hit(p.rankers.vector),
        })),
      },
      'offline responder knowledge lookup',
    );
    const first = candidates[0];
    if (!first || !verdict.confident) return null;
    return {
      text: bestSentences(first.content, query.text),
      citation: citationOf(first),
      source: first.source,
      heading: first.heading,
    };
  };
}
