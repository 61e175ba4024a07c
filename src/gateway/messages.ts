/**
 * What the offline responder says, per language. pt-BR is the default; a tenant's `language`
 * setting picks another. Add a language by adding an entry with every key.
 */
export interface OfflineMessages {
  greeting: string;
  humanRequest: string;
  thanks: string;
  fallback: string;
  /** Appended to a canned answer when the models could not answer. */
  humanOffer: string;
}

export const OFFLINE_MESSAGES: Record<'pt-BR' | 'en', OfflineMessages> = {
  'pt-BR': {
    greeting: 'Olá! Sou o assistente virtual. Como posso ajudar?',
    humanRequest:
      'Certo! Vou chamar um atendente humano para continuar com você. Aguarde um instante, por favor.',
    thanks: 'Por nada! Se precisar de mais alguma coisa, é só chamar.',
    fallback:
      'Ainda não sei responder isso com segurança. Quer que eu chame um atendente humano? Responda "atendente" para falar com uma pessoa.',
    humanOffer: 'Se preferir, posso chamar um atendente humano: é só responder "atendente".',
  },
  en: {
    greeting: 'Hello! I am the virtual assistant. How can I help?',
    humanRequest:
      'Sure! I will bring in a human agent to continue with you. Please hold on a moment.',
    thanks: 'You are welcome! If you need anything else, just ask.',
    fallback:
      'I cannot answer that reliably yet. Would you like me to call a human agent? Reply "agent" to talk to a person.',
    humanOffer: 'If you prefer, I can call a human agent: just reply "agent".',
  },
};

/** `pt-BR`, `pt`, `pt-PT` → pt-BR; `en`, `en-US` → en; anything else → pt-BR. */
export function messagesFor(language: string): OfflineMessages {
  return language.toLowerCase().startsWith('en') ? OFFLINE_MESSAGES.en : OFFLINE_MESSAGES['pt-BR'];
}
