/**
 * Input PostgreSQL cannot store: a NUL character (U+0000) is valid JSON but not valid `text`, so a
 * request carrying one would otherwise fail at the database with a 500. It is refused at the edge
 * with a 400 that names the field, before any validation or handler runs.
 */
import type { FastifyInstance } from 'fastify';
import { HttpError } from './errors.ts';

/** The dotted path of the first string holding a NUL character, or undefined. */
function nulPath(value: unknown, path: string, depth = 0): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path : undefined;
  if (depth > 32 || value === null || typeof value !== 'object') return undefined;
  for (const [key, item] of Object.entries(value)) {
    const here = `${path}.${key}`;
    if (key.includes('\u0000')) return here;
    const found = nulPath(item, here, depth + 1);
    if (found) return found;
  }
  return undefined;
}

export function refuseNulCharacters(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => {
    for (const [context, value] of [
      ['params', request.params],
      ['querystring', request.query],
      ['body', request.body],
    ] as const) {
      const path = nulPath(value, context);
      if (path) {
        throw new HttpError(
          400,
          'invalid_request',
          `${path}: contains a NUL character (U+0000), which cannot be stored.`,
        );
      }
    }
  });
}
