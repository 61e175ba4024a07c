import type { Logger } from '../observability/index.ts';
import type { Db } from '../storage/index.ts';
import type { Pacer } from './pacing.ts';
import type { ChannelSettings } from './settings.ts';

/** What every outbound adapter is built with (effects passed in, nothing global). */
export interface AdapterDeps {
  db: Db;
  pacer: Pacer;
  logger: Logger;
  /** A tenant's channel settings: its own overrides over the environment's defaults. */
  settingsOf(tenantId: string): Promise<ChannelSettings>;
  /** The environment's settings, for instance-wide checks (health, polling). */
  defaults: ChannelSettings;
  timeoutMs: number;
}
