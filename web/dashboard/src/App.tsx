/**
 * The dashboard shell: who is logged in (GET /api/v1/auth/me), the pages by path (the server
 * serves the app on each), and the navigation. The API enforces roles; the shell only hides
 * what a role cannot use.
 */
import { useCallback, useEffect, useState } from 'react';
import { ApiError, api, type Me, rememberCsrfToken } from './api.ts';
import { I18nProvider, LANGUAGES, type Language, useI18n } from './i18n.tsx';
import { InboxPage } from './pages/Inbox.tsx';
import { KnowledgePage } from './pages/Knowledge.tsx';
import { LoginPage } from './pages/Login.tsx';
import { OverviewPage } from './pages/Overview.tsx';
import { SettingsPage } from './pages/Settings.tsx';
import { UsersPage } from './pages/Users.tsx';

const PAGES = ['/inbox', '/overview', '/knowledge', '/settings', '/users'] as const;
type Page = (typeof PAGES)[number];

function currentPage(): Page {
  const path = location.pathname as Page;
  if (PAGES.includes(path)) return path;
  // `/`, `/login` and the like show the inbox, and the address says so.
  history.replaceState(null, '', '/inbox');
  return '/inbox';
}

export function App() {
  return (
    <I18nProvider>
      <Shell />
    </I18nProvider>
  );
}

function Shell() {
  const { t, language, setLanguage } = useI18n();
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const [page, setPage] = useState<Page>(currentPage);

  const loadMe = useCallback(async () => {
    try {
      const answer = await api<Me & { via: string }>('/api/v1/auth/me');
      if (answer.via !== 'session') throw new ApiError(401, 'unauthorized', '');
      rememberCsrfToken(answer.csrf_token);
      setMe(answer);
    } catch {
      rememberCsrfToken(undefined);
      setMe(null);
    }
  }, []);
  useEffect(() => {
    void loadMe();
    const onPop = () => setPage(currentPage());
    addEventListener('popstate', onPop);
    return () => removeEventListener('popstate', onPop);
  }, [loadMe]);

  const go = (next: Page) => {
    history.pushState(null, '', next);
    setPage(next);
  };

  if (me === undefined) return <div className="loading">…</div>;
  if (me === null) return <LoginPage onLoggedIn={loadMe} />;

  const logout = async () => {
    await api('/api/v1/auth/logout', { method: 'POST' }).catch(() => {});
    rememberCsrfToken(undefined);
    setMe(null);
  };
  const links: Array<[Page, string]> = [
    ['/inbox', t.inbox],
    ['/overview', t.overview],
    ['/knowledge', t.knowledge],
    ['/settings', t.settings],
    ...(me.user.role === 'admin' ? [['/users', t.users] as [Page, string]] : []),
  ];
  return (
    <div className="shell">
      <nav className="topbar">
        <strong className="brand">{t.appName}</strong>
        {links.map(([path, label]) => (
          <a
            key={path}
            href={path}
            className={page === path ? 'active' : ''}
            onClick={(event) => {
              event.preventDefault();
              go(path);
            }}
          >
            {label}
          </a>
        ))}
        <span className="spacer" />
        <select
          aria-label="language"
          value={language}
          onChange={(event) => setLanguage(event.target.value as Language)}
        >
          {Object.keys(LANGUAGES).map((l) => (
            <option key={l} value={l}>
              {l}
            </option>
          ))}
        </select>
        <span className="who">
          {me.user.full_name} · {t.roles[me.user.role] ?? me.user.role}
        </span>
        <button type="button" className="link" onClick={logout}>
          {t.logout}
        </button>
      </nav>
      <main>
        {page === '/inbox' && <InboxPage me={me} />}
        {page === '/overview' && <OverviewPage />}
        {page === '/knowledge' && <KnowledgePage me={me} />}
        {page === '/settings' && <SettingsPage me={me} />}
        {page === '/users' && <UsersPage me={me} />}
      </main>
    </div>
  );
}
