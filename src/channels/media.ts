/**
 * Media the bot cannot read yet is kept as a placeholder: the type in brackets plus any caption,
 * so the conversation shows that something arrived and the agent can say it cannot open it.
 */
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
