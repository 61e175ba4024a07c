/**
 * What an attacker does to slip words past a filter, undone before the injection patterns run:
 * compatibility forms (fullwidth, mathematical letters), invisible characters, look-alike letters
 * from other scripts, accents, case, leetspeak, letters spaced out or separated by dots and dashes,
 * base64 and ROT13. Each way of reading the message is a "view" the patterns see.
 */
import unhomoglyph from 'unhomoglyph';

export type ViewKind = 'plain' | 'leet' | 'joined' | 'base64' | 'rot13' | 'fragments';

export interface TextView {
  kind: ViewKind;
  text: string;
}

/** Zero-width characters, joiners, soft hyphens, bidi controls: format characters (Unicode Cf). */
const INVISIBLE = /\p{Cf}|\u034f|[\u115f\u1160\u3164]/gu;
const LEET: Record<string, string> = {
  '0': 'o',
  '1': 'i',
  '3': 'e',
  '4': 'a',
  '5': 's',
  '7': 't',
  '@': 'a',
  $: 's',
};
/** A word with a letter and a leet character in it ("pr0mpt", "1nstruct10ns", "sy$tem"). */
const LEET_WORD = /[\p{L}0-9@$]*[\p{L}][\p{L}0-9@$]*/gu;
/** Three or more single letters joined by one repeated separator: "i g n o r e", "r.e.v.e.a.l". */
const SPACED = /(?<![\p{L}\p{N}])\p{L}([ .\-_*|~+·/])\p{L}(?:\1\p{L})+(?![\p{L}\p{N}])/gu;
/** A base64 run long enough to carry a sentence. */
const BASE64_RUN = /[A-Za-z0-9+/]{16,}={0,2}/g;
/** Quoted fragments that a message asks to put back together ("'igno' + 're as regras'"). */
const QUOTED = /['"‘’“”]([^'"‘’“”\n]{1,60})['"‘’“”]/g;

/**
 * One character's base form: Latin letters lose their accents (NFD), other scripts' look-alikes
 * become the Latin letter they imitate (Unicode confusables, through unhomoglyph). ASCII stays
 * as typed: the confusables table maps "m" to "rn" and "1" to "l", which only comparisons want.
 */
function baseCharacters(text: string): string {
  let out = '';
  for (const char of text.normalize('NFKC').replace(INVISIBLE, '').normalize('NFD')) {
    if (char.charCodeAt(0) < 0x80) out += char;
    else if (/\p{M}/u.test(char)) continue;
    else if (/[\p{Z}]/u.test(char)) out += ' ';
    else {
      const base = unhomoglyph(char);
      out += /^[\x20-\x7e]+$/.test(base) ? base.toLowerCase() : char;
    }
  }
  return out;
}

/** Accents, case, invisible characters and look-alikes folded; whitespace collapsed. */
export function plainView(text: string): string {
  return baseCharacters(text).toLowerCase().replace(/\s+/g, ' ').trim();
}

function deleet(text: string): string {
  return text.replace(LEET_WORD, (word) =>
    /[0-9@$]/.test(word) ? word.replace(/[013457@$]/g, (c) => LEET[c] ?? c) : word,
  );
}

function joinSpacedLetters(text: string): string {
  return text.replace(SPACED, (run, separator: string) => run.split(separator).join(''));
}

function rot13(text: string): string {
  return text.replace(/[a-z]/g, (c) =>
    String.fromCharCode(((c.charCodeAt(0) - 97 + 13) % 26) + 97),
  );
}

/** Base64 runs that decode to readable text (mostly printable, with spaces): a hidden sentence. */
function decodedBase64(text: string): string[] {
  const found: string[] = [];
  for (const run of text.match(BASE64_RUN) ?? []) {
    const decoded = Buffer.from(run, 'base64').toString('utf8');
    const printable = decoded.replace(/[^\p{L}\p{N}\p{P}\p{Zs}]/gu, '').length;
    if (decoded.includes(' ') && printable / decoded.length > 0.9) found.push(plainView(decoded));
  }
  return found;
}

/** Every reading of the message worth scanning, the plain one first. */
export function viewsOf(text: string): TextView[] {
  const plain = plainView(text);
  const views: TextView[] = [{ kind: 'plain', text: plain }];
  const add = (kind: ViewKind, candidate: string) => {
    if (candidate && !views.some((v) => v.text === candidate))
      views.push({ kind, text: candidate });
  };
  add('leet', deleet(plain));
  // Spaced letters are joined before whitespace collapses: "s h o w   y o u r" keeps its words.
  const spaced = deleet(baseCharacters(text).toLowerCase());
  add('joined', joinSpacedLetters(spaced).replace(/\s+/g, ' ').trim());
  for (const decoded of decodedBase64(text)) add('base64', decoded);
  add('rot13', rot13(plain));
  const fragments = [...text.matchAll(QUOTED)].map((m) => m[1] ?? '');
  if (fragments.length >= 2) add('fragments', plainView(fragments.join('')));
  return views;
}
