/** The operators' views of a tenant: the inbox of conversations and the overview's numbers. */
export { INBOX_FILTERS, type InboxEntry, type InboxFilter, listInbox } from './conversations.ts';
export { type Overview, overviewStats } from './overview.ts';
