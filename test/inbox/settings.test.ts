/**
 * The settings in force and their source (issue 20): the tenant's setting wins, then the
 * environment, then Omni's default; secrets only say whether they are set, never what they are.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.ts';
import { effectiveSettings } from '../../src/inbox/index.ts';

describe('effective settings', () => {
  const config = loadConfig({
    ESCALATION_MIN_CONFIDENCE: '0.7',
    PROVIDER_PRIORITY_ORDER: 'anthropic,openai',
    OPENAI_API_KEY: 'sk-environment-secret',
  });

  it('says where each value comes from: tenant, environment or default', () => {
    const { settings } = effectiveSettings(config, {
      language: 'en',
      escalation: { max_interactions: 5 },
      canned_responses: { greeting: 'Oi!' },
    });
    expect(settings.language).toEqual({ value: 'en', source: 'tenant' });
    expect(settings['escalation.min_confidence']).toEqual({ value: 0.7, source: 'environment' });
    expect(settings['escalation.max_interactions']).toEqual({ value: 5, source: 'tenant' });
    expect(settings['llm.provider_priority_order']).toEqual({
      value: ['anthropic', 'openai'],
      source: 'environment',
    });
    expect(settings['canned_responses.greeting']).toEqual({ value: 'Oi!', source: 'tenant' });
    // The default text is the one of the tenant's language.
    expect(settings['canned_responses.thanks']?.source).toBe('default');
    expect(settings['canned_responses.thanks']?.value).toMatch(/^You are welcome/);
    expect(effectiveSettings(loadConfig({}), {}).settings['escalation.min_confidence']).toEqual({
      value: 0.6,
      source: 'default',
    });
  });

  it('reports secrets as set or not, never their value', () => {
    const answer = effectiveSettings(config, {
      providers: { anthropic: { api_key: 'sk-tenant-secret' } },
    });
    expect(answer.secrets['providers.openai.api_key']).toEqual({
      set: true,
      source: 'environment',
    });
    expect(answer.secrets['providers.anthropic.api_key']).toEqual({ set: true, source: 'tenant' });
    expect(answer.secrets['providers.google.api_key']).toEqual({ set: false, source: 'default' });
    expect(JSON.stringify(answer)).not.toMatch(/sk-(environment|tenant)-secret/);
  });
});
