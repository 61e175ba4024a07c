#!/usr/bin/env node
import { setFlagsFromString } from 'node:v8';

// WebAssembly (PGlite, and Node's own TypeScript stripping) runs on V8's baseline compiler only.
// The optimising tier recompiles PGlite's 9 MB of WASM on background threads whose allocator
// arenas keep ~60 MB of RSS after it is done (idle embedded `omni start` ~260 → ~230 MiB), and on
// a two-core machine it did not pay for itself: 3,000 catalog queries took 7.6 s with it, 4.9 s
// without. Set here, before the first module is compiled, so every way of starting Omni has it.
setFlagsFromString('--liftoff-only');

// Runs the TypeScript sources directly: no build step between a clone and `npm start`. Node 22.18+
// strips the types itself, which starts faster; an older Node 22 goes through tsx.
if (!process.features.typescript) {
  const { register } = await import('tsx/esm/api');
  register();
}
await import('../src/cli/main.ts');
