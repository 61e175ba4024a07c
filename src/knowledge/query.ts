/**
 * What a customer's message asks, as the rankers should read it: folded; greetings and courtesy
 * removed ("Bom dia! Queria saber…"), so they neither steer the ranking nor hide the question;
 * chat abbreviations spelt out ("vcs", "qto"); function words dropped; and the related terms of
 * customer service (related-terms.ts) added as a second, lighter query.
 */
import { por } from 'stopword';
import { RELATED_TERMS } from './related-terms.ts';
import { foldForSearch } from './text.ts';

/**
 * Greetings, courtesy and filler around a question, matched on the folded text; pt-BR and en, as
 * the offline responder's messages are.
 */
const COURTESY = new RegExp(
  `\\b(${[
    'oi+e?',
    'ola',
    'opa',
    'e ai',
    'bo[am] (dia|tarde|noite)',
    'tudo (bem|bom|certo|joia|tranquilo)( com (voce|voces|vc|vcs))?',
    'pessoal',
    'galera',
    'como (vai|vao|voces estao|voce esta)',
    'por favor',
    'pfv',
    'pf',
    'obrigad[oa]',
    'valeu',
    'desculpa',
    'com licenca',
    'gostaria de saber',
    'queria saber',
    'quero saber',
    'uma duvida',
    'tenho uma duvida',
    'pode(ria)? me (ajudar|informar|dizer)',
    'hello( there)?',
    'hi( there)?',
    'hey( there)?',
    'good (morning|afternoon|evening)',
    'please',
    'thanks',
    'thank you',
    'i would like to know',
    'i was wondering',
  ].join('|')})\\b[\\s,.!?;:]*`,
  'g',
);

/** The folded message without its courtesy; empty when the message was only courtesy. */
export function stripCourtesy(text: string): string {
  return foldForSearch(text).replace(COURTESY, ' ').replace(/\s+/g, ' ').trim();
}

/** How Brazilians abbreviate in chat, spelt out so the words meet the passages' own. */
const ABBREVIATIONS: Record<string, string> = {
  vc: 'voce',
  vcs: 'voces',
  voceis: 'voces',
  pra: 'para',
  pro: 'para o',
  q: 'que',
  oq: 'o que',
  qto: 'quanto',
  qt: 'quanto',
  qnt: 'quanto',
  qdo: 'quando',
  qnd: 'quando',
  pq: 'porque',
  tb: 'tambem',
  tbm: 'tambem',
  hj: 'hoje',
  mto: 'muito',
  mt: 'muito',
  td: 'tudo',
  cmg: 'comigo',
  ctz: 'certeza',
  msg: 'mensagem',
  ta: 'esta',
  to: 'estou',
  niver: 'aniversario',
  whats: 'whatsapp',
  zap: 'whatsapp',
};

/**
 * Function words, from the `stopword` package's Portuguese list, folded — less the words that
 * change what is asked: "sem" ("sem glúten") and "não" ("não funciona"). Question words ("quais",
 * "quando", "como") and verbs that open almost any question ("tem", "posso", "preciso") are in
 * it: they name no topic, so they neither call related terms nor count for coverage.
 */
const STOPWORDS = new Set([
  ...por.map(foldForSearch).filter((word) => word !== 'sem' && word !== 'nao'),
  ...['tem', 'ter', 'tinha', 'ha', 'posso', 'pode', 'podem', 'preciso', 'precisa', 'faz', 'fazem'],
  ...['esta', 'estou', 'sao', 'ser', 'vai', 'vou', 'ai', 'aqui', 'la', 'ja', 'agora', 'algum'],
  ...['alguma', 'voces', 'voce', 'quanto', 'quanta', 'quantos', 'quantas', 'saber', 'queria'],
]);

/** Two words are one for the lexicon when they share a long prefix: "castrar" ~ "castração". */
function sameWord(a: string, b: string): boolean {
  if (a === b) return true;
  const shortest = Math.min(a.length, b.length);
  if (shortest < 5) return false;
  const needed = Math.max(5, shortest - 2);
  return a.slice(0, needed) === b.slice(0, needed);
}

export interface SearchQuery {
  /**
   * The question's own words, folded. Function words stay: on FaQuAD, ranking without them lost
   * two points of R@1, as they carry part of a question's shape ("o que é", "quem pode").
   */
  words: string[];
  /** Its words of substance: what the related terms are found for, and coverage is judged on. */
  substantive: string[];
  /** Related terms of those words that the question does not use. */
  related: string[];
}

/**
 * The words to search for, and the related terms to search for with less weight. Only a word the
 * knowledge base does not use (`known`) calls its related terms: a word the passages use already
 * finds them, and expanding it anyway drowns the question in its neighbours — on FaQuAD, a
 * university's regulations, expanding "curso" or "nota" everywhere cost two points of R@1.
 */
export function searchQuery(
  text: string,
  known: (word: string) => boolean = () => false,
): SearchQuery {
  const stripped = stripCourtesy(text);
  const spelt = stripped
    .split(/[^\p{L}\p{N}%]+/u)
    .filter(Boolean)
    .flatMap((word) => (ABBREVIATIONS[word] ?? word).split(' '));
  const substantive = spelt.filter((word) => !STOPWORDS.has(word));
  const unknown = substantive.filter((word) => !known(word));
  const phrase = ` ${spelt.join(' ')} `;
  const related = new Set<string>();
  for (const group of RELATED_TERMS) {
    const named = group.some((term) =>
      term.includes(' ')
        ? phrase.includes(` ${term} `) && term.split(' ').some((part) => unknown.includes(part))
        : unknown.some((word) => sameWord(word, term)),
    );
    if (!named) continue;
    for (const term of group) {
      for (const part of term.split(' ')) {
        if (!STOPWORDS.has(part) && !spelt.some((word) => sameWord(word, part))) related.add(part);
      }
    }
  }
  return { words: spelt, substantive, related: [...related] };
}
