/**
 * The settings in force for one tenant and where each comes from (issue 20): the tenant's own
 * setting wins, else the environment's variable, else Omni's default — the same order the agents
 * and the gateway apply. Secrets are never returned: only whether one is set, and where.
 */
import { type Config, loadConfig, type VariableName } from '../config/index.ts';
import { LLM_PROVIDERS, messagesFor, type OfflineIntent } from '../gateway/index.ts';

export type SettingSource = 'tenant' | 'environment' | 'default';

export interface EffectiveSetting {
  value: unknown;
  source: SettingSource;
}

export interface EffectiveSecret {
  set: boolean;
  source: SettingSource;
}

export interface EffectiveSettings {
  settings: Record<string, EffectiveSetting>;
  secrets: Record<string, EffectiveSecret>;
}

/** The offline responder's intents, each with a canned text (gateway/offline-responder.ts). */
const CANNED: Array<[OfflineIntent, 'greeting' | 'thanks' | 'humanRequest' | 'fallback']> = [
  ['greeting', 'greeting'],
  ['thanks', 'thanks'],
  ['human_request', 'humanRequest'],
  ['unknown', 'fallback'],
];

/** Omni's defaults: the configuration with no variable set. */
let defaults: Config | undefined;

function fromConfig(config: Config, name: VariableName): EffectiveSetting {
  defaults ??= loadConfig({});
  const value = config[name] ?? null;
  const isDefault = JSON.stringify(value) === JSON.stringify(defaults[name] ?? null);
  return { value, source: isDefault ? 'default' : 'environment' };
}

const record = (value: unknown): Record<string, unknown> =>
  value && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};

const present = (value: unknown) =>
  value !== undefined && value !== null && !(typeof value === 'string' && value.trim() === '');

export function effectiveSettings(config: Config, tenantSettings: unknown): EffectiveSettings {
  const tenant = record(tenantSettings);
  const escalation = record(tenant.escalation);
  const llm = record(tenant.llm);
  const canned = record(tenant.canned_responses);
  const providers = record(tenant.providers);
  const pick = (own: unknown, fallback: () => EffectiveSetting): EffectiveSetting =>
    present(own) && !(Array.isArray(own) && own.length === 0)
      ? { value: own, source: 'tenant' }
      : fallback();

  const language = pick(tenant.language, () => ({ value: 'pt-BR', source: 'default' }));
  const texts = messagesFor(String(language.value));
  const order = pick(
    typeof llm.provider_priority_order === 'string'
      ? llm.provider_priority_order.split(',')
      : llm.provider_priority_order,
    () => {
      const fromEnv = fromConfig(config, 'PROVIDER_PRIORITY_ORDER');
      // No order anywhere: every configured provider takes part, in this order.
      return fromEnv.value === null ? { value: [...LLM_PROVIDERS], source: 'default' } : fromEnv;
    },
  );
  const settings: Record<string, EffectiveSetting> = {
    language,
    custom_instructions: pick(tenant.custom_instructions, () => ({
      value: '',
      source: 'default',
    })),
    'escalation.min_confidence': pick(escalation.min_confidence, () =>
      fromConfig(config, 'ESCALATION_MIN_CONFIDENCE'),
    ),
    'escalation.max_interactions': pick(escalation.max_interactions, () =>
      fromConfig(config, 'ESCALATION_MAX_INTERACTIONS'),
    ),
    'llm.provider_priority_order': order,
    'llm.llm_provider': pick(llm.llm_provider, () => fromConfig(config, 'LLM_PROVIDER')),
    'llm.default_model': pick(llm.default_model, () => fromConfig(config, 'DEFAULT_MODEL')),
  };
  for (const [intent, key] of CANNED) {
    settings[`canned_responses.${intent}`] = pick(canned[intent], () => ({
      value: texts[key],
      source: 'default',
    }));
  }

  const secrets: Record<string, EffectiveSecret> = {};
  for (const provider of LLM_PROVIDERS) {
    const own = record(providers[provider]).api_key;
    const variable = `${provider.toUpperCase().replaceAll('-', '_')}_API_KEY` as VariableName;
    const fromEnv = variable in config ? config[variable] : undefined;
    secrets[`providers.${provider}.api_key`] = present(own)
      ? { set: true, source: 'tenant' }
      : present(fromEnv)
        ? { set: true, source: 'environment' }
        : { set: false, source: 'default' };
  }
  return { settings, secrets };
}
