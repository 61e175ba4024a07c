/** Every string the widget shows, in Brazilian Portuguese and English. */
export const STRINGS = {
  'pt-BR': {
    title: 'Atendimento',
    open: 'Abrir o chat',
    close: 'Fechar o chat',
    placeholder: 'Escreva sua mensagem…',
    send: 'Enviar',
    typing: 'digitando…',
    connecting: 'Conectando…',
    reconnecting: 'Sem conexão. Tentando de novo…',
    unavailable: 'Este chat não está disponível.',
    tooFast: 'Muitas mensagens seguidas. Espere um pouco.',
    empty: 'Olá! Como podemos ajudar?',
    you: 'Você',
    bot: 'Assistente',
    operator: 'Atendente',
    sending: 'enviando…',
    waitingHuman: 'Aguardando um atendente. Uma pessoa vai responder em breve.',
    withHuman: 'Você está conversando com um atendente.',
  },
  en: {
    title: 'Support',
    open: 'Open the chat',
    close: 'Close the chat',
    placeholder: 'Type your message…',
    send: 'Send',
    typing: 'typing…',
    connecting: 'Connecting…',
    reconnecting: 'Connection lost. Trying again…',
    unavailable: 'This chat is not available.',
    tooFast: 'Too many messages in a row. Please wait a moment.',
    empty: 'Hi! How can we help?',
    you: 'You',
    bot: 'Assistant',
    operator: 'Agent',
    sending: 'sending…',
    waitingHuman: 'Waiting for an agent. A person will answer shortly.',
    withHuman: 'You are talking with an agent.',
  },
} as const;

export type Strings = (typeof STRINGS)[keyof typeof STRINGS];

/**
 * `data-lang` wins; otherwise the browser's language until Omni says the tenant's (the bot's) in
 * its `ready` frame; Portuguese is the default otherwise.
 */
export function stringsFor(requested: string | undefined, browser: readonly string[]): Strings {
  const wanted = requested ?? browser[0] ?? 'pt-BR';
  return wanted.toLowerCase().startsWith('en') ? STRINGS.en : STRINGS['pt-BR'];
}
