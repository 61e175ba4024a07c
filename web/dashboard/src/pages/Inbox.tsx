/**
 * The inbox: conversations live, filtered by who is in charge, searchable by contact; the chosen
 * conversation beside the list (on a phone, instead of it). Every live event reloads the list and,
 * when it concerns the open conversation, the conversation too.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { api, type InboxEntry, type InboxFilter, type Me } from '../api.ts';
import { since, useI18n } from '../i18n.tsx';
import { type LiveEvent, useLiveEvents } from '../live.ts';
import { ConversationView } from './Conversation.tsx';

const FILTERS: InboxFilter[] = ['all', 'bot', 'waiting', 'human', 'resolved'];

export function InboxPage({ me }: { me: Me }) {
  const { t } = useI18n();
  const [filter, setFilter] = useState<InboxFilter>('all');
  const [search, setSearch] = useState('');
  const [entries, setEntries] = useState<InboxEntry[]>([]);
  const [selected, setSelected] = useState<string | undefined>();
  const [version, setVersion] = useState(0);
  const reloadTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  const load = useCallback(async () => {
    const query = new URLSearchParams({ filter });
    if (search.trim()) query.set('q', search.trim());
    const answer = await api<{ conversations: InboxEntry[] }>(`/api/v1/inbox?${query}`);
    setEntries(answer.conversations);
  }, [filter, search]);

  useEffect(() => {
    void load().catch(() => {});
  }, [load]);

  useLiveEvents((event: LiveEvent) => {
    // Bursts (a turn records several states at once) become one reload.
    clearTimeout(reloadTimer.current);
    reloadTimer.current = setTimeout(() => void load().catch(() => {}), 150);
    if (event.type === 'resync' || event.conversation_id === selected) setVersion((v) => v + 1);
  });

  const labels: Record<InboxFilter, string> = {
    all: t.filterAll,
    bot: t.filterBot,
    waiting: t.filterWaiting,
    human: t.filterHuman,
    resolved: t.filterResolved,
  };

  const selectedEntry = entries.find((entry) => entry.id === selected);
  return (
    <div className={`inbox ${selected ? 'has-selection' : ''}`}>
      <section className="list">
        <div className="filters" role="tablist">
          {FILTERS.map((f) => (
            <button
              key={f}
              type="button"
              role="tab"
              aria-selected={filter === f}
              className={filter === f ? 'active' : ''}
              onClick={() => setFilter(f)}
            >
              {labels[f]}
            </button>
          ))}
        </div>
        <input
          type="search"
          placeholder={t.search}
          value={search}
          onChange={(event) => setSearch(event.target.value)}
        />
        <ul className="conversations">
          {entries.length === 0 && (
            <li className="empty">
              <strong>{t.noConversations}</strong> {t.noConversationsHint}
            </li>
          )}
          {entries.map((entry) => (
            <li key={entry.id}>
              <button
                type="button"
                data-conversation={entry.id}
                className={entry.id === selected ? 'selected' : ''}
                onClick={() => setSelected(entry.id)}
              >
                <span className="row">
                  <strong>{contactLabel(entry, t.visitor)}</strong>
                  <span className={`badge ${entry.controlled_by}`}>
                    {entry.status === 'active' ? t.controlledBy[entry.controlled_by] : t.resolved}
                  </span>
                </span>
                <span className="preview">
                  {t.channels[entry.channel] ?? entry.channel} · {entry.last_message?.text ?? ''}
                </span>
                {entry.waiting_since && entry.controlled_by === 'pending_human' && (
                  <span className="waiting">
                    {t.waitingFor} {since(entry.waiting_since)}
                  </span>
                )}
              </button>
            </li>
          ))}
        </ul>
      </section>
      <section className="detail">
        {selected ? (
          <ConversationView
            id={selected}
            title={selectedEntry ? contactLabel(selectedEntry, t.visitor) : ''}
            version={version}
            canAct={me.user.role !== 'viewer'}
            onBack={() => setSelected(undefined)}
            onChanged={() => void load().catch(() => {})}
          />
        ) : (
          <p className="empty">{t.pickConversation}</p>
        )}
      </section>
    </div>
  );
}

/** A web chat visitor has no name unless the site passed one: show a short, stable tag instead. */
function contactLabel(entry: InboxEntry, visitor: string): string {
  if (entry.contact.name) return entry.contact.name;
  if (entry.channel === 'webchat') return `${visitor} ${entry.contact.external_id.slice(2, 8)}`;
  return entry.contact.external_id;
}
