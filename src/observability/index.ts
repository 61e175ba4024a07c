/** Observability: logs, metrics and health. */
export {
  type ComponentHealth,
  type ComponentStatus,
  checkHealth,
  type HealthCheck,
  type HealthReport,
  httpStatusOf,
  type OverallStatus,
  runCheck,
} from './health.ts';
export { createLogger, type Logger, REDACTED_PATHS } from './logger.ts';
export { createMetrics, type Metrics } from './metrics.ts';
export {
  findPii,
  isValidPii,
  maskPii,
  PII_TYPES,
  type PiiMatch,
  type PiiType,
} from './pii.ts';
export { startTracing, type Tracing, withSpan } from './tracing.ts';
export { VERSION } from './version.ts';
