/** One conversation: its whole history (bot, contact, operator, system markers) and the operator's actions. */
import { type FormEvent, useCallback, useEffect, useRef, useState } from 'react';
import type { HandoffSummary as Summary } from '../../../../src/handoff/summary.ts';
import { api, type Message } from '../api.ts';
import { HandoffSummary } from '../components/HandoffSummary.tsx';
import { errorText, useI18n } from '../i18n.tsx';

interface Conversation {
  id: string;
  channel: string;
  status: string;
  controlled_by: string;
  handoff_summary: Summary | null;
}

export function ConversationView(props: {
  id: string;
  /** Who the contact is, as the inbox shows them. */
  title: string;
  /** Bumped by live events for this conversation. */
  version: number;
  canAct: boolean;
  onBack(): void;
  onChanged(): void;
}) {
  const { t } = useI18n();
  const [conversation, setConversation] = useState<Conversation | undefined>();
  const [messages, setMessages] = useState<Message[]>([]);
  const [text, setText] = useState('');
  const [error, setError] = useState('');
  const log = useRef<HTMLDivElement>(null);

  const load = useCallback(async () => {
    const [c, m] = await Promise.all([
      api<Conversation>(`/api/v1/conversations/${props.id}`),
      api<{ messages: Message[] }>(`/api/v1/conversations/${props.id}/messages`),
    ]);
    setConversation(c);
    setMessages(m.messages);
  }, [props.id]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: `version` is the live-event nudge to reload.
  useEffect(() => {
    void load().catch((failure) => setError(errorText(t, failure)));
  }, [load, props.version]);

  useEffect(() => {
    log.current?.scrollTo({ top: log.current.scrollHeight });
  });

  const act = async (path: string, body?: unknown) => {
    setError('');
    try {
      await api(`/api/v1/conversations/${props.id}/${path}`, { method: 'POST', body });
      await load();
      props.onChanged();
    } catch (failure) {
      setError(errorText(t, failure));
    }
  };

  const send = async (event: FormEvent) => {
    event.preventDefault();
    if (!text.trim()) return;
    await act('messages', { text: text.trim() });
    setText('');
  };

  if (!conversation) return <p className="empty">…</p>;
  const active = conversation.status === 'active';
  const human = conversation.controlled_by === 'human';
  return (
    <div className="conversation">
      <header>
        <button type="button" className="link back" onClick={props.onBack}>
          ← {t.back}
        </button>
        <strong>{props.title}</strong>
        <span
          className={`badge ${conversation.controlled_by}`}
          data-controlled-by={conversation.controlled_by}
        >
          {active ? t.controlledBy[conversation.controlled_by] : t.resolved}
        </span>
        <span className="channel">{t.channels[conversation.channel] ?? conversation.channel}</span>
        <span className="spacer" />
        {props.canAct && active && !human && (
          <button type="button" onClick={() => act('handoff')}>
            {t.takeOver}
          </button>
        )}
        {props.canAct && active && human && (
          <button type="button" onClick={() => act('release')}>
            {t.release}
          </button>
        )}
        {props.canAct && active && (
          <button type="button" className="secondary" onClick={() => act('resolve')}>
            {t.resolve}
          </button>
        )}
      </header>
      {conversation.controlled_by !== 'bot' && (
        <HandoffSummary summary={conversation.handoff_summary} />
      )}
      <div className="messages" ref={log}>
        {messages.map((m) => (
          <div key={m.id} className={`message ${m.author}`} data-author={m.author}>
            <span className="who">
              {t.author[m.author]}
              {t.status[m.status] ? ` · ${t.status[m.status]}` : ''}
            </span>
            <p>
              {m.kind === 'handoff_release'
                ? t.releaseNote(m.contact_messages ?? 0, m.operator_messages ?? 0)
                : m.text}
            </p>
          </div>
        ))}
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {props.canAct && active && (
        <form className="reply" onSubmit={send}>
          <textarea
            value={text}
            placeholder={t.replyPlaceholder}
            onChange={(event) => setText(event.target.value)}
          />
          <button type="submit">{t.reply}</button>
        </form>
      )}
    </div>
  );
}
