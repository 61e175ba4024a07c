/**
 * The five operational runbooks Omni answers to are requirements (SPEC preamble): every name an operator
 * types from them must exist in Omni. Each row cites the runbook and line it comes from; the names
 * that can be checked mechanically are checked here — variables against the configuration schema,
 * endpoints on a real server, metric names in the Prometheus text, commands in `omni --help`,
 * scripts on disk.
 */
import { access, constants } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { variables } from '../../src/config/variables.ts';
import { buildServer, type OmniServer } from '../../src/http/index.ts';
import { createApiKey, createTenant } from '../../src/tenancy/index.ts';
import { gatewayFixture } from '../gateway/setup.ts';
import { runOmni } from '../support/cli.ts';
import { openTestRuntime, type TestRuntime } from '../support/runtime.ts';
import { rows } from '../support/sql.ts';

const SEED_000 = '000 (Playbooks Operacionais)';
const SEED_001 = '001 (Runbook Júlia)';
const SEED_002 = '002 (MultiAgent Customer Support)';
const SEED_003 = '003 (Orquestrador de IAs)';
const SEED_004 = '004 (Agente de IA)';

const VARIABLES: Array<[name: string, seed: string, line: number]> = [
  ['RATE_LIMIT_RPS', SEED_000, 39],
  ['RATE_LIMIT_BURST', SEED_000, 39],
  ['PROVIDER_PRIORITY_ORDER', SEED_000, 40],
  ['MAX_LATENCY_MS', SEED_000, 41],
  ['MAX_COST_PER_REQUEST', SEED_000, 41],
  ['PROVIDER_TIMEOUT_MS', SEED_000, 50],
  ['MCP_WHATSAPP_URL', SEED_000, 60],
  ['MCP_TOKEN', SEED_000, 61],
  ['PROMETHEUS_ENABLED', SEED_000, 68],
  ['OTEL_METRICS', SEED_000, 74],
  ['ANTHROPIC_API_KEY', SEED_001, 192],
  ['EVOLUTION_URL', SEED_001, 193],
  ['EVOLUTION_API_KEY', SEED_001, 194],
  ['CHATWOOT_URL', SEED_001, 209],
  ['CHATWOOT_API_TOKEN', SEED_001, 210],
  ['CHATWOOT_ACCOUNT_ID', SEED_001, 211],
  ['CHATWOOT_INBOX_ID', SEED_001, 212],
  ['SLACK_WEBHOOK_URL', SEED_001, 218],
  ['REDIS_URL', SEED_001, 195],
  ['LOG_LEVEL', SEED_001, 201],
  ['MAX_WORKERS', SEED_001, 202],
  ['CACHE_TTL', SEED_001, 203],
  ['ESCALATION_MIN_CONFIDENCE', SEED_002, 262],
  ['ESCALATION_MAX_INTERACTIONS', SEED_002, 263],
  ['MAINTENANCE_MODE', SEED_004, 1307],
  ['LLM_PROVIDER', SEED_004, 1384],
  ['FALLBACK_MODE', SEED_004, 1388],
  ['DB_POOL_SIZE', SEED_004, 737],
  ['ENABLE_INTEGRATIONS', SEED_004, 1339],
  ['RATE_LIMIT_PER_MINUTE', SEED_004, 900],
  ['LLM_TIMEOUT', SEED_004, 1662],
  ['REQUEST_TIMEOUT', SEED_004, 904],
  ['MAX_TOKENS', SEED_004, 1658],
  ['DB_MAX_OVERFLOW', SEED_004, 1578],
  ['DEFAULT_MODEL', SEED_004, 787],
  ['SIMPLE_QUERY_MODEL', SEED_004, 1676],
];

/** Paths an operator calls without a key (monitoring) and with the tenant's admin key (`:tenant`). */
const ENDPOINTS: Array<[method: 'GET' | 'POST', path: string, seed: string, line: number]> = [
  ['GET', '/api/monitoring/metrics', SEED_000, 69],
  ['GET', '/api/monitoring/performance', SEED_000, 70],
  ['GET', '/health', SEED_001, 19],
  ['GET', '/admin/metricas/performance', SEED_001, 92],
  ['GET', '/admin/metricas/health', SEED_001, 93],
  ['GET', '/api/companies/:tenant', SEED_002, 378],
  ['GET', '/api/keys', SEED_002, 390],
  ['POST', '/api/keys', SEED_002, 405],
  ['GET', '/api/health', SEED_003, 67],
  ['GET', '/metrics', SEED_004, 193],
  ['GET', '/version', SEED_004, 320],
  ['GET', '/health/db', SEED_004, 915],
  ['GET', '/health/redis', SEED_004, 916],
  ['GET', '/health/llm', SEED_004, 917],
];

/**
 * Metric names: seed 000 lists them as series names (exact, for PromQL); seed 004 greps the
 * Prometheus text for them (`curl …/metrics | grep rate_limit_exceeded`), so a series whose name
 * starts with the word is what that operator sees.
 */
const METRICS: Array<[name: string, match: 'exact' | 'grep', seed: string, line: number]> = [
  ['inbound_total', 'exact', SEED_000, 77],
  ['outbound_total', 'exact', SEED_000, 77],
  ['dispatcher_total', 'exact', SEED_000, 77],
  ['ai_requests_total', 'exact', SEED_000, 77],
  ['inbound_ms', 'exact', SEED_000, 78],
  ['dispatch_ms', 'exact', SEED_000, 78],
  ['ai_latency_ms', 'exact', SEED_000, 78],
  ['agent_requests_total', 'grep', SEED_004, 193],
  ['agent_active_requests', 'grep', SEED_004, 205],
  ['agent_response_time', 'grep', SEED_004, 762],
  ['rate_limit_exceeded', 'grep', SEED_004, 882],
  ['agent_errors_total', 'grep', SEED_004, 920],
  ['cost_usd_total', 'grep', SEED_004, 1059],
  ['llm_tokens_by_model', 'grep', SEED_004, 1668],
];

/** SQL the runbooks type into psql, against Omni's schema (the seeds' table names are views). */
const QUERIES: Array<[sql: string, seed: string, line: number]> = [
  ["SELECT COUNT(*) FROM conversations WHERE status = 'active'", SEED_001, 46],
  ["SELECT COUNT(*) FROM fila_mensagens WHERE status = 'pendente'", SEED_001, 49],
  ["SELECT * FROM handoffs WHERE status = 'pendente' ORDER BY created_at DESC", SEED_001, 52],
  ['SELECT * FROM interacoes ORDER BY created_at DESC LIMIT 10', SEED_001, 55],
  ["DELETE FROM conversations WHERE created_at < NOW() - INTERVAL '90 days'", SEED_001, 314],
  ["DELETE FROM interacoes WHERE created_at < NOW() - INTERVAL '90 days'", SEED_001, 317],
  [
    "DELETE FROM fila_mensagens WHERE status = 'enviada' AND enviada_em < NOW() - INTERVAL '30 days'",
    SEED_001,
    320,
  ],
  [
    'SELECT id, email, score, created_at FROM leads WHERE created_at >= CURRENT_DATE ORDER BY score DESC',
    SEED_004,
    426,
  ],
  ['SELECT COUNT(*) FROM conversations', SEED_004, 1245],
];

/** `omni` commands that stand for what the runbooks do with redis-cli, SQL or scripts (SPEC §2). */
const COMMANDS: Array<[group: string[], commands: string[], seed: string, line: number]> = [
  [[], ['doctor'], SEED_004, 161],
  [[], ['health'], SEED_003, 61],
  [[], ['status'], SEED_000, 29],
  [[], ['maintenance', 'fallback', 'integrations'], SEED_004, 200],
  [[], ['backup', 'restore'], SEED_004, 239],
  [[], ['cleanup'], SEED_002, 467],
  [[], ['tenant'], SEED_002, 332],
  [[], ['keys'], SEED_002, 339],
  [[], ['users'], SEED_002, 344],
  [[], ['kb'], SEED_002, 352],
  [[], ['handoff'], SEED_001, 51],
  [[], ['start', 'api', 'worker'], SEED_004, 157],
  [[], ['security'], SEED_004, 1328],
  [[], ['contacts'], SEED_004, 1352],
  [[], ['migrate'], SEED_004, 1799],
  [[], ['bench'], SEED_004, 1154],
  [['queue'], ['pending'], SEED_000, 22],
  [['queue'], ['claim'], SEED_000, 26],
  [['queue'], ['pause', 'resume', 'run-once', 'stats'], SEED_000, 83],
  [['dlq'], ['list', 'show', 'replay', 'purge'], SEED_000, 28],
  [['sim'], ['whatsapp', 'telegram', 'llm'], SEED_000, 57],
];

/** Scripts and files the runbooks run by path, relative to the repository. */
const SCRIPTS: Array<[path: string, seed: string, line: number]> = [
  ['scripts/mcp-sim.ts', SEED_000, 57],
  ['scripts/health-monitor.sh', SEED_003, 61],
  ['ecosystem.config.cjs', SEED_003, 226],
  ['scripts/preflight-check.sh', SEED_004, 161],
  ['scripts/enable-maintenance-mode.sh', SEED_004, 200],
  ['scripts/backup-database.sh', SEED_004, 239],
  ['scripts/deploy-canary.sh', SEED_004, 243],
  ['scripts/smoke-test.sh', SEED_004, 275],
  ['scripts/health-check.sh', SEED_004, 911],
  ['scripts/daily-health-check.sh', SEED_004, 1047],
  ['scripts/test-backup-restore.sh', SEED_004, 1087],
  ['scripts/dr-drill.sh', SEED_004, 1130],
  ['scripts/security-scan.sh', SEED_004, 1136],
  ['scripts/load-test.sh', SEED_004, 1154],
];

const REPOSITORY = fileURLToPath(new URL('../../', import.meta.url));

describe('the runbooks’ names exist in Omni', () => {
  it.each(VARIABLES)('variable %s (seed %s, line %i) is in the configuration schema', (name) => {
    expect(Object.keys(variables)).toContain(name);
  });

  it.each(SCRIPTS)('script %s (seed %s, line %i) is there', async (path) => {
    const mode = path.endsWith('.sh') ? constants.X_OK : constants.R_OK;
    await expect(access(`${REPOSITORY}${path}`, mode)).resolves.toBeUndefined();
  });

  describe('on a running server', () => {
    let test: TestRuntime;
    let server: OmniServer;
    let tenantId: string;
    let adminKey: string;
    beforeAll(async () => {
      test = await openTestRuntime('pglite');
      server = await buildServer(test.runtime);
      const { db } = test.runtime.database;
      const tenant = await createTenant(db, { slug: 'acme' }, { type: 'system' });
      tenantId = tenant.id;
      adminKey = (await createApiKey(db, { tenantId, permissions: ['admin'] }, { type: 'system' }))
        .key;
    });
    afterAll(async () => {
      await server?.app.close();
      await test?.close();
    });

    it.each(ENDPOINTS)('%s %s (seed %s, line %i) is served', async (method, path) => {
      const response = await server.app.inject({
        method,
        url: path.replace(':tenant', tenantId),
        headers: { 'x-api-key': adminKey },
        ...(method === 'POST' ? { payload: { permissions: ['read'] } } : {}),
      });
      expect(response.statusCode, response.body).not.toBe(404);
      expect(response.statusCode, response.body).toBeLessThan(500);
    });

    it.each(QUERIES)('%s (seed %s, line %i) runs', async (query) => {
      await expect(rows(test.runtime.database.db, query)).resolves.toBeInstanceOf(Array);
    });

    it.each(METRICS)('metric %s (%s; seed %s, line %i) is exposed', async (name, match) => {
      const text = (await server.app.inject({ url: '/metrics' })).body;
      expect(text).toMatch(new RegExp(`^# TYPE ${name}${match === 'grep' ? '\\w*' : ''} `, 'm'));
    });
  });

  it('a metric counts timeouts (seed 004, line 885: grep timeout)', async () => {
    const fixture = await gatewayFixture(
      'pglite',
      { PROVIDER_TIMEOUT_MS: '300', PROVIDER_PRIORITY_ORDER: 'openai' },
      { primary: { hang: true } },
    );
    try {
      const { gateway, metrics } = fixture.test.runtime;
      const result = await gateway.generate({ messages: [{ role: 'user', content: 'oi' }] });
      expect(result.attempts[0]).toMatchObject({ provider: 'openai', errorKind: 'timeout' });
      const text = await metrics.registry.metrics();
      expect(text.split('\n').filter((line) => /^ai_errors_total\{.*timeout/.test(line))).toEqual([
        expect.stringMatching(/ 1$/),
      ]);
    } finally {
      await fixture.close();
    }
  });

  it('omni --help lists every command the runbooks map to', { timeout: 120_000 }, async () => {
    const groups = [...new Set(COMMANDS.map(([group]) => group.join(' ')))];
    const helps = new Map(
      await Promise.all(
        groups.map(async (group) => {
          const args = group ? [...group.split(' '), '--help'] : ['--help'];
          const { stdout } = await runOmni(args);
          return [group, stdout] as const;
        }),
      ),
    );
    for (const [group, commands, seed, line] of COMMANDS) {
      const help = helps.get(group.join(' ')) ?? '';
      for (const command of commands) {
        expect(help, `omni ${[...group, command].join(' ')} (seed ${seed}, line ${line})`).toMatch(
          new RegExp(`^\\s+${command}\\b`, 'm'),
        );
      }
    }
  });
});
