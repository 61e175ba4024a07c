/**
 * Operations: the tools an on-call engineer runs (preflight, health monitor, benchmark,
 * maintenance, retention, erasure, backup).
 */

export {
  BACKUP_FORMAT,
  BackupError,
  type BackupReport,
  createBackup,
  restoreBackup,
} from './backup.ts';
export {
  driveLoad,
  type LatencySummary,
  type LoadResult,
  measureHttpCeiling,
  measureInsertCeiling,
  measureXaddCeiling,
  sampleRss,
  summarize,
} from './bench.ts';
export {
  type ChaosOptions,
  type OmniProcess,
  runChaos,
  SCENARIOS,
  type ScenarioName,
  type ScenarioResult,
} from './chaos.ts';
export { type CheckOutcome, type DoctorCheck, type DoctorReport, runDoctor } from './doctor.ts';
export {
  ERASED,
  type ErasureReport,
  eraseContact,
  exportContact,
  findContact,
} from './erasure.ts';
export { type FaultyProxy, startProxy } from './fault-proxy.ts';
export {
  formatObservation,
  type HealthObservation,
  isServing,
  observeHealth,
  type Verdict,
} from './health-monitor.ts';
export { MAINTENANCE_AGENT, maintenanceMessage, withMaintenance } from './maintenance.ts';
export {
  applyRetention,
  RETENTION_INTERVAL_MS,
  type RetentionPolicy,
  type RetentionReport,
  scheduleRetention,
} from './retention.ts';
