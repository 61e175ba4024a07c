/**
 * HTTP tools a tenant declares (`http_tools`): the model sees the name, the description and the
 * JSON schema of the arguments; the URL and the secret headers never leave the server. A call is
 * a GET with the arguments as query parameters, or another method with them as a JSON body,
 * through the egress guard (src/egress) like every call to an address a tenant chose.
 */
import { and, eq } from 'drizzle-orm';
import { egressErrorIn, guardedFetch } from '../egress/index.ts';
import { awakeTimeout } from '../retry/index.ts';
import { type Db, schema } from '../storage/index.ts';

export interface HttpToolDefinition {
  name: string;
  description: string;
  url: string;
  method: string;
  parameters: Record<string, unknown>;
  timeoutMs: number;
  secretHeaders: Record<string, string>;
}

/** What a tool answer may add to the prompt: enough for a record, not a whole page. */
const MAX_RESULT_CHARS = 4000;

export async function httpToolsOf(db: Db, tenantId: string): Promise<HttpToolDefinition[]> {
  return db
    .select({
      name: schema.httpTools.name,
      description: schema.httpTools.description,
      url: schema.httpTools.url,
      method: schema.httpTools.method,
      parameters: schema.httpTools.parameters,
      timeoutMs: schema.httpTools.timeoutMs,
      secretHeaders: schema.httpTools.secretHeaders,
    })
    .from(schema.httpTools)
    .where(and(eq(schema.httpTools.tenantId, tenantId), eq(schema.httpTools.enabled, true)));
}

export async function callHttpTool(
  tool: HttpToolDefinition,
  input: unknown,
  signal: AbortSignal,
  fetchImpl: typeof fetch = guardedFetch,
): Promise<string> {
  const args = (input && typeof input === 'object' ? input : {}) as Record<string, unknown>;
  const method = tool.method.toUpperCase();
  const url = new URL(tool.url);
  if (method === 'GET') {
    for (const [key, value] of Object.entries(args)) url.searchParams.set(key, String(value));
  }
  // A plain timer, not `AbortSignal.timeout`: joined by `AbortSignal.any` that one can be
  // garbage-collected before it fires (nodejs/node#57736), and a hung tool would hold the turn.
  const timeout = awakeTimeout(tool.timeoutMs);
  try {
    const response = await fetchImpl(url, {
      method,
      headers: {
        accept: 'application/json',
        'content-type': 'application/json',
        ...tool.secretHeaders,
      },
      body: method === 'GET' ? undefined : JSON.stringify(args),
      signal: AbortSignal.any([signal, timeout.signal]),
    });
    const body = (await response.text()).slice(0, MAX_RESULT_CHARS);
    return response.ok
      ? body
      : `The tool failed with HTTP ${response.status}: ${body.slice(0, 300)}`;
  } catch (error) {
    if (signal.aborted) throw error;
    // The tool's address is refused by the egress guard: said plainly, the address stays out.
    if (egressErrorIn(error)) return 'The tool cannot be called: its address is not allowed.';
    // Said to the model, which can tell the customer; the URL stays out of it.
    return `The tool could not be reached (${timeout.signal.aborted ? 'timeout' : 'network error'}).`;
  } finally {
    timeout.clear();
  }
}
