/**
 * The dashboard's calls to the Omni API: same origin, the session cookie sent by the browser, and
 * the session's CSRF token on every write (SPEC §9). Errors carry the API's code and sentence.
 */
import type { InboxEntry, InboxFilter, Overview } from '../../../src/inbox/index.ts';

export type { InboxEntry, InboxFilter, Overview };

export type Role = 'admin' | 'operator' | 'viewer';

export interface User {
  id: string;
  email: string;
  full_name: string;
  role: Role;
  disabled_at?: string | null;
  last_login_at: string | null;
}

export interface Me {
  tenant_id: string;
  user: User;
  csrf_token: string;
}

export interface Message {
  id: string;
  direction: 'inbound' | 'outbound';
  author: 'contact' | 'bot' | 'operator' | 'system';
  text: string;
  status: string;
  created_at: string;
  /** A release marker: the dashboard writes its own note from the counts. */
  kind?: 'handoff_release';
  contact_messages?: number;
  operator_messages?: number;
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

let csrfToken: string | undefined;

export function rememberCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

export async function api<T>(path: string, options: { method?: string; body?: unknown } = {}) {
  const method = options.method ?? 'GET';
  const headers: Record<string, string> = {};
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  const response = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  if (response.status === 204) return undefined as T;
  const payload = await response.json().catch(() => ({}));
  if (!response.ok) {
    const error = (payload as { error?: { code?: string; message?: string } }).error;
    throw new ApiError(
      response.status,
      error?.code ?? 'error',
      error?.message ?? `HTTP ${response.status}`,
    );
  }
  return payload as T;
}
