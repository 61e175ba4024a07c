/** Why an attachment could not be kept or understood: a stable code, and whether trying again can help. */
export type MediaErrorCode =
  /** Larger than MEDIA_MAX_BYTES. */
  | 'too_large'
  /** Its type is not in MEDIA_ALLOWED_TYPES. */
  | 'type_refused'
  /** The channel would not give us the file (expired, not found, provider down). */
  | 'fetch_failed'
  /** No transcription provider is configured. */
  | 'no_transcriber'
  /** Every transcription provider failed. */
  | 'transcription_failed'
  /** The document's text could not be read. */
  | 'unreadable'
  /** The turn's deadline passed before it was ready. */
  | 'deadline';

const RETRYABLE: ReadonlySet<MediaErrorCode> = new Set([
  'fetch_failed',
  'transcription_failed',
  'deadline',
]);

export class MediaError extends Error {
  readonly code: MediaErrorCode;
  readonly retryable: boolean;
  constructor(code: MediaErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MediaError';
    this.code = code;
    this.retryable = RETRYABLE.has(code);
  }
}
