import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** Compares digests so the time taken says nothing about how much of a secret matched. */
export function sameSecret(presented: string | undefined, expected: string | undefined): boolean {
  if (!presented || !expected) return false;
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(presented), digest(expected));
}

/** `sha256=<hex>` HMAC of a raw body, as Meta signs webhooks (X-Hub-Signature-256). */
export function hmacSha256(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export function headerOf(
  headers: Record<string, string | string[] | undefined>,
  name: string,
): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}
