/**
 * The tenant's dashboard users: list, create, disable, set a new password (routes/users.ts).
 * Admins only — the API answers 403 to anyone else; this page only says so instead of showing an
 * error.
 */
import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { useActionNote } from '../action-note.ts';
import { api, type Me, type Role, type User } from '../api.ts';
import { ActionNote } from '../components/ActionNote.tsx';
import { errorText, useI18n } from '../i18n.tsx';

const ROLES: Role[] = ['operator', 'viewer', 'admin'];

export function UsersPage({ me }: { me: Me }) {
  const { t, language } = useI18n();
  const [users, setUsers] = useState<User[] | undefined>();
  const [draft, setDraft] = useState({ email: '', full_name: '', role: 'operator', password: '' });
  /** The user whose new password is being typed, and the password. */
  const [resetting, setResetting] = useState<{ id: string; password: string } | undefined>();

  const load = useCallback(async () => {
    setUsers((await api<{ users: User[] }>('/api/v1/users')).users);
  }, []);
  const { note, setNote, run } = useActionNote(load);
  useEffect(() => {
    if (me.user.role === 'admin') void load().catch((failure) => setNote(errorText(t, failure)));
  }, [me, load, t, setNote]);

  if (me.user.role !== 'admin') {
    return (
      <p className="error forbidden" role="alert">
        {t.adminOnly}
      </p>
    );
  }

  const create = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
      await api('/api/v1/users', { method: 'POST', body: draft });
      setDraft({ email: '', full_name: '', role: 'operator', password: '' });
    }, t.userCreated);
  };
  const resetPassword = (event: FormEvent) => {
    event.preventDefault();
    if (!resetting) return;
    void run(async () => {
      await api(`/api/v1/users/${resetting.id}/password`, {
        method: 'POST',
        body: { password: resetting.password },
      });
      setResetting(undefined);
    }, t.passwordReset);
  };

  return (
    <div className="card">
      <h2>{t.users}</h2>
      <ActionNote note={note} />
      <table>
        <thead>
          <tr>
            <th>{t.name}</th>
            <th>{t.email}</th>
            <th>{t.role}</th>
            <th>{t.lastLogin}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {(users ?? []).map((u) => (
            <tr key={u.id}>
              <td>
                {u.full_name} {u.disabled_at ? `(${t.disabled})` : ''}
              </td>
              <td>{u.email}</td>
              <td>{t.roles[u.role] ?? u.role}</td>
              <td>
                {u.last_login_at ? new Date(u.last_login_at).toLocaleString(language) : t.never}
              </td>
              <td>
                <div className="actions">
                  {resetting?.id === u.id ? (
                    <form className="inline" onSubmit={resetPassword}>
                      <input
                        type="password"
                        required
                        minLength={10}
                        autoComplete="new-password"
                        aria-label={t.newPassword}
                        placeholder={t.newPassword}
                        value={resetting.password}
                        onChange={(e) => setResetting({ id: u.id, password: e.target.value })}
                      />
                      <button type="submit">{t.save}</button>
                      <button
                        type="button"
                        className="secondary"
                        onClick={() => setResetting(undefined)}
                      >
                        {t.cancel}
                      </button>
                    </form>
                  ) : (
                    !u.disabled_at && (
                      <button
                        type="button"
                        className="secondary"
                        onClick={() => setResetting({ id: u.id, password: '' })}
                      >
                        {t.resetPassword}
                      </button>
                    )
                  )}
                  {!u.disabled_at && u.id !== me.user.id && resetting?.id !== u.id && (
                    <button
                      type="button"
                      className="secondary"
                      onClick={() =>
                        void run(
                          () => api(`/api/v1/users/${u.id}`, { method: 'DELETE' }),
                          t.userDisabled,
                        )
                      }
                    >
                      {t.disable}
                    </button>
                  )}
                </div>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form className="inline wrap" onSubmit={create}>
        <input
          type="email"
          required
          placeholder={t.email}
          value={draft.email}
          onChange={(e) => setDraft({ ...draft, email: e.target.value })}
        />
        <input
          required
          placeholder={t.fullName}
          value={draft.full_name}
          onChange={(e) => setDraft({ ...draft, full_name: e.target.value })}
        />
        <select value={draft.role} onChange={(e) => setDraft({ ...draft, role: e.target.value })}>
          {ROLES.map((role) => (
            <option key={role} value={role}>
              {t.roles[role]}
            </option>
          ))}
        </select>
        <input
          type="password"
          required
          minLength={10}
          placeholder={t.password}
          autoComplete="new-password"
          value={draft.password}
          onChange={(e) => setDraft({ ...draft, password: e.target.value })}
        />
        <button type="submit">{t.createUser}</button>
      </form>
    </div>
  );
}
