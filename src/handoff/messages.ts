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
const isEnglish = (language: string) => language.toLowerCase().startsWith('en');

export function markerText(language: string, summary: StretchSummary): string {
  const texts = isEnglish(language) ? MARKERS.en : MARKERS['pt-BR'];
  return texts.stretch(summary);
}

/** The counts a stored marker keeps in its `content` (state.ts writes them). */
export interface ReleaseCounts {
  contactMessages: number;
  operatorMessages: number;
}

/**
 * What people (operators in the dashboard, agents in Chatwoot) read where the marker sits: the
 * marker itself is an instruction to the model and is never shown to them.
 */
export function releaseNote(language: string, counts: ReleaseCounts): string {
  return isEnglish(language)
    ? `Human handling ended; the bot is answering again (${counts.contactMessages} message(s) from the customer, ${counts.operatorMessages} from the agent).`
    : `Atendimento humano encerrado; o bot voltou a responder (${counts.contactMessages} mensagem(ns) do cliente, ${counts.operatorMessages} do atendente).`;
}

/** The marker's counts from a stored message's `content`, when it is a release marker. */
export function releaseCountsOf(content: unknown): ReleaseCounts | undefined {
  const value = content as Record<string, unknown> | null | undefined;
  if (value?.kind !== 'handoff_marker') return undefined;
  const count = (n: unknown) => (typeof n === 'number' ? n : 0);
  return {
    contactMessages: count(value.contact_messages),
    operatorMessages: count(value.operator_messages),
  };
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

/**
 * The escalation reasons the agents write as `<code>: <detail in English>` (agents/escalation.ts)
 * and the triggers (state.ts), as people read them. A reason without a known code (the handoff
 * tool's own words, an operator's note) is shown as it was written.
 */
const REASONS: Record<'pt-BR' | 'en', Record<string, string>> = {
  'pt-BR': {
    human_request: 'o contato pediu para falar com uma pessoa',
    low_confidence: 'o bot não teve confiança suficiente nas respostas',
    repeated_guardrail: 'mensagens bloqueadas repetidamente pelas proteções',
    providers_failed: 'nenhum provedor de IA respondeu',
  },
  en: {
    human_request: 'the contact asked for a person',
    low_confidence: 'the bot was not confident enough in its replies',
    repeated_guardrail: 'messages blocked by the guardrails again and again',
    providers_failed: 'no AI provider answered',
  },
};
const TRIGGERS: Record<'pt-BR' | 'en', Record<string, string>> = {
  'pt-BR': {
    escalation: 'escalonamento automático',
    tool: 'decisão do bot',
    operator: 'atendente',
    phone: 'atendente pelo celular',
    chatwoot: 'Chatwoot',
    api: 'API',
    idle: 'inatividade',
  },
  en: {
    escalation: 'automatic escalation',
    tool: 'the bot’s decision',
    operator: 'operator',
    phone: 'operator on the phone',
    chatwoot: 'Chatwoot',
    api: 'API',
    idle: 'inactivity',
  },
};

/** A handoff's stored reason in the given language (see REASONS). */
export function reasonText(language: string, reason: string): string {
  const texts = isEnglish(language) ? REASONS.en : REASONS['pt-BR'];
  const code = reason.split(':', 1)[0]?.trim() ?? '';
  return texts[code] ?? reason;
}

/** The Slack notification of a new handoff, in the tenant's language. */
export function handoffNotice(language: string, notice: HandoffNotice): string {
  const key = isEnglish(language) ? 'en' : 'pt-BR';
  return NOTICES[key]({
    ...notice,
    reason: reasonText(language, notice.reason),
    trigger: TRIGGERS[key][notice.trigger] ?? notice.trigger,
  });
}
