/**
 * The egress guard: the one way Omni reaches an address a tenant (or an operator on its behalf)
 * configured. The URL is checked when it is written (`assertAllowed`, a DNS lookup included) and
 * again on every connection: the undici dispatcher's `connect.lookup` checks each address a name
 * resolves to, so a name that resolves to a public address when saved and to 127.0.0.1 when used
 * (DNS rebinding) is refused. Redirects are followed by hand, each hop checked like the first.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import type { Agent, fetch as undiciFetch } from 'undici';
import { EgressError, egressErrorIn } from './errors.ts';
import { createEgressPolicy, type EgressPolicy, shownTarget } from './policy.ts';

/** Resolves a name to every address, as `dns.lookup(host, { all: true })` does. */
export type Resolver = (hostname: string) => Promise<LookupAddress[]>;

export interface EgressGuardOptions {
  /** EGRESS_ALLOW: hosts, addresses and CIDRs reachable although they are not public. */
  allow?: readonly string[];
  /** Name resolution; the system resolver unless a test scripts one. */
  resolve?: Resolver;
}

export interface EgressGuard {
  /** fetch() through the guard; an EgressError when the address (or a redirect's) is refused. */
  fetch(input: string | URL | Request, init?: RequestInit): Promise<Response>;
  /** Refuses a URL a setting names: scheme, literal address and what its name resolves to now. */
  assertAllowed(url: string | URL): Promise<URL>;
  close(): Promise<void>;
}

const MAX_REDIRECTS = 5;

const systemResolver: Resolver = (hostname) =>
  new Promise((resolve, reject) =>
    dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses) =>
      error ? reject(error) : resolve(addresses),
    ),
  );

function checkedLookup(policy: EgressPolicy, resolve: Resolver): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname).then(
      (found) => {
        const family = typeof options.family === 'number' ? options.family : 0;
        const addresses = family ? found.filter((a) => a.family === family) : found;
        try {
          // Every address is checked, not only the first: the connection may use any of them.
          for (const { address } of addresses) policy.checkAddress(hostname, address);
        } catch (error) {
          callback(error as EgressError, '', 0);
          return;
        }
        const first = addresses[0];
        if (!first) {
          const error = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), {
            code: 'ENOTFOUND',
          });
          callback(error, '', 0);
        } else if (options.all) {
          (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
        } else {
          callback(null, first.address, first.family);
        }
      },
      (error: NodeJS.ErrnoException) => callback(error, '', 0),
    );
  };
}

/** Headers that may follow a redirect to another origin: none that can carry a credential. */
const CROSS_ORIGIN_HEADERS = new Set(['accept', 'accept-language', 'content-type', 'user-agent']);

function redirectedInit(status: number, given: RequestInit, crossOrigin: boolean): RequestInit {
  let init = given;
  if (crossOrigin) {
    // As fetch drops Authorization: API keys and a tool's secret headers stay with their host.
    const headers = new Headers();
    for (const [name, value] of new Headers(given.headers))
      if (CROSS_ORIGIN_HEADERS.has(name)) headers.set(name, value);
    init = { ...given, headers };
  }
  const method = (init.method ?? 'GET').toUpperCase();
  // As browsers and the fetch standard do: 303 (and 301/302 after a POST) continue as a GET.
  if (status === 303 || ((status === 301 || status === 302) && method === 'POST')) {
    const headers = new Headers(init.headers);
    headers.delete('content-type');
    headers.delete('content-length');
    return { ...init, method: 'GET', body: undefined, headers };
  }
  return init;
}

/** A Request's parts as init, so callers that hand fetch a Request are guarded too. */
function requestInit(request: Request): RequestInit {
  return {
    method: request.method,
    headers: request.headers,
    body: request.body,
    signal: request.signal,
    redirect: request.redirect,
    ...(request.body ? { duplex: 'half' } : {}),
  } as RequestInit;
}

export function createEgressGuard(options: EgressGuardOptions = {}): EgressGuard {
  const policy = createEgressPolicy(options.allow);
  const resolve = options.resolve ?? systemResolver;
  // undici is imported at the first guarded call: ~13 MB of RSS a process that never reaches a
  // tenant's address (most API processes, an idle instance) does not need.
  let client: Promise<{ dispatcher: Agent; undiciFetch: typeof undiciFetch }> | undefined;
  const undici = () => {
    client ??= import('undici').then(({ Agent, fetch }) => ({
      dispatcher: new Agent({ connect: { lookup: checkedLookup(policy, resolve) } }),
      undiciFetch: fetch,
    }));
    return client;
  };

  const fetchOnce = async (url: URL, init: RequestInit): Promise<Response> => {
    const { dispatcher, undiciFetch } = await undici();
    try {
      // undici's own fetch with its own Agent: the global fetch may bundle another undici.
      return (await undiciFetch(url, {
        ...(init as Parameters<typeof undiciFetch>[1]),
        redirect: 'manual',
        dispatcher,
      })) as unknown as Response;
    } catch (error) {
      throw egressErrorIn(error) ?? error;
    }
  };

  return {
    async fetch(input, given = {}) {
      const init = input instanceof Request ? { ...requestInit(input), ...given } : given;
      let url = policy.checkUrl(input instanceof Request ? input.url : input);
      let request = init;
      for (let hop = 0; ; hop++) {
        const response = await fetchOnce(url, request);
        const location = response.headers.get('location');
        const redirect = response.status >= 300 && response.status < 400 && location;
        if (!redirect || init.redirect === 'manual') return response;
        if (init.redirect === 'error' || hop >= MAX_REDIRECTS) {
          await response.body?.cancel();
          throw new TypeError(
            `Too many redirects, or a redirect where none was allowed: ${shownTarget(url)}`,
          );
        }
        await response.body?.cancel();
        const next = policy.checkUrl(new URL(location, url));
        request = redirectedInit(response.status, request, next.origin !== url.origin);
        url = next;
      }
    },
    async assertAllowed(target) {
      const url = policy.checkUrl(target);
      if (policy.allowsHost(url.hostname)) return url;
      let addresses: LookupAddress[] = [];
      try {
        addresses = await resolve(url.hostname.replace(/^\[|\]$/g, ''));
      } catch {
        // A name that does not resolve yet is not refused: it is checked again on every connection.
      }
      try {
        for (const { address } of addresses) policy.checkAddress(url.hostname, address);
      } catch (error) {
        if (error instanceof EgressError) throw new EgressError(shownTarget(url), error.reason);
        throw error;
      }
      return url;
    },
    close: async () => {
      if (client) await (await client).dispatcher.close();
    },
  };
}
