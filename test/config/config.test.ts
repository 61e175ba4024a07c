import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configTableMarkdown, withConfigTable } from '../../src/config/docs.ts';
import {
  ConfigError,
  deploymentProfile,
  listVariables,
  loadConfig,
} from '../../src/config/index.ts';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected the configuration to be rejected');
}

describe('configuration', () => {
  it('has a default for everything a first start needs', () => {
    const config = loadConfig({});
    expect(config.PORT).toBe(3000);
    expect(config.OMNI_DATA_DIR).toBe('./data');
    expect(config.AUTO_MIGRATE).toBe(true);
    expect(config.LOG_LEVEL).toBe('info');
    expect(config.SHUTDOWN_TIMEOUT_MS).toBe(10_000);
    expect(config.DEBOUNCE_MS).toBe(1500);
    expect(config.QUEUE_MAX_ATTEMPTS).toBe(5);
    expect(config.ESCALATION_MIN_CONFIDENCE).toBe(0.6);
    expect(deploymentProfile(config)).toBe('embedded');
  });

  it('names the variable and what it expects when a value is invalid', () => {
    expect(problemsOf({ RATE_LIMIT_RPS: 'abc' })).toEqual([
      'RATE_LIMIT_RPS must be a positive number (got "abc")',
    ]);
    expect(problemsOf({ RATE_LIMIT_RPS: '-1' })).toEqual([
      'RATE_LIMIT_RPS must be a positive number (got "-1")',
    ]);
    expect(problemsOf({ PORT: '3.5' })[0]).toMatch(/^PORT must be a whole number/);
    expect(problemsOf({ AUTO_MIGRATE: 'maybe' })[0]).toMatch(/^AUTO_MIGRATE must be true or false/);
    expect(problemsOf({ QUEUE_BACKEND: 'kafka' })[0]).toBe(
      'QUEUE_BACKEND must be one of postgres, redis (got "kafka")',
    );
  });

  it('checks variables that only make sense together', () => {
    expect(problemsOf({ QUEUE_BACKEND: 'redis' })).toEqual([
      'QUEUE_BACKEND is redis, which needs REDIS_URL (got "redis")',
    ]);
  });

  it('reports every invalid variable at once', () => {
    const problems = problemsOf({ PORT: 'x', LOG_LEVEL: 'loud', ESCALATION_MIN_CONFIDENCE: '2' });
    expect(problems.map((p) => p.split(' ')[0]).sort()).toEqual([
      'ESCALATION_MIN_CONFIDENCE',
      'LOG_LEVEL',
      'PORT',
    ]);
  });

  it('never echoes the value of a secret in an error', () => {
    const [problem] = problemsOf({ DATABASE_URL: 'mysql://omni:hunter2@db/omni' });
    expect(problem).toBe('DATABASE_URL must be a URL starting with postgres:// or postgresql://');
    expect(problem).not.toContain('hunter2');
  });

  it('accepts the spellings runbooks use', () => {
    expect(loadConfig({ LOG_LEVEL: 'INFO' }).LOG_LEVEL).toBe('info');
    expect(loadConfig({ LOG_LEVEL: 'WARNING' }).LOG_LEVEL).toBe('warn');
    expect(loadConfig({ OTEL_METRICS: 'on' }).OTEL_METRICS).toBe(true);
    expect(loadConfig({ FALLBACK_MODE: 'TRUE' }).FALLBACK_MODE).toBe(true);
    expect(loadConfig({ AUTO_MIGRATE: '0' }).AUTO_MIGRATE).toBe(false);
    expect(loadConfig({ MAINTENANCE_MODE: 'Partial' }).MAINTENANCE_MODE).toBe('partial');
    expect(
      loadConfig({ PROVIDER_PRIORITY_ORDER: 'xai, Ollama,anthropic' }).PROVIDER_PRIORITY_ORDER,
    ).toEqual(['xai', 'ollama', 'anthropic']);
  });

  it('treats a blank value as unset', () => {
    const config = loadConfig({ PORT: '', DATABASE_URL: '  ', REDIS_URL: '' });
    expect(config.PORT).toBe(3000);
    expect(config.DATABASE_URL).toBeUndefined();
    expect(deploymentProfile(config)).toBe('embedded');
  });

  it('derives the profile from DATABASE_URL and REDIS_URL', () => {
    const db = 'postgres://omni@localhost:5432/omni';
    expect(deploymentProfile(loadConfig({ DATABASE_URL: db }))).toBe('postgres');
    expect(
      deploymentProfile(loadConfig({ DATABASE_URL: db, REDIS_URL: 'redis://localhost:6379' })),
    ).toBe('scale');
  });

  it('documents every variable the specification names', () => {
    const names = listVariables().map((v) => v.name);
    for (const name of [
      'PORT',
      'HOST',
      'DATABASE_URL',
      'REDIS_URL',
      'OMNI_DATA_DIR',
      'AUTO_MIGRATE',
      'SHUTDOWN_TIMEOUT_MS',
      'LOG_LEVEL',
      'PROMETHEUS_ENABLED',
      'OTEL_METRICS',
      'QUEUE_CLAIM_IDLE_MS',
      'QUEUE_MAX_ATTEMPTS',
      'DEBOUNCE_MS',
      'DEBOUNCE_MAX_MS',
      'PROVIDER_PRIORITY_ORDER',
      'LLM_PROVIDER',
      'DEFAULT_MODEL',
      'SIMPLE_QUERY_MODEL',
      'MAX_TOKENS',
      'LLM_TIMEOUT',
      'PROVIDER_TIMEOUT_MS',
      'MAX_LATENCY_MS',
      'MAX_COST_PER_REQUEST',
      'RATE_LIMIT_RPS',
      'RATE_LIMIT_BURST',
      'FALLBACK_MODE',
      'OPENAI_API_KEY',
      'OPENAI_COMPATIBLE_BASE_URL',
      'OLLAMA_BASE_URL',
      'ANTHROPIC_BASE_URL',
      'EVOLUTION_URL',
      'EVOLUTION_API_KEY',
      'EVOLUTION_INSTANCE',
      'MCP_WHATSAPP_URL',
      'MCP_TOKEN',
      'WHATSAPP_ACCESS_TOKEN',
      'WHATSAPP_PHONE_NUMBER_ID',
      'WHATSAPP_APP_SECRET',
      'WHATSAPP_VERIFY_TOKEN',
      'WHATSAPP_GRAPH_URL',
      'TELEGRAM_BOT_TOKEN',
      'TELEGRAM_WEBHOOK_SECRET',
      'TELEGRAM_MODE',
      'TELEGRAM_API_URL',
      'SMTP_URL',
      'SLACK_WEBHOOK_URL',
      'CHATWOOT_URL',
      'CHATWOOT_API_TOKEN',
      'CHATWOOT_ACCOUNT_ID',
      'CHATWOOT_INBOX_ID',
      'HANDOFF_IDLE_RELEASE_MIN',
      'ESCALATION_MIN_CONFIDENCE',
      'ESCALATION_MAX_INTERACTIONS',
      'RATE_LIMIT_PER_MINUTE',
      'MAINTENANCE_MODE',
      'ENABLE_INTEGRATIONS',
      'RETENTION_DAYS',
    ]) {
      expect(names, name).toContain(name);
    }
    for (const variable of listVariables())
      expect(variable.doc.length, variable.name).toBeGreaterThan(10);
  });

  it('keeps the README configuration table identical to the schema', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    expect(withConfigTable(readme), 'run `npm run docs:config` and commit README.md').toBe(readme);
    expect(readme).toContain('| `RATE_LIMIT_RPS` | `10` |');
    expect(configTableMarkdown().split('\n').length).toBeGreaterThan(listVariables().length);
  });
});
