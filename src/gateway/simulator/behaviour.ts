/**
 * What the simulator does with one request: per run (options, `behave()`, `PUT /_sim/behaviour`)
 * and per request (`x-sim-*` headers, which win). Everything an LLM provider does to a gateway in
 * production: slowness, errors, 429 with retry-after, hangs, tool calls, token usage.
 */
export interface SimBehaviour {
  /** Delay before answering (or before the first streamed chunk). */
  latencyMs?: number;
  /** Share of requests answered 500, 0–1. */
  errorRate?: number;
  /** Answer this HTTP status with the provider's error body (429, 500, 401, …). */
  status?: number;
  /** Seconds, sent as `retry-after` with a 429 or 503. */
  retryAfterS?: number;
  /** Never answer: the client's timeout is what ends the request. */
  hang?: boolean;
  /** Fixed answer text. */
  answer?: string;
  /** Answer with the last user message. */
  echo?: boolean;
  /** Answer with a call of this tool (default: the first tool of the request). */
  toolCall?: { name?: string; input?: Record<string, unknown> };
  /** Reported token usage; default: ~4 characters per token of prompt and answer. */
  usage?: { input: number; output: number; cached?: number };
}

/** `x-sim-*` headers → behaviour; unknown or malformed values are ignored. */
export function behaviourFromHeaders(
  headers: Record<string, string | string[] | undefined>,
): SimBehaviour {
  const get = (name: string) => {
    const value = headers[`x-sim-${name}`];
    return Array.isArray(value) ? value[0] : value;
  };
  const number = (name: string) => {
    const value = get(name);
    const parsed = value === undefined ? Number.NaN : Number(value);
    return Number.isFinite(parsed) ? parsed : undefined;
  };
  const flag = (name: string) => {
    const value = get(name);
    return value === undefined
      ? undefined
      : ['1', 'true', 'yes', 'on'].includes(value.toLowerCase());
  };
  const behaviour: SimBehaviour = {
    latencyMs: number('latency-ms'),
    errorRate: number('error-rate'),
    status: number('status'),
    retryAfterS: number('retry-after'),
    hang: flag('hang'),
    answer: get('answer'),
    echo: flag('echo'),
    toolCall: parseToolCall(get('tool-call')),
    usage: parseUsage(get('usage')),
  };
  return Object.fromEntries(
    Object.entries(behaviour).filter(([, v]) => v !== undefined),
  ) as SimBehaviour;
}

/** `lookup` or `{"name":"lookup","input":{…}}`. */
export function parseToolCall(value: string | undefined): SimBehaviour['toolCall'] {
  if (!value) return undefined;
  if (!value.trim().startsWith('{')) return { name: value.trim() };
  try {
    const parsed = JSON.parse(value) as { name?: string; input?: Record<string, unknown> };
    return { name: parsed.name, input: parsed.input };
  } catch {
    return undefined;
  }
}

/** `input,output[,cached]`, e.g. `120,30` or `120,30,100`. */
export function parseUsage(value: string | undefined): SimBehaviour['usage'] {
  if (!value) return undefined;
  const [input, output, cached] = value.split(',').map((part) => Number(part.trim()));
  if (!Number.isFinite(input) || !Number.isFinite(output)) return undefined;
  return {
    input: input as number,
    output: output as number,
    cached: Number.isFinite(cached) ? cached : undefined,
  };
}
