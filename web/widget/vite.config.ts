/** Builds the widget into one small script, web/dist/widget/widget.js (an IIFE: no module loader needed). */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  logLevel: 'warn',
  build: {
    outDir: fileURLToPath(new URL('../dist/widget', import.meta.url)),
    emptyOutDir: true,
    target: 'es2020',
    lib: {
      entry: fileURLToPath(new URL('src/widget.ts', import.meta.url)),
      formats: ['iife'],
      name: 'OmniWidget',
      fileName: () => 'widget.js',
    },
  },
});
