/**
 * What the agents say themselves (guardrail refusals, hand-off notices), per language; pt-BR is the
 * default. Add a language by adding an entry with every key.
 */
export interface AgentMessages {
  /** An injection attempt was refused. */
  injectionRefused: string;
  /** The message was longer than the input cap. */
  tooLong: string;
  /** A reply was withheld because it would have leaked the instructions. */
  withheld: string;
  /** Said when the conversation goes to a human. */
  handoff: string;
  /** Said when the models failed and no answer could be given, as a person is called. */
  unavailable: string;
  /** Said once per model outage while the turn waits for the providers (tenant: `outage_message`). */
  holding: string;
  /** Said when the models stayed down past LLM_OUTAGE_WAIT_S and nobody is called. */
  unavailableLater: string;
  /** Label before the knowledge-base source appended to an answer. */
  source: string;
}

export const AGENT_MESSAGES: Record<'pt-BR' | 'en', AgentMessages> = {
  'pt-BR': {
    injectionRefused:
      'Não posso seguir esse tipo de instrução. Posso ajudar com dúvidas sobre nossos produtos e serviços?',
    tooLong:
      'Sua mensagem ficou longa demais para eu processar. Pode resumir o que precisa em poucas linhas?',
    withheld: 'Desculpe, não posso compartilhar isso. Posso ajudar com outra coisa?',
    handoff: 'Certo! Vou chamar um atendente humano para continuar com você. Aguarde um instante.',
    unavailable:
      'Estou com dificuldade para responder agora. Vou chamar um atendente humano para ajudar você.',
    holding: 'Recebi sua mensagem! Estou com uma instabilidade momentânea e respondo em instantes.',
    unavailableLater:
      'Desculpe, ainda estou com dificuldade para responder. Pode me escrever de novo daqui a pouco?',
    source: 'Fonte',
  },
  en: {
    injectionRefused:
      'I cannot follow that kind of instruction. Can I help with a question about our products and services?',
    tooLong: 'Your message is too long for me to process. Could you summarise what you need?',
    withheld: 'Sorry, I cannot share that. Can I help with something else?',
    handoff: 'Sure! I will bring in a human agent to continue with you. Please hold on.',
    unavailable:
      'I am having trouble answering right now. I will bring in a human agent to help you.',
    holding: 'Got your message! I am having a brief technical hiccup and will answer in a moment.',
    unavailableLater:
      'Sorry, I am still having trouble answering. Could you write to me again in a little while?',
    source: 'Source',
  },
};

/** `pt-BR`, `pt`, `pt-PT` → pt-BR; `en`, `en-US` → en; anything else → pt-BR. */
export function agentMessagesFor(language: string): AgentMessages {
  return language.toLowerCase().startsWith('en') ? AGENT_MESSAGES.en : AGENT_MESSAGES['pt-BR'];
}
