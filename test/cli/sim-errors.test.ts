/**
 * `omni sim whatsapp` finds Omni where `npm start` listens (PORT / PUBLIC_URL), and when Omni is
 * not there says what failed, where, and what to check — not just "fetch failed".
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { eventually } from '../support/eventually.ts';

const OMNI = fileURLToPath(new URL('../../bin/omni.js', import.meta.url));

/** A port nothing listens on: taken from the OS, then freed. */
async function closedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

it('omni sim whatsapp posts to localhost:PORT and explains a refused connection', async () => {
  const port = await closedPort();
  const child = spawn(process.execPath, [OMNI, 'sim', 'whatsapp', '--port', '0'], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PORT: String(port) },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  try {
    await eventually(() => /listening on/.test(stderr), 60_000, 'the simulator');
    child.stdin.write('Olá\n');
    const line = await eventually(
      () => stderr.split('\n').find((l) => l.startsWith('✗')),
      30_000,
      'the failure line',
    );
    expect(line).toContain(`http://localhost:${port}/webhooks/evolution/demo`);
    expect(line).toContain('ECONNREFUSED');
    expect(line).toMatch(/is Omni running there\? Check --omni/);
  } finally {
    const exited = once(child, 'exit');
    child.kill('SIGINT');
    await exited;
  }
});
