import { describe, expect, it } from 'vitest';
import { parseRetryAfter, RETRY_AFTER_CAP_MS } from '../../src/retry/index.ts';

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-12-03T12:00:00Z');

  it('reads seconds and HTTP dates, in milliseconds from now', () => {
    expect(parseRetryAfter('2', { now })).toBe(2_000);
    expect(parseRetryAfter('Thu, 03 Dec 2026 12:00:30 GMT', { now })).toBe(30_000);
    expect(parseRetryAfter('Thu, 03 Dec 2026 11:00:00 GMT', { now })).toBe(0);
  });

  it('caps what a server may impose', () => {
    expect(parseRetryAfter('86400', { now })).toBe(RETRY_AFTER_CAP_MS);
    expect(parseRetryAfter('Fri, 03 Dec 2027 12:00:00 GMT', { now })).toBe(RETRY_AFTER_CAP_MS);
    expect(parseRetryAfter('120', { now, capMs: 5_000 })).toBe(5_000);
  });

  it('ignores what it cannot read', () => {
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(parseRetryAfter('')).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
  });
});
