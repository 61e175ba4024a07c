/**
 * Every media message keeps a placeholder as its body: the type in brackets plus any caption, so
 * the conversation reads well anywhere. Files (voice, images, documents…) also become attachments
 * that the media step keeps and understands before the turn; locations and contact cards stay
 * placeholders.
 */
import { MEDIA_KINDS, type MediaKind } from '../media/index.ts';

export type MediaType =
  | 'image'
  | 'video'
  | 'audio'
  | 'voice'
  | 'document'
  | 'sticker'
  | 'location'
  | 'contact';

export interface MediaPlaceholder {
  text: string;
  content: { media: { type: MediaType; caption?: string; mimetype?: string; file_name?: string } };
}

export function mediaPlaceholder(
  type: MediaType,
  details: { caption?: string; mimetype?: string; fileName?: string } = {},
): MediaPlaceholder {
  const caption = details.caption?.trim() || undefined;
  return {
    text: caption ? `[${type}] ${caption}` : `[${type}]`,
    content: {
      media: { type, caption, mimetype: details.mimetype, file_name: details.fileName },
    },
  };
}

export function isAttachmentKind(type: MediaType): type is MediaKind {
  return (MEDIA_KINDS as readonly string[]).includes(type);
}
