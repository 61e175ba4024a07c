/**
 * The operators' views of a tenant: the inbox of conversations, the overview's numbers and the
 * settings in force with their source.
 */
export { INBOX_FILTERS, type InboxEntry, type InboxFilter, listInbox } from './conversations.ts';
export { type Overview, overviewStats } from './overview.ts';
export {
  type EffectiveSecret,
  type EffectiveSetting,
  type EffectiveSettings,
  effectiveSettings,
  type SettingSource,
} from './settings.ts';
