/** What Omni accepts from a contact (MEDIA_MAX_BYTES, MEDIA_ALLOWED_TYPES), checked before anything is stored. */
import { MediaError } from './errors.ts';

export interface MediaLimits {
  maxBytes: number;
  /** `audio/*` or `application/pdf`; lower case. */
  allowedTypes: readonly string[];
}

/** `audio/ogg; codecs=opus` → `audio/ogg`. */
export function baseType(mimeType: string | undefined): string {
  return (mimeType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

export function typeAllowed(mimeType: string | undefined, limits: MediaLimits): boolean {
  const type = baseType(mimeType);
  if (!type) return false;
  return limits.allowedTypes.some((allowed) =>
    allowed.endsWith('/*') ? type.startsWith(allowed.slice(0, -1)) : type === allowed,
  );
}

/** Throws `type_refused` or `too_large`; a declared size is checked before any download. */
export function checkMedia(
  file: { mimeType?: string; sizeBytes?: number },
  limits: MediaLimits,
): void {
  if (!typeAllowed(file.mimeType, limits)) {
    throw new MediaError(
      'type_refused',
      `Media type ${baseType(file.mimeType) || 'unknown'} is not accepted.`,
    );
  }
  if (file.sizeBytes !== undefined && file.sizeBytes > limits.maxBytes) {
    throw new MediaError(
      'too_large',
      `The file has ${file.sizeBytes} bytes; at most ${limits.maxBytes} are accepted.`,
    );
  }
}
