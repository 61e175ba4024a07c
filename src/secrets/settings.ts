/**
 * Which tenant settings are secrets, and the three things done with them: sealed before they are
 * stored, opened when the settings are read for use, masked in everything shown (API, CLI,
 * exports). Secrets are the channel and integration credentials (explicitly listed, and anything
 * named like one) and the LLM keys under `providers.<name>.api_key`.
 */

import { keyById, sealingKey } from './keyring.ts';
import { isSealed, open, seal, sealedKeyId } from './seal.ts';

type Settings = Record<string, unknown>;

/** Credentials that do not say so in their name: URLs that carry a password or are a bearer token. */
const NAMED = new Set(['smtp_url', 'slack_webhook_url', 'evolution_api_key']);
const SUFFIXES = ['_secret', '_token', '_api_key', '_password'];

export function isSecretSetting(name: string): boolean {
  return NAMED.has(name) || SUFFIXES.some((suffix) => name.endsWith(suffix));
}

/** What a masked secret looks like: enough to tell which one is set, never the secret. */
export const MASK_PREFIX = '…';

function mask(plain: string | undefined): string {
  // The last four characters say which key is set; a short secret would give too much away.
  return plain && plain.length >= 16 ? `${MASK_PREFIX}${plain.slice(-4)}` : `${MASK_PREFIX}set`;
}

/** A value an API client sent back as it read it (masked): it means "leave it as it is". */
function isMasked(value: unknown): boolean {
  return typeof value === 'string' && value.startsWith(MASK_PREFIX);
}

/** Applies `each` to every secret string in the settings (top level and providers' api_key). */
function mapSecrets(settings: Settings, each: (value: string, path: string) => unknown): Settings {
  const result: Settings = { ...settings };
  for (const [name, value] of Object.entries(settings)) {
    if (typeof value === 'string' && value && isSecretSetting(name))
      result[name] = each(value, name);
  }
  const providers = settings.providers;
  if (providers && typeof providers === 'object' && !Array.isArray(providers)) {
    const copy: Settings = {};
    for (const [provider, credentials] of Object.entries(providers as Settings)) {
      const own = credentials as Settings | null;
      const apiKey = own?.api_key;
      copy[provider] =
        own && typeof apiKey === 'string' && apiKey
          ? { ...own, api_key: each(apiKey, `providers.${provider}.api_key`) }
          : credentials;
    }
    result.providers = copy;
  }
  return result;
}

/** The secret at `path` ("name" or "providers.<name>.api_key") in opened settings. */
function secretAt(settings: Settings, path: string): unknown {
  const [first, provider] = path.split('.');
  if (first !== 'providers' || !provider) return settings[path];
  return ((settings.providers as Settings | undefined)?.[provider] as Settings | undefined)
    ?.api_key;
}

/**
 * Changes with every secret an API client sent back masked (as it read it) replaced by the
 * current value: a read-modify-write of the settings never overwrites a secret with its mask.
 */
export function keepMaskedSecrets(changes: Settings, current: Settings): Settings {
  return mapSecrets(changes, (value, path) => (isMasked(value) ? secretAt(current, path) : value));
}

/** Settings as stored: every secret sealed under the current key (re-sealed if under another). */
export function sealSecrets(settings: Settings): Settings {
  return mapSecrets(settings, (value, path) => {
    // Asked only when there is a secret: settings without one need no key.
    const key = sealingKey();
    if (!isSealed(value)) return seal(value, path, key);
    if (sealedKeyId(value) === key.id) return value;
    const plain = open(value, path);
    // Not openable with any key given: kept as it is rather than lost.
    return plain === undefined ? value : seal(plain, path, key);
  });
}

/** Settings for use: secrets in clear; one no key opens is left out (as if unset). */
export function openSecrets(settings: Settings): Settings {
  const opened = mapSecrets(settings, (value, path) =>
    isSealed(value) ? open(value, path) : value,
  );
  for (const [name, value] of Object.entries(opened)) if (value === undefined) delete opened[name];
  return opened;
}

/** Settings for display: every secret replaced by "…set" or its last four characters. */
export function maskSecrets(settings: Settings): Settings {
  return mapSecrets(settings, (value, path) => mask(isSealed(value) ? open(value, path) : value));
}

/** Whether the stored settings hold a secret in clear or under an older key (to migrate). */
export function needsSealing(settings: Settings): boolean {
  let stale = false;
  mapSecrets(settings, (value) => {
    if (!isSealed(value)) stale = true;
    else if (sealedKeyId(value) !== sealingKey().id && keyById(sealedKeyId(value))) stale = true;
    return value;
  });
  return stale;
}

/** Where the settings hold a sealed value no key given to this process opens (a wrong key). */
export function unreadableSecrets(settings: Settings): string[] {
  const paths: string[] = [];
  mapSecrets(settings, (value, path) => {
    if (isSealed(value) && open(value, path) === undefined) paths.push(path);
    return value;
  });
  return paths;
}
