/**
 * The visitor's secret, kept in localStorage per tenant so a reload or a later visit resumes the
 * same conversation. Random from getRandomValues (randomUUID needs a secure context, and a site on
 * plain http is still a site). Without storage (blocked cookies), it lasts as long as the page.
 */
export function visitorSecret(tenant: string): string {
  const key = `omni-webchat:${tenant}:visitor`;
  try {
    const stored = localStorage.getItem(key);
    if (stored && /^[\w-]{16,128}$/.test(stored)) return stored;
    const fresh = randomId(32);
    localStorage.setItem(key, fresh);
    return fresh;
  } catch {
    return randomId(32);
  }
}

export function randomId(bytes: number): string {
  const values = crypto.getRandomValues(new Uint8Array(bytes));
  return Array.from(values, (b) => b.toString(16).padStart(2, '0')).join('');
}
