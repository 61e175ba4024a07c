/**
 * Checks one reply against its expectations. Each failed expectation becomes a diff line the
 * table prints as "expected … / got …"; `judge:` criteria are left to the judge (a model).
 */
import type { Expectation } from './schema.ts';

/** What a turn produced, as the contact and the system see it. */
export interface ObservedReply {
  /** The reply text ('' when the bot did not answer, e.g. a person already owns the conversation). */
  text: string;
  toolCalls: Array<{ name: string; input: unknown }>;
  /** After the turn the conversation is no longer the bot's (pending_human or human). */
  handedOver: boolean;
}

export interface Failure {
  expectation: string;
  expected: string;
  got: string;
}

export async function checkReply(reply: ObservedReply, expect: Expectation): Promise<Failure[]> {
  const failures: Failure[] = [];
  const text = reply.text;
  const lower = text.toLowerCase();
  const quoted = JSON.stringify(text);
  for (const needle of expect.contains ?? []) {
    if (!lower.includes(needle.toLowerCase())) {
      failures.push({
        expectation: `contains ${JSON.stringify(needle)}`,
        expected: `a reply containing ${JSON.stringify(needle)}`,
        got: quoted,
      });
    }
  }
  for (const needle of expect.not_contains ?? []) {
    if (lower.includes(needle.toLowerCase())) {
      failures.push({
        expectation: `not_contains ${JSON.stringify(needle)}`,
        expected: `a reply without ${JSON.stringify(needle)}`,
        got: quoted,
      });
    }
  }
  for (const pattern of expect.matches ?? []) {
    if (!new RegExp(pattern, 'i').test(text)) {
      failures.push({
        expectation: `matches /${pattern}/`,
        expected: `a reply matching /${pattern}/i`,
        got: quoted,
      });
    }
  }
  for (const source of expect.cites ?? []) {
    if (!text.includes(source)) {
      failures.push({
        expectation: `cites ${source}`,
        expected: `a citation of ${source}`,
        got: quoted,
      });
    }
  }
  const called = reply.toolCalls.map((c) => `${c.name}(${JSON.stringify(c.input)})`).join(', ');
  for (const call of expect.calls ?? []) {
    const matching = reply.toolCalls.filter((c) => c.name === call.tool);
    const withFields = matching.some((c) => fieldsMatch(c.input, call.with ?? {}));
    if (!withFields) {
      failures.push({
        expectation: `calls ${call.tool}`,
        expected: call.with
          ? `${call.tool}(${JSON.stringify(call.with)})`
          : `a call of ${call.tool}`,
        got: called || 'no tool call',
      });
    }
  }
  for (const tool of expect.not_calls ?? []) {
    if (reply.toolCalls.some((c) => c.name === tool)) {
      failures.push({
        expectation: `not_calls ${tool}`,
        expected: `no call of ${tool}`,
        got: called,
      });
    }
  }
  if (expect.handover !== undefined && expect.handover !== reply.handedOver) {
    failures.push({
      expectation: `handover ${expect.handover}`,
      expected: expect.handover ? 'the conversation handed to a person' : 'the bot keeps it',
      got: reply.handedOver ? 'handed to a person' : 'the bot kept it',
    });
  }
  if (expect.language) {
    const wanted = baseLanguage(expect.language);
    // Loaded lazily: tinyld's language profiles cost ~16 MB of RSS in every process that
    // imports eval (the API serves the last run), and only `omni eval` detects languages.
    const { detect } = await import('tinyld');
    const found = text.trim() ? detect(text) : '';
    if (found !== wanted) {
      failures.push({
        expectation: `language ${expect.language}`,
        expected: `a reply in ${wanted}`,
        got: `${found || 'no language detected'}: ${quoted}`,
      });
    }
  }
  if (expect.max_length !== undefined && text.length > expect.max_length) {
    failures.push({
      expectation: `max_length ${expect.max_length}`,
      expected: `at most ${expect.max_length} characters`,
      got: `${text.length} characters: ${quoted}`,
    });
  }
  return failures;
}

function baseLanguage(code: string): string {
  return code.toLowerCase().split(/[-_]/)[0] ?? code;
}

/** Every expected field is in the input: strings compared trimmed and case-insensitively. */
function fieldsMatch(input: unknown, expected: Record<string, unknown>): boolean {
  const actual = (input ?? {}) as Record<string, unknown>;
  return Object.entries(expected).every(([field, value]) => {
    const got = actual[field];
    if (typeof value === 'string' && typeof got === 'string') {
      return value.trim().toLowerCase() === got.trim().toLowerCase();
    }
    return JSON.stringify(got) === JSON.stringify(value);
  });
}
