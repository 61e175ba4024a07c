/**
 * Seed 000's "Ativar simulador MCP" (`pnpm tsx scripts/mcp-sim.ts`): the WhatsApp simulator of
 * `omni sim whatsapp`, on the seed's defaults (port 4000, token dev-token), so Omni started with
 * MCP_WHATSAPP_URL=http://localhost:4000 MCP_TOKEN=dev-token talks to it. Every option of
 * `omni sim whatsapp --help` is accepted after the script name.
 */
process.argv.splice(2, 0, 'sim', 'whatsapp');
await import('../src/cli/main.ts');
