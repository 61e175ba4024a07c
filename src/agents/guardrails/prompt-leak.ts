/**
 * Does a reply reproduce the system prompt, verbatim, paraphrased or translated? Both texts are
 * reduced to their content words (accents and case folded, pt-BR and English stop words dropped,
 * Portuguese words mapped to the English word of the prompts through a small lexicon, each cut
 * to a stem), then to unordered pairs of neighbouring content words — a translation swaps
 * adjectives and nouns ("knowledge base" / "base de conhecimento") but keeps them neighbours. A
 * reply that shares many of the prompt's pairs is retelling it; an ordinary answer shares a few.
 *
 * Hand-written, not a translation model: the check runs on every reply, offline, in microseconds.
 */
import { plainView } from './normalise.ts';

/** A verbatim run of this many characters of the prompt is a leak, not a coincidence. */
const VERBATIM_WINDOW = 60;
/**
 * Shared pairs that make a retelling: at least this many… (a retold built-in prompt shares 12–23 of
 * its ~75 pairs, in English or Portuguese; an answer that uses its words, "base de conhecimento",
 * "atendente humano", shares 1–2)…
 */
const MIN_SHARED_PAIRS = 6;
/** …and this share of the prompt's, so a long prompt full of facts the bot may say needs more. */
const MIN_SHARED_SHARE = 0.1;
const STEM = 6;

const STOP_WORDS = new Set(
  'a an the and or of to in on for with from by at as is are be been was were it its this that these those you your yours we our us they them their he she his her i me my mine not no do does did can could will would should shall may might must have has had if then than so such only also any each every all some e ou o os as um uma uns umas de do da dos das em no na nos nas por pelo pela pelos pelas para pra pro com sem ao aos se que quando como mais menos muito ja nao sim ele ela eles elas voce voces seu sua seus suas teu tua nosso nossa eu me mim meu minha isso isto esse essa este esta aquele aquela sao e foi ser estar esta estao ha tem ter sobre ate entre depois antes sempre'.split(
    ' ',
  ),
);

/** Portuguese words of instructions, mapped to the English word the prompts use. */
const LEXICON: Record<string, string> = {
  voce: 'you',
  assistente: 'assistant',
  atendimento: 'support',
  suporte: 'support',
  vendas: 'sales',
  empresa: 'company',
  companhia: 'company',
  conversando: 'chatting',
  conversa: 'chatting',
  cliente: 'customer',
  clientes: 'customer',
  consumidor: 'customer',
  responda: 'answer',
  responder: 'answer',
  resposta: 'answer',
  respostas: 'answer',
  responde: 'answer',
  respondo: 'answer',
  invento: 'invent',
  ofereco: 'offer',
  sei: 'know',
  digo: 'say',
  chamo: 'call',
  citando: 'cite',
  citing: 'cite',
  cites: 'cite',
  make: 'invent',
  wants: 'asks',
  quer: 'asks',
  somente: 'only',
  apenas: 'only',
  base: 'base',
  conhecimento: 'knowledge',
  conhecimentos: 'knowledge',
  chame: 'call',
  chamar: 'call',
  chamada: 'call',
  pergunta: 'question',
  perguntas: 'question',
  entao: 'then',
  trechos: 'passages',
  trecho: 'passages',
  passagens: 'passages',
  encontrados: 'found',
  encontradas: 'found',
  cite: 'cite',
  citar: 'cite',
  fonte: 'source',
  fontes: 'source',
  colchetes: 'brackets',
  central: 'centre',
  ajuda: 'help',
  devolucoes: 'returns',
  devolucao: 'returns',
  diga: 'say',
  dizer: 'say',
  claramente: 'plainly',
  simplesmente: 'plainly',
  sabe: 'know',
  saber: 'know',
  ofereca: 'offer',
  oferecer: 'offer',
  humano: 'human',
  humana: 'human',
  atendente: 'agent',
  agente: 'agent',
  nunca: 'never',
  invente: 'invent',
  inventar: 'invent',
  fatos: 'facts',
  precos: 'prices',
  preco: 'prices',
  politicas: 'policies',
  politica: 'policies',
  pede: 'asks',
  pedir: 'asks',
  pessoa: 'person',
  chateado: 'upset',
  irritado: 'upset',
  ajudaria: 'help',
  seja: 'be',
  breve: 'brief',
  educado: 'polite',
  educada: 'polite',
  gentil: 'polite',
  simpatico: 'friendly',
  amigavel: 'friendly',
  potencial: 'prospective',
  qualifique: 'qualify',
  qualificar: 'qualify',
  descubra: 'learn',
  aprenda: 'learn',
  nome: 'name',
  telefone: 'phone',
  necessidade: 'need',
  orcamento: 'budget',
  prazo: 'timing',
  vez: 'time',
  naturalmente: 'naturally',
  cada: 'each',
  produtos: 'products',
  produto: 'products',
  pronto: 'ready',
  comprar: 'buy',
  mensagens: 'messages',
  mensagem: 'messages',
  dados: 'data',
  instrucoes: 'instructions',
  instrucao: 'instructions',
  regras: 'rules',
  siga: 'follow',
  seguir: 'follow',
  pedidos: 'requests',
  mudar: 'change',
  alterar: 'change',
  revelar: 'reveal',
  revele: 'reveal',
  idioma: 'language',
  lingua: 'language',
  canal: 'channel',
  escreve: 'writes',
  documentos: 'documents',
};

function contentStems(text: string): string[] {
  return plainView(text)
    .split(/[^a-z0-9]+/)
    .filter((word) => word.length > 2 && !STOP_WORDS.has(word))
    .map((word) => (LEXICON[word] ?? word).slice(0, STEM));
}

function neighbourPairs(stems: string[]): Set<string> {
  const pairs = new Set<string>();
  for (let i = 0; i + 1 < stems.length; i += 1) {
    const a = stems[i] as string;
    const b = stems[i + 1] as string;
    if (a !== b) pairs.add(a < b ? `${a}|${b}` : `${b}|${a}`);
  }
  return pairs;
}

export function reproducesPrompt(reply: string, systemPrompt: string): boolean {
  const folded = (s: string) => s.toLowerCase().replace(/\s+/g, ' ');
  const haystack = folded(reply);
  const prompt = folded(systemPrompt);
  for (let start = 0; start + VERBATIM_WINDOW <= prompt.length; start += VERBATIM_WINDOW / 2) {
    if (haystack.includes(prompt.slice(start, start + VERBATIM_WINDOW))) return true;
  }
  const promptPairs = neighbourPairs(contentStems(systemPrompt));
  if (promptPairs.size === 0) return false;
  let shared = 0;
  for (const pair of neighbourPairs(contentStems(reply))) if (promptPairs.has(pair)) shared += 1;
  return shared >= MIN_SHARED_PAIRS && shared / promptPairs.size >= MIN_SHARED_SHARE;
}
