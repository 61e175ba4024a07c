/**
 * Graceful shutdown on SIGTERM/SIGINT (SPEC §2): run `drain`, then exit 0; exit 1 if it takes
 * longer than `timeoutMs` or fails. Written here rather than with close-with-grace because that
 * library exits 1 on any second signal, and Ctrl-C under `npm start` delivers SIGINT twice (the
 * terminal's process group and npm's forwarding): a repeat within a moment is the same request.
 * A dependency going away is never fatal: see `onFatal`.
 */
import type { Logger } from '../observability/index.ts';
import { isDependencyUnavailable } from '../storage/index.ts';

const SAME_REQUEST_WINDOW_MS = 1_000;

export function exitGracefullyOnSignals(
  timeoutMs: number,
  logger: Logger,
  drain: () => Promise<void>,
): void {
  let firstSignalAt: number | undefined;

  const shutdown = async (reason: { signal?: NodeJS.Signals; error?: unknown }) => {
    const timer = setTimeout(() => {
      logger.error(
        { timeout_ms: timeoutMs },
        'shutdown took longer than SHUTDOWN_TIMEOUT_MS; exiting',
      );
      process.exit(1);
    }, timeoutMs);
    try {
      await drain();
      logger.info('shutdown complete');
      process.exit(reason.error ? 1 : 0);
    } catch (error) {
      logger.error({ err: error }, 'shutdown failed');
      process.exit(1);
    } finally {
      clearTimeout(timer);
    }
  };

  const onSignal = (signal: NodeJS.Signals) => {
    if (firstSignalAt === undefined) {
      firstSignalAt = Date.now();
      logger.info({ signal }, 'shutting down: no new requests, finishing in-flight work');
      void shutdown({ signal });
    } else if (Date.now() - firstSignalAt > SAME_REQUEST_WINDOW_MS) {
      logger.warn({ signal }, 'second signal: exiting without finishing in-flight work');
      process.exit(1);
    }
  };
  const onFatal = (error: unknown) => {
    // A database or Redis connection failing where nobody awaited it is an outage, which the
    // connections ride out and retry on their own (issue 13): stopping would turn it into a
    // crash with nobody to restart the process.
    if (isDependencyUnavailable(error)) {
      logger.warn({ err: error }, 'dependency error outside any request or job; not fatal');
      return;
    }
    logger.fatal({ err: error }, 'unexpected error; shutting down');
    if (firstSignalAt === undefined) {
      firstSignalAt = Date.now();
      void shutdown({ error });
    }
  };

  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('uncaughtException', onFatal);
  process.on('unhandledRejection', onFatal);
}
