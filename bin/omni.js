#!/usr/bin/env node
import { setFlagsFromString } from 'node:v8';

// WebAssembly (PGlite, and Node's own TypeScript stripping) runs on V8's baseline compiler only.
// The optimising tier recompiles PGlite's 9 MB of WASM on background threads whose allocator
// arenas keep ~60 MB of RSS after it is done (idle embedded `omni start` ~260 → ~230 MiB), and on
// a two-core machine it did not pay for itself: 3,000 catalog queries took 7.6 s with it, 4.9 s
// without. Set here, before the first module is compiled, so every way of starting Omni has it.
setFlagsFromString('--liftoff-only');
// The young generation stays at its initial 1 MB semi-space instead of growing to 16 MB while the
// modules load and never shrinking: ~25 MB of RSS in every idle process (omni worker ~150 → ~115
// MiB). Request-shaped work (objects built, serialised and dropped) ran no slower in a 1 MB
// nursery — 300,000 JSON round trips took ~405 ms against ~480 ms — and what lives longer is
// promoted sooner. Also set here so that every way of starting Omni has it.
setFlagsFromString('--semi-space-growth-factor=1');

// Runs the TypeScript sources directly: no build step between a clone and `npm start`. Node 22.18+
// strips the types itself, which starts faster; an older Node 22 goes through tsx.
if (!process.features.typescript) {
  const { register } = await import('tsx/esm/api');
  register();
}
await import('../src/cli/main.ts');
