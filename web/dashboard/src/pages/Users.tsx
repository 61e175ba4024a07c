/** The tenant's dashboard users; admins only (the API answers 403 to anyone else). */
import { useEffect, useState } from 'react';
import { api, type Me, type User } from '../api.ts';
import { useI18n } from '../i18n.tsx';

export function UsersPage({ me }: { me: Me }) {
  const { t } = useI18n();
  const [users, setUsers] = useState<User[] | undefined>();
  const [error, setError] = useState('');
  useEffect(() => {
    if (me.user.role !== 'admin') return;
    api<{ users: User[] }>('/api/v1/users')
      .then((answer) => setUsers(answer.users))
      .catch((failure: Error) => setError(failure.message));
  }, [me]);

  if (me.user.role !== 'admin') {
    return (
      <p className="error forbidden" role="alert">
        {t.adminOnly}
      </p>
    );
  }
  if (error) return <p className="error">{error}</p>;
  return (
    <div className="card">
      <h2>{t.users}</h2>
      <table>
        <thead>
          <tr>
            <th>{t.name}</th>
            <th>{t.email}</th>
            <th>{t.role}</th>
            <th>{t.lastLogin}</th>
          </tr>
        </thead>
        <tbody>
          {(users ?? []).map((u) => (
            <tr key={u.id}>
              <td>
                {u.full_name} {u.disabled_at ? `(${t.disabled})` : ''}
              </td>
              <td>{u.email}</td>
              <td>{u.role}</td>
              <td>{u.last_login_at ? new Date(u.last_login_at).toLocaleString() : t.never}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
