/**
 * What the contact is told when the media of a turn could not be understood, per language; pt-BR
 * is the default. Add a language by adding an entry with every key.
 */
export interface MediaMessages {
  /** No transcription provider: the bot cannot listen to audio yet. */
  cannotListen: string;
  /** Over MEDIA_MAX_BYTES. */
  tooLarge: string;
  /** Not in MEDIA_ALLOWED_TYPES. */
  typeRefused: string;
  /** Fetching, transcribing or reading failed, or took too long. */
  couldNotOpen: string;
}

export const MEDIA_MESSAGES: Record<'pt-BR' | 'en', MediaMessages> = {
  'pt-BR': {
    cannotListen:
      'Recebi seu áudio, mas ainda não consigo ouvir mensagens de voz. Pode me escrever o que precisa? Se preferir, chamo um atendente.',
    tooLarge:
      'Recebi seu arquivo, mas ele é grande demais para eu abrir. Pode mandar um arquivo menor ou me escrever o que precisa?',
    typeRefused:
      'Não consigo abrir esse tipo de arquivo. Pode mandar uma foto ou um PDF, ou me escrever o que precisa?',
    couldNotOpen:
      'Não consegui abrir o que você enviou. Pode tentar de novo ou me escrever o que precisa? Se preferir, chamo um atendente.',
  },
  en: {
    cannotListen:
      'I got your voice message, but I cannot listen to audio yet. Could you type what you need? If you prefer, I can bring in a person.',
    tooLarge:
      'I got your file, but it is too large for me to open. Could you send a smaller one or type what you need?',
    typeRefused:
      'I cannot open that kind of file. Could you send a photo or a PDF, or type what you need?',
    couldNotOpen:
      'I could not open what you sent. Could you try again or type what you need? If you prefer, I can bring in a person.',
  },
};

/** `en`, `en-US` → en; anything else → pt-BR. */
export function mediaMessagesFor(language: string): MediaMessages {
  return language.toLowerCase().startsWith('en') ? MEDIA_MESSAGES.en : MEDIA_MESSAGES['pt-BR'];
}
