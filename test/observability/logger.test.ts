import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/observability/index.ts';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { stream, lines };
}

describe('logger', () => {
  it('writes JSON lines with level, time and service', () => {
    const { stream, lines } = capture();
    createLogger('info', stream).info({ conversation_id: 'c1' }, 'hello');
    const line = JSON.parse(lines[0] ?? '{}');
    expect(line).toMatchObject({
      level: 'INFO',
      service: 'omni',
      conversation_id: 'c1',
      msg: 'hello',
    });
    expect(typeof line.time).toBe('string');
  });

  it('redacts keys, tokens, passwords and credentials in headers', () => {
    const { stream, lines } = capture();
    createLogger('info', stream).info(
      {
        req: {
          headers: {
            authorization: 'Bearer sk_live_secret1',
            'x-api-key': 'sk_live_secret2',
            cookie: 's=secret3',
          },
        },
        password: 'secret4',
        user: { password: 'secret5', token: 'secret6' },
        provider: { apiKey: 'secret7' },
      },
      'request',
    );
    const output = lines.join('');
    for (let i = 1; i <= 7; i++) expect(output).not.toContain(`secret${i}`);
    expect(output).toContain('[redacted]');
  });

  it('honours the level', () => {
    const { stream, lines } = capture();
    const logger = createLogger('warn', stream);
    logger.info('quiet');
    logger.warn('loud');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('loud');
  });
});
