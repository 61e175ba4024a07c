/** Storage: the database (PGlite or PostgreSQL), its schema and migrations, and Redis. */
export {
  type Database,
  type DatabaseOptions,
  type Db,
  openDatabase,
  safeTarget,
} from './database.ts';
export {
  describeConnectionError,
  isDatabaseUnavailable,
  isDependencyUnavailable,
  isRedisUnavailable,
  StorageError,
  type StorageErrorCode,
} from './errors.ts';
export { type HeldRow, notHeld, RowTakenError, whileHolding } from './held-call.ts';
export type { HoldLimit } from './hold-limit.ts';
export { type MigrationResult, type MigrationStatus, migrationsFolder } from './migrate.ts';
export {
  type DependencyWatch,
  type OutageCounters,
  reconnectDelayMs,
  watchDependency,
} from './outages.ts';
export { connectRedis, type RedisConnection } from './redis.ts';
export { queryRows } from './rows.ts';
export * as schema from './schema.ts';
export { readSwitch, setSwitch } from './switches.ts';
