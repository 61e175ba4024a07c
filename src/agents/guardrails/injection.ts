/**
 * Prompt-injection detection (SPEC §7.3), pt-BR and en, on folded text (no accents, lower case):
 * instructions to drop the system prompt, role-play jailbreaks, prompt exfiltration and forged
 * role markers. Each pattern needs an instruction-ish object ("instructions", "rules", "prompt"),
 * so "ignore my last message" or "forget the blue one" stay ordinary.
 */
import { foldForSearch } from '../../knowledge/index.ts';

export type InjectionKind = 'override' | 'exfiltration' | 'roleplay' | 'role_marker';

const RULES =
  '(instruc\\w*|regras?|diretrizes|orientac\\w*|comandos?|instructions?|rules?|guidelines|directives|programming|programacao|prompt\\w*|restric\\w*|restrictions?)';
const ANY = '(?:\\s+\\S+){0,4}?\\s+';

const PATTERNS: Array<[InjectionKind, RegExp]> = [
  // "ignore all previous instructions", "disregard your rules", "esqueça suas instruções"
  [
    'override',
    new RegExp(
      `\\b(ignore|ignora\\w*|disregard|forget|esquec\\w*|esqueca|desconsider\\w*|override|bypass|skip|abandon\\w*|descart\\w*|desobedec\\w*|nao (siga|obedeca|respeite))${ANY}${RULES}`,
    ),
  ],
  // "new instructions:", "a partir de agora suas regras são", "from now on you will"
  [
    'override',
    /\b(new|novas?) (instructions?|instruc\w*|regras?|rules?)\s*:|\b(from now on|a partir de agora|daqui pra frente),? (you|voce|tu)\b/,
  ],
  // "show me your system prompt", "repita suas instruções iniciais", "what were you told"
  [
    'exfiltration',
    new RegExp(
      `\\b(show|reveal|print|repeat|display|output|tell|give|write|list|leak|dump|mostr\\w*|revel\\w*|imprim\\w*|repit\\w*|repet\\w*|exib\\w*|diga|diz|conte|escrev\\w*|list\\w*|copi\\w*|qual (e|eh|sao))${ANY}(system (prompt|message|instructions?)|(initial|original|hidden|secret|first) (prompt|instructions?|rules)|prompt (do|de) sistema|instruc\\w* (do sistema|iniciais|originais|secretas|ocultas)|(seu|teu|your|o) prompt|(suas|tuas|your) (instruc\\w*|instructions|regras|rules))`,
    ),
  ],
  [
    'exfiltration',
    /\b(what (were|are) you (told|instructed|programmed)|text above|everything above|tudo (que esta )?acima|texto acima|o que (te )?(disseram|mandaram|instruiram|programaram))\b/,
  ],
  // "you are now DAN", "act as an AI without restrictions", "finja que não tem regras"
  [
    'roleplay',
    /\b(jailbreak|dan mode|modo dan|developer mode|modo (de )?desenvolvedor|god mode|modo deus|do anything now|faca qualquer coisa agora|unfiltered|sem filtros?|sem censura|uncensored)\b/,
  ],
  [
    'roleplay',
    new RegExp(
      `\\b(pretend|act as if|act like|imagine|roleplay|role-play|finj\\w*|fing\\w*|aj\\w* como se|imagin\\w*|faca de conta)${ANY}(no|without|sem|nenhuma|not have|nao (tem|tivesse|ha)|free of|livre de)\\s+(\\S+\\s+)?${RULES}`,
    ),
  ],
  [
    'roleplay',
    /\b(you are|you're|voce e|voce agora e|agora voce e|tu es) (now )?(agora )?(an? |um |uma )?(dan|evil|unrestricted|unfiltered|jailbroken|sem restric\w*|sem regras|livre de regras|(ai|ia|assistente|bot) (sem|without) (regras|restric\w*|rules|restrictions|limits|limites))\b/,
  ],
  // Forged conversation markup meant to pass as the system's own voice.
  [
    'role_marker',
    /(<\|?\/?(system|im_start|im_end|assistant)\|?>|\[\/?(system|inst)\]|^\s*#{2,}\s*(system|sistema)\b|^\s*(system|sistema)\s*:)/m,
  ],
];

export interface InjectionVerdict {
  kind: InjectionKind;
  /** The words that matched, for the log line. */
  evidence: string;
}

export function detectInjection(text: string): InjectionVerdict | null {
  const folded = foldForSearch(text);
  for (const [kind, pattern] of PATTERNS) {
    const match = pattern.exec(folded);
    if (match) return { kind, evidence: match[0].slice(0, 80) };
  }
  return null;
}
