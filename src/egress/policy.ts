/**
 * Which addresses outbound calls may reach. Ranges come from ipaddr.js (maintained, covers every
 * IANA special-purpose block) instead of hand-written masks: only ordinary unicast addresses pass,
 * unless EGRESS_ALLOW lists the host, the address or a CIDR containing it.
 */
import ipaddr from 'ipaddr.js';
import { EgressError, type RefusalReason } from './errors.ts';

const SCHEMES = new Set(['http:', 'https:']);

/** How ipaddr.js names a range, in words for the refusal message. */
const RANGE_WORDS: Record<string, RefusalReason> = {
  loopback: { en: 'loopback address', pt: 'endereço de loopback' },
  private: { en: 'private network address', pt: 'endereço de rede privada' },
  uniqueLocal: { en: 'private network address', pt: 'endereço de rede privada' },
  linkLocal: {
    en: 'link-local or cloud metadata address',
    pt: 'endereço link-local ou de metadados da nuvem',
  },
  carrierGradeNat: { en: 'carrier-grade NAT address', pt: 'endereço de NAT de operadora' },
  multicast: { en: 'multicast address', pt: 'endereço multicast' },
  unspecified: { en: 'unspecified address', pt: 'endereço não especificado' },
  broadcast: { en: 'broadcast address', pt: 'endereço de broadcast' },
};
const SPECIAL: RefusalReason = { en: 'special-purpose address', pt: 'endereço de uso especial' };

export interface EgressPolicy {
  /** Refuses a URL whose scheme is not http/https or whose host is a refused IP literal. */
  checkUrl(raw: string | URL): URL;
  /** Refuses an address `host` resolved to (the host itself may be allowed by name). */
  checkAddress(host: string, address: string): void;
  /** Whether EGRESS_ALLOW names this host, so whatever it resolves to is allowed. */
  allowsHost(host: string): boolean;
}

type Cidr = [ipaddr.IPv4 | ipaddr.IPv6, number];

/** `[::1]` → `::1`: URL hostnames keep the brackets of IPv6 literals. */
export function bareHost(hostname: string): string {
  return hostname.replace(/^\[|\]$/g, '').toLowerCase();
}

/** IPv4-mapped IPv6 (`::ffff:127.0.0.1`) is judged as the IPv4 address it carries. */
function parseAddress(address: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  const bare = bareHost(address).replace(/%.*$/, '');
  return ipaddr.isValid(bare) ? ipaddr.process(bare) : undefined;
}

/**
 * How a refused URL is named in messages and logs: scheme and host only — a path or user part can
 * carry a credential (a Slack webhook path, a bot token, an SMTP password).
 */
export function shownTarget(url: URL): string {
  return `${url.protocol}//${url.host}`;
}

export function createEgressPolicy(allow: readonly string[] = []): EgressPolicy {
  const hosts = new Set<string>();
  const cidrs: Cidr[] = [];
  for (const entry of allow.map((item) => bareHost(item.trim())).filter(Boolean)) {
    if (entry.includes('/') && ipaddr.isValidCIDR(entry)) {
      const [range, bits] = ipaddr.parseCIDR(entry);
      // A mapped-IPv4 CIDR is unusual; the address is compared in its own family below.
      cidrs.push([range, bits]);
    } else {
      const address = parseAddress(entry);
      if (address) cidrs.push([address, address.kind() === 'ipv4' ? 32 : 128]);
      else hosts.add(entry);
    }
  }

  const allowedAddress = (address: ipaddr.IPv4 | ipaddr.IPv6) =>
    cidrs.some(([range, bits]) => range.kind() === address.kind() && address.match(range, bits));

  const refusal = (address: ipaddr.IPv4 | ipaddr.IPv6): RefusalReason | undefined => {
    const range = address.range();
    if (range === 'unicast' || allowedAddress(address)) return undefined;
    const words = RANGE_WORDS[range] ?? SPECIAL;
    return {
      en: `${words.en} ${address.toString()}`,
      pt: `${words.pt} ${address.toString()}`,
      allowable: true,
    };
  };

  const policy: EgressPolicy = {
    allowsHost: (host) => hosts.has(bareHost(host)),
    checkUrl(raw) {
      let url: URL;
      try {
        url = raw instanceof URL ? raw : new URL(raw);
      } catch {
        throw new EgressError('(invalid URL)', { en: 'not a URL', pt: 'não é uma URL' });
      }
      if (!SCHEMES.has(url.protocol)) {
        throw new EgressError(shownTarget(url), {
          en: `scheme ${url.protocol} not allowed, only http and https`,
          pt: `esquema ${url.protocol} não permitido, apenas http e https`,
        });
      }
      if (!policy.allowsHost(url.hostname)) policy.checkAddress(url.hostname, url.hostname);
      return url;
    },
    checkAddress(host, address) {
      if (policy.allowsHost(host)) return;
      const parsed = parseAddress(address);
      if (!parsed) return; // a name: judged on what it resolves to, when the connection is made
      const reason = refusal(parsed);
      if (reason) throw new EgressError(host === address ? bareHost(host) : host, reason);
    },
  };
  return policy;
}
