import { type FormEvent, useState } from 'react';
import { ApiError, api } from '../api.ts';
import { errorText, useI18n } from '../i18n.tsx';

export function LoginPage({ onLoggedIn }: { onLoggedIn(): void }) {
  const { t } = useI18n();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError('');
    try {
      await api('/api/v1/auth/login', { method: 'POST', body: { email, password } });
      onLoggedIn();
    } catch (failure) {
      // On this page a 401 can only mean the credentials did not match.
      const wrong = failure instanceof ApiError && failure.code === 'unauthorized';
      setError(`${t.loginFailed}: ${wrong ? t.wrongCredentials : errorText(t, failure)}`);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="login card" onSubmit={submit}>
      <h1>{t.appName}</h1>
      <label>
        {t.email}
        <input
          type="email"
          name="email"
          autoComplete="username"
          value={email}
          onChange={(e) => setEmail(e.target.value)}
          required
        />
      </label>
      <label>
        {t.password}
        <input
          type="password"
          name="password"
          autoComplete="current-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          required
        />
      </label>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <button type="submit" disabled={busy}>
        {t.login}
      </button>
      <p className="note">
        <a href="/demo">{t.tryDemo}</a>
      </p>
    </form>
  );
}
