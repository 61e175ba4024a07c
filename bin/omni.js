#!/usr/bin/env node
// Runs the TypeScript sources directly: no build step between a clone and `npm start`. Node 22.18+
// strips the types itself, which starts faster; an older Node 22 goes through tsx.
if (!process.features.typescript) {
  const { register } = await import('tsx/esm/api');
  register();
}
await import('../src/cli/main.ts');
