/**
 * Cuts sections into passages: paragraphs of one section are joined up to a size that fits a
 * prompt comfortably, never across headings; a paragraph longer than that is split on sentences.
 */
import type { Section } from './parse.ts';

/** ~300 tokens: a passage answers one question and several fit in one prompt. */
export const MAX_CHUNK_CHARS = 1200;

export interface Chunk {
  heading: string;
  content: string;
}

export function chunkSections(sections: Section[], maxChars = MAX_CHUNK_CHARS): Chunk[] {
  const chunks: Chunk[] = [];
  for (const section of sections) {
    let current = '';
    const push = () => {
      if (current) chunks.push({ heading: section.heading, content: current });
      current = '';
    };
    for (const paragraph of section.paragraphs.flatMap((p) => splitLong(p, maxChars))) {
      if (current && current.length + paragraph.length + 2 > maxChars) push();
      current = current ? `${current}\n\n${paragraph}` : paragraph;
    }
    push();
  }
  return chunks;
}

function splitLong(paragraph: string, maxChars: number): string[] {
  if (paragraph.length <= maxChars) return [paragraph];
  const parts: string[] = [];
  let current = '';
  for (const sentence of paragraph.match(/[^.!?]+[.!?]*\s*/g) ?? [paragraph]) {
    if (current && current.length + sentence.length > maxChars) {
      parts.push(current.trim());
      current = '';
    }
    current += sentence;
  }
  if (current.trim()) parts.push(current.trim());
  return parts;
}
