/**
 * `npm install` runs this (the `prepare` script): it builds the web chat widget and the dashboard
 * into web/dist. An install without dev dependencies (`npm ci --omit=dev`) has no vite: then it
 * says so and succeeds, and Omni's log says the assets are missing — build them where the dev
 * dependencies are (a build stage) and copy web/dist along.
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
try {
  require.resolve('vite');
} catch {
  console.warn('omni: vite is not installed (production install?): web/dist was not built.');
  process.exit(0);
}
const result = spawnSync('npm', ['run', 'build:web'], { stdio: 'inherit' });
process.exit(result.status ?? 1);
