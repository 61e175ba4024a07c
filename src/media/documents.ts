/** A document's text, for the agent to read as quoted data: PDF through unpdf, plain text as is. */
import { pdfToText } from '../knowledge/index.ts';
import { MediaError } from './errors.ts';
import { baseType } from './limits.ts';

/** Types whose text Omni can read. */
export function readableDocument(mimeType: string | undefined): boolean {
  const type = baseType(mimeType);
  return type === 'application/pdf' || type.startsWith('text/');
}

export async function documentText(
  bytes: Uint8Array,
  mimeType: string | undefined,
): Promise<string> {
  const type = baseType(mimeType);
  try {
    if (type === 'application/pdf') return (await pdfToText(bytes)).trim();
    if (type.startsWith('text/')) return new TextDecoder('utf-8').decode(bytes).trim();
  } catch (error) {
    throw new MediaError(
      'unreadable',
      `The document could not be read (${(error as Error).message}).`,
      {
        cause: error,
      },
    );
  }
  throw new MediaError('unreadable', `Documents of type ${type || 'unknown'} cannot be read.`);
}
