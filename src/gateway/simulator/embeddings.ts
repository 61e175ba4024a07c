/**
 * OpenAI embeddings wire format (`POST /v1/embeddings`) with deterministic vectors: each text's
 * accent-free lower-case character trigrams hashed into a fixed number of dimensions. Texts that
 * share spelling land near each other, so retrieval tests can see the vector ranker at work; the
 * figures say nothing about a real model.
 */
import { createHash } from 'node:crypto';

export const EMBEDDING_DIMENSIONS = 64;

export function simEmbedding(text: string): number[] {
  const vector = new Array<number>(EMBEDDING_DIMENSIONS).fill(0);
  const plain = ` ${text
    .normalize('NFD')
    .replace(/\p{Diacritic}/gu, '')
    .toLowerCase()} `;
  for (let i = 0; i + 3 <= plain.length; i += 1) {
    const digest = createHash('md5')
      .update(plain.slice(i, i + 3))
      .digest();
    const slot = digest.readUInt16BE(0) % EMBEDDING_DIMENSIONS;
    vector[slot] = (vector[slot] as number) + ((digest[2] as number) & 1 ? 1 : -1);
  }
  const norm = Math.sqrt(vector.reduce((sum, x) => sum + x * x, 0)) || 1;
  return vector.map((x) => x / norm);
}

/** The response body for a request body `{model, input: string | string[]}`. */
export function embeddingsResponse(body: unknown): unknown {
  const { model, input } = (body ?? {}) as { model?: string; input?: string | string[] };
  const texts = Array.isArray(input) ? input : [String(input ?? '')];
  const tokens = texts.reduce((sum, text) => sum + Math.ceil(text.length / 4), 0);
  return {
    object: 'list',
    data: texts.map((text, index) => ({
      object: 'embedding',
      index,
      embedding: simEmbedding(text),
    })),
    model: model ?? 'sim-embedding',
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  };
}
