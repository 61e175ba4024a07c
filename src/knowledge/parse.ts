/**
 * Turns a source into sections (heading path + paragraphs) by its structure: Markdown headings,
 * HTML headings, blank-line paragraphs of plain text, FAQ question/answer pairs of JSON.
 */
import { convert } from 'html-to-text';
import { KnowledgeError } from './errors.ts';

export const KB_FORMATS = ['markdown', 'text', 'json', 'html'] as const;
export type KbFormat = (typeof KB_FORMATS)[number];

export interface Section {
  /** Headings above the section, outermost first ("Planos › Preços"); empty at the top. */
  heading: string;
  paragraphs: string[];
}

export interface ParsedDocument {
  title?: string;
  sections: Section[];
}

const EXTENSIONS: Record<string, KbFormat> = {
  md: 'markdown',
  markdown: 'markdown',
  txt: 'text',
  text: 'text',
  json: 'json',
  html: 'html',
  htm: 'html',
};

/** The format named by a file extension, or undefined for one we do not read. */
export function formatOfPath(path: string): KbFormat | undefined {
  const extension = path.split('.').pop()?.toLowerCase() ?? '';
  return EXTENSIONS[extension];
}

export function parseDocument(content: string, format: KbFormat): ParsedDocument {
  switch (format) {
    case 'markdown':
      return parseMarkdown(content);
    case 'html':
      return parseMarkdown(htmlToMarkdownish(content));
    case 'json':
      return parseFaqJson(content);
    case 'text':
      return { sections: [{ heading: '', paragraphs: paragraphsOf(content) }] };
  }
}

function paragraphsOf(text: string): string[] {
  return text
    .split(/\n\s*\n/)
    .map((p) => p.replace(/\s+/g, ' ').trim())
    .filter(Boolean);
}

function parseMarkdown(content: string): ParsedDocument {
  const sections: Section[] = [];
  const path: string[] = [];
  let title: string | undefined;
  let buffer: string[] = [];
  const flush = () => {
    const paragraphs = paragraphsOf(buffer.join('\n'));
    if (paragraphs.length > 0) sections.push({ heading: path.join(' › '), paragraphs });
    buffer = [];
  };
  let fenced = false;
  for (const line of content.split(/\r?\n/)) {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    const heading = fenced ? null : /^(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line);
    if (!heading) {
      buffer.push(line);
      continue;
    }
    flush();
    const level = (heading[1] as string).length;
    const text = (heading[2] as string).trim();
    if (level === 1 && title === undefined) title = text;
    path.length = Math.min(path.length, level - 1);
    while (path.length < level - 1) path.push('');
    path[level - 1] = text;
    // Empty levels (an h3 under an h1) are left out of the visible path.
    for (let i = path.length - 1; i >= 0; i -= 1) if (path[i] === '') path.splice(i, 1);
  }
  flush();
  return { title, sections };
}

/** HTML → text that keeps headings as Markdown `#` lines, so one parser cuts both. */
function htmlToMarkdownish(html: string): string {
  return convert(html, {
    wordwrap: false,
    formatters: {
      markdownHeading: (element, walk, builder) => {
        const level = Number(String(element.name).slice(1)) || 1;
        builder.openBlock({ leadingLineBreaks: 2 });
        builder.addLiteral(`${'#'.repeat(level)} `);
        walk(element.children, builder);
        builder.closeBlock({ trailingLineBreaks: 2 });
      },
    },
    selectors: [
      ...[1, 2, 3, 4, 5, 6].map((level) => ({ selector: `h${level}`, format: 'markdownHeading' })),
      { selector: 'a', options: { ignoreHref: true } },
      { selector: 'img', format: 'skip' },
      { selector: 'script', format: 'skip' },
      { selector: 'style', format: 'skip' },
      { selector: 'nav', format: 'skip' },
    ],
  });
}

interface FaqPair {
  question?: unknown;
  answer?: unknown;
  pergunta?: unknown;
  resposta?: unknown;
  q?: unknown;
  a?: unknown;
}

/**
 * FAQ JSON: an array of `{question, answer}` (or `pergunta`/`resposta`, `q`/`a`), or an object
 * with such an array under `faq`/`faqs`/`items`, optionally with a `title`.
 */
function parseFaqJson(content: string): ParsedDocument {
  let parsed: unknown;
  try {
    parsed = JSON.parse(content);
  } catch (error) {
    throw new KnowledgeError(
      'unsupported_format',
      `The JSON could not be parsed (${(error as Error).message}); a FAQ is an array of {"question", "answer"}.`,
    );
  }
  const holder = parsed as { title?: unknown; faq?: unknown; faqs?: unknown; items?: unknown };
  const list = Array.isArray(parsed) ? parsed : (holder.faq ?? holder.faqs ?? holder.items);
  if (!Array.isArray(list)) {
    throw new KnowledgeError(
      'unsupported_format',
      'A JSON FAQ is an array of {"question", "answer"} objects, or an object with one under "faq".',
    );
  }
  const sections: Section[] = [];
  for (const item of list as FaqPair[]) {
    const question = item.question ?? item.pergunta ?? item.q;
    const answer = item.answer ?? item.resposta ?? item.a;
    if (typeof question !== 'string' || typeof answer !== 'string') continue;
    // One pair is one passage: the question is what a contact asks, so it is searched too.
    sections.push({ heading: question.trim(), paragraphs: [answer.replace(/\s+/g, ' ').trim()] });
  }
  return {
    title: typeof holder.title === 'string' ? holder.title : undefined,
    sections,
  };
}
