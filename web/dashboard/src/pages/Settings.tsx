/**
 * Settings: the tenant's custom instructions, language, escalation thresholds, provider order and
 * canned replies (admins change them), each with the value in force and where it comes from
 * (the company's own setting, an environment variable, Omni's default — GET
 * /api/v1/settings/effective); the AI providers' keys as set or not; API keys (create shows the
 * key once; revoke) and dead letters with replay (admins).
 */
import { type FormEvent, type ReactNode, useCallback, useEffect, useState } from 'react';
import { useActionNote } from '../action-note.ts';
import { api, type Me } from '../api.ts';
import { ActionNote } from '../components/ActionNote.tsx';
import { RowTable } from '../components/RowTable.tsx';
import { errorText, useI18n } from '../i18n.tsx';

interface Effective {
  settings: Record<string, { value: unknown; source: string }>;
  secrets: Record<string, { set: boolean; source: string }>;
}

interface Tenant {
  id: string;
  slug: string;
  name: string;
  settings: {
    custom_instructions?: string;
    language?: string;
    escalation?: { min_confidence?: number; max_interactions?: number };
    llm?: { provider_priority_order?: string[] | string; [key: string]: unknown };
    canned_responses?: Record<string, string>;
  };
}

/** The offline responder's intents (src/gateway/offline-responder.ts), each with an optional text. */
const CANNED_INTENTS = ['greeting', 'thanks', 'human_request', 'unknown'];

function orderText(order: string[] | string | undefined): string {
  return Array.isArray(order) ? order.join(',') : (order ?? '');
}
interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  permissions: string[];
  revoked_at: string | null;
}
interface DeadLetter {
  id: string;
  queue: string;
  reason: string;
  attempts: number;
  created_at: string;
}

export function SettingsPage({ me }: { me: Me }) {
  const { t, language: readerLanguage } = useI18n();
  const admin = me.user.role === 'admin';
  const [tenant, setTenant] = useState<Tenant | undefined>();
  const [instructions, setInstructions] = useState('');
  const [language, setLanguage] = useState('pt-BR');
  const [minConfidence, setMinConfidence] = useState('');
  const [maxInteractions, setMaxInteractions] = useState('');
  const [providerOrder, setProviderOrder] = useState('');
  const [canned, setCanned] = useState<Record<string, string>>({});
  const [keys, setKeys] = useState<ApiKey[]>([]);
  const [keyName, setKeyName] = useState('');
  const [newKey, setNewKey] = useState('');
  const [letters, setLetters] = useState<DeadLetter[]>([]);
  const [effective, setEffective] = useState<Effective | undefined>();

  const load = useCallback(async () => {
    const found = await api<Tenant>(`/api/v1/tenants/${me.tenant_id}`);
    setTenant(found);
    setInstructions(found.settings.custom_instructions ?? '');
    setLanguage(found.settings.language ?? 'pt-BR');
    setMinConfidence(String(found.settings.escalation?.min_confidence ?? ''));
    setMaxInteractions(String(found.settings.escalation?.max_interactions ?? ''));
    setProviderOrder(orderText(found.settings.llm?.provider_priority_order));
    setCanned(found.settings.canned_responses ?? {});
    setEffective(await api<Effective>('/api/v1/settings/effective'));
    setLetters((await api<{ entries: DeadLetter[] }>('/api/v1/dlq')).entries);
    if (admin) setKeys((await api<{ keys: ApiKey[] }>('/api/v1/keys')).keys);
  }, [me.tenant_id, admin]);
  const { note, setNote, run } = useActionNote(load);
  useEffect(() => {
    void load().catch((failure) => setNote(errorText(t, failure)));
  }, [load, t, setNote]);

  const save = (event: FormEvent) => {
    event.preventDefault();
    void run(() =>
      api(`/api/v1/tenants/${me.tenant_id}`, {
        method: 'PUT',
        body: {
          settings: {
            custom_instructions: instructions,
            language,
            escalation: {
              ...(minConfidence ? { min_confidence: Number(minConfidence) } : {}),
              ...(maxInteractions ? { max_interactions: Number(maxInteractions) } : {}),
            },
            // The gateway reads more under `llm`; only the order is edited here.
            llm: {
              ...tenant?.settings.llm,
              provider_priority_order: providerOrder
                .split(',')
                .map((name) => name.trim())
                .filter(Boolean),
            },
            canned_responses: Object.fromEntries(
              Object.entries(canned).filter(([, text]) => text.trim()),
            ),
          },
        },
      }),
    );
  };
  const createKey = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
      const created = await api<{ key: string }>('/api/v1/keys', {
        method: 'POST',
        body: { name: keyName || undefined },
      });
      setNewKey(created.key);
      setKeyName('');
    }, t.keyShownOnce);
  };

  if (!tenant) return <p className="empty">{note || '…'}</p>;

  /** The value in force for `key` and its source, under the field that changes it. */
  const inForce = (key: string, shown?: (value: unknown) => ReactNode) => {
    const setting = effective?.settings[key];
    if (!setting) return null;
    const value = shown
      ? shown(setting.value)
      : Array.isArray(setting.value)
        ? setting.value.join(', ')
        : String(setting.value ?? '—');
    return (
      <span className={`effective ${setting.source}`} data-setting={key}>
        {t.inForce}: <strong>{value === '' ? '—' : value}</strong>{' '}
        <span className="source">({t.sources[setting.source] ?? setting.source})</span>
      </span>
    );
  };
  /** A number of the escalation rules; left blank, the value in force (shown as placeholder) holds. */
  const escalationNumber = (
    label: string,
    key: string,
    value: string,
    change: (next: string) => void,
    range: { min: string; max?: string; step: string },
  ) => (
    <label>
      {label}
      <input
        type="number"
        {...range}
        value={value}
        disabled={!admin}
        placeholder={String(effective?.settings[key]?.value ?? '')}
        onChange={(e) => change(e.target.value)}
      />
      {inForce(key)}
    </label>
  );
  const providerKeys = Object.entries(effective?.secrets ?? {});
  return (
    <div className="settings">
      <ActionNote note={note} />
      <form className="card" onSubmit={save}>
        <h2>
          {t.tenant}: {tenant.name}
        </h2>
        <label>
          {t.customInstructions}
          <textarea
            rows={5}
            value={instructions}
            disabled={!admin}
            placeholder={t.blankUsesDefault}
            onChange={(e) => setInstructions(e.target.value)}
          />
          {inForce('custom_instructions', (value) => (value ? '✓' : ''))}
        </label>
        <label>
          {t.language}
          <select value={language} disabled={!admin} onChange={(e) => setLanguage(e.target.value)}>
            <option value="pt-BR">Português (Brasil)</option>
            <option value="en">English</option>
          </select>
          {inForce('language')}
        </label>
        <h3>{t.escalation}</h3>
        <div className="inline wrap">
          {escalationNumber(
            t.minConfidence,
            'escalation.min_confidence',
            minConfidence,
            setMinConfidence,
            { min: '0', max: '1', step: '0.05' },
          )}
          {escalationNumber(
            t.maxInteractions,
            'escalation.max_interactions',
            maxInteractions,
            setMaxInteractions,
            { min: '1', step: '1' },
          )}
        </div>
        <label>
          {t.providerOrder}
          <input
            value={providerOrder}
            disabled={!admin}
            placeholder={t.blankUsesDefault}
            onChange={(e) => setProviderOrder(e.target.value)}
          />
          {inForce('llm.provider_priority_order')}
        </label>
        {providerKeys.length > 0 && (
          <div className="provider-keys">
            <h3>{t.providerKeys}</h3>
            {providerKeys.every(([, secret]) => !secret.set) && (
              <p className="empty">{t.noProvider}</p>
            )}
            <ul>
              {providerKeys.map(([key, secret]) => (
                <li key={key} data-secret={key} className={secret.set ? 'set' : 'unset'}>
                  <code>{key.split('.')[1]}</code>{' '}
                  {secret.set
                    ? `${t.keySet} (${t.sources[secret.source] ?? secret.source})`
                    : t.keyUnset}
                </li>
              ))}
            </ul>
          </div>
        )}
        <h3>{t.cannedResponses}</h3>
        {CANNED_INTENTS.map((intent) => (
          <label key={intent}>
            {t.canned[intent]}
            <textarea
              rows={2}
              value={canned[intent] ?? ''}
              disabled={!admin}
              placeholder={t.blankUsesDefault}
              onChange={(e) => setCanned({ ...canned, [intent]: e.target.value })}
            />
            {inForce(`canned_responses.${intent}`, (value) => `“${String(value)}”`)}
          </label>
        ))}
        {admin && <button type="submit">{t.save}</button>}
      </form>
      {admin && (
        <div className="card">
          <h2>{t.apiKeys}</h2>
          {newKey && <code className="secret">{newKey}</code>}
          <form className="inline" onSubmit={createKey}>
            <input
              placeholder={t.keyName}
              value={keyName}
              onChange={(e) => setKeyName(e.target.value)}
            />
            <button type="submit">{t.createKey}</button>
          </form>
          <RowTable
            rows={keys}
            empty={t.noKeys}
            cells={(k) => (
              <>
                <td>{k.name}</td>
                <td>
                  <code>{k.prefix}…</code>
                </td>
                <td>{k.permissions.map((p) => t.permissions[p] ?? p).join(', ')}</td>
                <td>
                  {k.revoked_at ? (
                    t.revoked
                  ) : (
                    <button
                      type="button"
                      className="secondary"
                      onClick={() =>
                        void run(() => api(`/api/v1/keys/${k.id}`, { method: 'DELETE' }))
                      }
                    >
                      {t.revoke}
                    </button>
                  )}
                </td>
              </>
            )}
          />
        </div>
      )}
      <div className="card">
        <h2>{t.deadLetters}</h2>
        <RowTable
          rows={letters}
          empty={t.noDeadLetters}
          cells={(l) => (
            <>
              <td>{new Date(l.created_at).toLocaleString(readerLanguage)}</td>
              <td>{l.queue}</td>
              <td>{l.reason}</td>
              <td>
                {admin && (
                  <button
                    type="button"
                    onClick={() =>
                      void run(() => api(`/api/v1/dlq/${l.id}/replay`, { method: 'POST' }))
                    }
                  >
                    {t.replay}
                  </button>
                )}
              </td>
            </>
          )}
        />
      </div>
    </div>
  );
}
