/**
 * PDF → text with unpdf (PDF.js built for servers): one paragraph block per page, so passages are
 * cut on page and paragraph breaks like a plain-text document.
 */
import { extractText } from 'unpdf';
import { KnowledgeError } from './errors.ts';

export async function pdfToText(bytes: Uint8Array): Promise<string> {
  let pages: string[];
  try {
    pages = (await extractText(new Uint8Array(bytes), { mergePages: false })).text;
  } catch (error) {
    throw new KnowledgeError(
      'unsupported_format',
      `The PDF could not be read (${(error as Error).message}).`,
    );
  }
  // PDF.js gives a page's lines joined by newlines; a blank line between pages keeps them apart.
  return pages.map((page) => page.trim()).join('\n\n');
}
