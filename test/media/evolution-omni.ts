/**
 * One Omni whose WhatsApp goes through the Evolution simulator, keeping media in a folder of its
 * own (the media tests' common ground): `env` adds what a test is about (a transcriber, limits).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type EvolutionSim, startEvolutionSim } from '../../src/channels/index.ts';
import { type Harness, openHarness } from '../pipeline/harness.ts';

export interface EvolutionOmni {
  evolution: EvolutionSim;
  harness: Harness;
  /** Where media files are kept. */
  folder: string;
  close(): Promise<void>;
}

export async function openEvolutionOmni(env: Record<string, string>): Promise<EvolutionOmni> {
  const folder = await mkdtemp(join(tmpdir(), 'omni-media-'));
  const evolution = await startEvolutionSim({ apiKey: 'evo-key', instance: 'acme', echo: false });
  const harness = await openHarness('postgres', {
    env: {
      EVOLUTION_URL: evolution.url,
      EVOLUTION_API_KEY: 'evo-key',
      EVOLUTION_INSTANCE: 'acme',
      MEDIA_STORAGE_URL: pathToFileURL(folder).href,
      ...env,
    },
  });
  const omni = await harness.server.app.listen({ port: 0, host: '127.0.0.1' });
  evolution.setWebhook(`${omni}/webhooks/evolution/acme`);
  return {
    evolution,
    harness,
    folder,
    async close() {
      await harness.close();
      await evolution.close();
      await rm(folder, { recursive: true, force: true });
    },
  };
}
