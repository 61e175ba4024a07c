/**
 * OpenTelemetry traces (SPEC §8): one span per turn and per dispatch, with the AI SDK's own spans
 * for each model call nested inside. Without `OTEL_METRICS=on` or an OTLP endpoint nothing is
 * registered and every span below is the API's no-op. The SDK and the exporter are imported only
 * then: ~5 MB of RSS an instance without a collector does not carry.
 */
import { type Attributes, SpanStatusCode, trace } from '@opentelemetry/api';
import { VERSION } from './version.ts';

const tracer = trace.getTracer('omni', VERSION);
// The OTLP/HTTP default when only OTEL_METRICS=on is given (a collector on this host).
const DEFAULT_ENDPOINT = 'http://localhost:4318';

export interface Tracing {
  /** Sends the spans still buffered, then stops. */
  shutdown(): Promise<void>;
}

export async function startTracing(options: { endpoint?: string }): Promise<Tracing> {
  const [
    { OTLPTraceExporter },
    { resourceFromAttributes },
    { BatchSpanProcessor, NodeTracerProvider },
  ] = await Promise.all([
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/sdk-trace-node'),
  ]);
  const base = (options.endpoint ?? DEFAULT_ENDPOINT).replace(/\/+$/, '');
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'omni', 'service.version': VERSION }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: `${base}/v1/traces` }))],
  });
  provider.register();
  return {
    shutdown: async () => {
      await provider.shutdown();
      trace.disable();
    },
  };
}

/** Runs `work` inside a span named `name`; a thrown error marks the span and is rethrown. */
export function withSpan<T>(
  name: string,
  attributes: Attributes,
  work: () => Promise<T>,
): Promise<T> {
  return tracer.startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await work();
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
      throw error;
    } finally {
      span.end();
    }
  });
}
