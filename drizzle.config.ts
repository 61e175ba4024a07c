import { defineConfig } from 'drizzle-kit';

// Generates SQL migrations from src/storage/schema.ts; the same files run on PGlite and PostgreSQL.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/storage/schema.ts',
  out: './src/storage/migrations',
});
