/**
 * Tenancy: tenants (companies), API keys, dashboard users and their sessions, and the audit log of
 * admin actions.
 */
export {
  API_KEY_PERMISSIONS,
  type ApiKeyInfo,
  type ApiKeyPermission,
  type Authentication,
  authenticateApiKey,
  createApiKey,
  hasPermission,
  listApiKeys,
  parsePermissions,
  revokeApiKey,
} from './api-keys.ts';
export { type Actor, type AuditEntry, type AuditRecord, listAudit, recordAudit } from './audit.ts';
export {
  DEMO_ADMIN_EMAIL,
  DEMO_TENANT_SLUG,
  type DemoCredentials,
  ensureDemoTenant,
} from './bootstrap.ts';
export { TenancyError, type TenancyErrorCode } from './errors.ts';
export { type LockdownReport, lockdown } from './lockdown.ts';
export { type LoginPolicy, type LoginResult, login } from './login.ts';
export { generatePassword, hashPassword, verifyPassword } from './passwords.ts';
export {
  authenticateSession,
  createSession,
  csrfTokenMatches,
  endAllSessions,
  endSession,
  type SessionCheck,
  type SessionInfo,
} from './sessions.ts';
export {
  fallbackSwitch,
  type InstanceSwitches,
  MAINTENANCE_MODES,
  type MaintenanceMode,
  parseMaintenanceMode,
  parseOnOff,
  readSwitches,
  SWITCH_REFRESH_MS,
  setInstanceSwitch,
  switchDefaults,
} from './switches.ts';
export { tenantRowById, tenantRowsOldestFirst } from './tenant-rows.ts';
export {
  createTenant,
  findTenant,
  getTenant,
  isUuid,
  listTenants,
  sealStoredSecrets,
  type Tenant,
  type TenantSettings,
  tenantsWithUnreadableSecrets,
  updateTenant,
} from './tenants.ts';
export {
  createUser,
  disableUser,
  getUser,
  listUsers,
  MIN_PASSWORD_LENGTH,
  parseRole,
  ROLE_PERMISSION,
  resetPassword,
  USER_ROLES,
  type User,
  type UserRole,
} from './users.ts';
export { apiKeyView, tenantView, userView } from './views.ts';
