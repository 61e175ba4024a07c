/**
 * Secrets at rest: tenant channel and integration credentials sealed with AES-256-GCM under
 * OMNI_SECRET_KEY, opened only for use, masked wherever they are shown. An inner module.
 */
export {
  ephemeralKey,
  KEY_FILE,
  keyFromDataDir,
  parseSecretKey,
  type SecretKey,
  setSecretKeys,
} from './keyring.ts';
export { isSealed } from './seal.ts';
export {
  isSecretSetting,
  keepMaskedSecrets,
  maskSecrets,
  needsSealing,
  openSecrets,
  sealSecrets,
  unreadableSecrets,
} from './settings.ts';
