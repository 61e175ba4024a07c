/**
 * Media (issue 16): attachments kept behind one store interface, checked against the limits,
 * transcribed and read once, and turned into what the agent reads before a turn is answered.
 */
export {
  type AttachmentRow,
  admitAttachment,
  attachmentById,
  attachmentsOf,
  createMediaService,
  deleteUnreferencedMedia,
  type FetchedMedia,
  type InboundAttachment,
  insertAttachments,
  MEDIA_KINDS,
  type MediaFetcher,
  type MediaKind,
  type MediaService,
  mediaKeysBefore,
  mediaKeysOfContact,
} from './attachments.ts';
export { documentText, readableDocument } from './documents.ts';
export { MediaError, type MediaErrorCode } from './errors.ts';
export { baseType, checkMedia, type MediaLimits, typeAllowed } from './limits.ts';
export {
  contentKey,
  localMediaStore,
  type MediaStore,
  mediaStoreFromConfig,
  type StoredFile,
  sha256Of,
} from './store.ts';
export { MEDIA_MESSAGES, type MediaMessages, mediaMessagesFor } from './strings.ts';
export { createTranscriber, type Transcriber, type Transcript } from './transcribe.ts';
export { type PreparedTurnMedia, prepareTurnMedia, type TurnMessage } from './understand.ts';
