/**
 * The human-stretch marker, per language (pt-BR default, en). It is written for the model, which
 * reads it in the conversation history after a release, so that it neither repeats nor
 * contradicts what the human said.
 */
export interface StretchSummary {
  contactMessages: number;
  operatorMessages: number;
  /** The last things the human said, oldest first, already shortened. */
  operatorQuotes: string[];
}

interface MarkerTexts {
  stretch(summary: StretchSummary): string;
}

const MARKERS: Record<'pt-BR' | 'en', MarkerTexts> = {
  'pt-BR': {
    stretch: (s) =>
      [
        `[Atendimento humano] Um atendente humano conduziu esta conversa (${s.contactMessages} mensagem(ns) do cliente, ${s.operatorMessages} do atendente).`,
        s.operatorQuotes.length > 0
          ? `O atendente disse: ${s.operatorQuotes.map((q) => `"${q}"`).join(' | ')}.`
          : 'O atendente não enviou mensagens.',
        'O assistente voltou a atender: não repita nem contradiga o que o atendente disse.',
      ].join(' '),
  },
  en: {
    stretch: (s) =>
      [
        `[Human agent] A human agent handled this conversation (${s.contactMessages} message(s) from the customer, ${s.operatorMessages} from the agent).`,
        s.operatorQuotes.length > 0
          ? `The agent said: ${s.operatorQuotes.map((q) => `"${q}"`).join(' | ')}.`
          : 'The agent sent no messages.',
        'The assistant is back in charge: do not repeat or contradict what the agent said.',
      ].join(' '),
  },
};

/** `en…` → en; anything else → pt-BR (the product's default language). */
export function markerText(language: string, summary: StretchSummary): string {
  const texts = language.toLowerCase().startsWith('en') ? MARKERS.en : MARKERS['pt-BR'];
  return texts.stretch(summary);
}

export interface HandoffNotice {
  tenant: string;
  contact: string;
  channel: string;
  reason: string;
  trigger: string;
  conversationId: string;
}

const NOTICES: Record<'pt-BR' | 'en', (n: HandoffNotice) => string> = {
  'pt-BR': (n) =>
    `:raising_hand: *Atendimento humano solicitado* (${n.tenant})\nContato: ${n.contact} via ${n.channel}\nMotivo: ${n.reason} (${n.trigger})\nConversa: \`${n.conversationId}\``,
  en: (n) =>
    `:raising_hand: *Human handoff requested* (${n.tenant})\nContact: ${n.contact} on ${n.channel}\nReason: ${n.reason} (${n.trigger})\nConversation: \`${n.conversationId}\``,
};

/** The Slack notification of a new handoff, in the tenant's language. */
export function handoffNotice(language: string, notice: HandoffNotice): string {
  return (language.toLowerCase().startsWith('en') ? NOTICES.en : NOTICES['pt-BR'])(notice);
}
