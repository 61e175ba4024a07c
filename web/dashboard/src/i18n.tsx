/**
 * The dashboard's language (strings.ts), kept in the browser.
 * The API's errors are shown by their stable code (`errors`), never by the server's English
 * sentence, which stays in the server's log under the request id.
 */
import { createContext, type ReactNode, useContext, useEffect, useState } from 'react';
import { ApiError } from './api.ts';
import { LANGUAGES, type Language, type Strings } from './strings.ts';

export { LANGUAGES, type Language };

const STORAGE_KEY = 'omni-dashboard-language';

function initialLanguage(): Language {
  const stored = localStorage.getItem(STORAGE_KEY);
  if (stored === 'en' || stored === 'pt-BR') return stored;
  return navigator.language.toLowerCase().startsWith('en') ? 'en' : 'pt-BR';
}

const Context = createContext<{ t: Strings; language: Language; setLanguage(l: Language): void }>({
  t: LANGUAGES['pt-BR'],
  language: 'pt-BR',
  setLanguage: () => {},
});

export function I18nProvider({ children }: { children: ReactNode }) {
  const [language, setState] = useState<Language>(initialLanguage);
  useEffect(() => {
    document.documentElement.lang = language;
  }, [language]);
  const setLanguage = (next: Language) => {
    localStorage.setItem(STORAGE_KEY, next);
    setState(next);
  };
  return (
    <Context.Provider value={{ t: LANGUAGES[language], language, setLanguage }}>
      {children}
    </Context.Provider>
  );
}

export const useI18n = () => useContext(Context);

/** A failed call in the reader's language: by the API's stable error code, never its sentence. */
export function errorText(t: Strings, failure: unknown): string {
  if (failure instanceof ApiError) return t.errors[failure.code] ?? t.errors.internal_error ?? '';
  return t.errors.network ?? '';
}

/** "3 min", "2 h 5 min": how long since `iso`. */
export function since(iso: string, now = Date.now()): string {
  const minutes = Math.max(0, Math.floor((now - new Date(iso).getTime()) / 60_000));
  if (minutes < 60) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}
