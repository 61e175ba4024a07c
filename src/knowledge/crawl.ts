/**
 * A website as knowledge: one page and the same-site pages it links to (breadth first), or every
 * page a sitemap lists — same site only, robots.txt respected (robots-parser), each page ingested
 * as an HTML document under its URL. A re-crawl of unchanged pages writes nothing: ingest skips
 * the same content by its hash.
 */
import robotsParserModule from 'robots-parser';
import { egressErrorIn, guardedFetch } from '../egress/index.ts';
import type { Db } from '../storage/index.ts';
import { KnowledgeError } from './errors.ts';
import { type IngestResult, ingestDocument } from './ingest.ts';

// The package is CommonJS (`module.exports = fn`) with types that declare an ES default export.
const robotsParser = robotsParserModule as unknown as typeof robotsParserModule.default;

const USER_AGENT = 'OmniKnowledgeBot';
const DEFAULT_MAX_PAGES = 50;
const FETCH_TIMEOUT_MS = 15_000;

/**
 * Every request of the crawler goes through the egress guard: the URLs come from a tenant, so they
 * may point at private addresses (redirects are checked by the guard too).
 */
async function fetchForCrawl(url: string): Promise<Response> {
  try {
    return await guardedFetch(url, {
      headers: { 'user-agent': USER_AGENT, accept: 'text/html,application/xml;q=0.9,*/*;q=0.5' },
      signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
    });
  } catch (error) {
    const refused = egressErrorIn(error);
    if (refused) throw refused;
    throw new KnowledgeError(
      'fetch_failed',
      `${url} could not be fetched (${(error as Error).message}).`,
    );
  }
}

export interface CrawlInput {
  tenantId: string;
  url: string;
  /** `url` is a sitemap (urlset, or a sitemap index one level deep). */
  sitemap?: boolean;
  maxPages?: number;
  onPage?: (result: IngestResult | { source: string; status: 'skipped'; reason: string }) => void;
}

export interface CrawlResult {
  pages: Array<IngestResult | { source: string; status: 'skipped'; reason: string }>;
}

function parseUrl(raw: string): URL {
  try {
    const url = new URL(raw);
    if (url.protocol === 'http:' || url.protocol === 'https:') return url;
  } catch {
    // reported below
  }
  throw new KnowledgeError('fetch_failed', `${raw} is not an http(s) URL.`);
}

/** Without the fragment: `#section` is the same page. */
function canonical(url: URL): string {
  const copy = new URL(url);
  copy.hash = '';
  return copy.toString();
}

/**
 * `<loc>` entries of a sitemap. Sitemaps are flat XML lists, so a pattern reads them without an
 * XML parser dependency; entities in URLs are decoded.
 */
function sitemapLocations(xml: string): string[] {
  return [...xml.matchAll(/<loc>\s*([^<]+?)\s*<\/loc>/gi)].map((match) =>
    (match[1] as string)
      .replace(/&amp;/g, '&')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&apos;/g, "'"),
  );
}

/** `href`s of anchors, resolved against the page. */
function linksOf(html: string, base: URL): URL[] {
  const links: URL[] = [];
  for (const match of html.matchAll(/<a\s[^>]*href\s*=\s*["']([^"'#][^"']*)["']/gi)) {
    try {
      links.push(new URL(match[1] as string, base));
    } catch {
      // an unparsable href is not a page
    }
  }
  return links;
}

export async function crawlSite(db: Db, input: CrawlInput): Promise<CrawlResult> {
  const start = parseUrl(input.url);
  const origin = start.origin;
  const maxPages = input.maxPages ?? DEFAULT_MAX_PAGES;
  const robotsUrl = `${origin}/robots.txt`;
  const robotsResponse = await fetchForCrawl(robotsUrl);
  // No robots.txt (404 and the like) means everything is allowed.
  const robots = robotsParser(robotsUrl, robotsResponse.ok ? await robotsResponse.text() : '');
  const allowed = (url: string) => robots.isAllowed(url, USER_AGENT) !== false;

  const queue: string[] = [];
  const seen = new Set<string>();
  const enqueue = (url: URL) => {
    if (url.origin !== origin) return; // same site only
    const key = canonical(url);
    if (seen.has(key)) return;
    seen.add(key);
    queue.push(key);
  };
  const pages: CrawlResult['pages'] = [];
  const record = (page: CrawlResult['pages'][number]) => {
    pages.push(page);
    input.onPage?.(page);
  };

  if (input.sitemap) {
    const listed = await readSitemap(start);
    for (const location of listed) {
      try {
        enqueue(new URL(location));
      } catch {
        // not a URL
      }
    }
  } else {
    enqueue(start);
  }

  while (queue.length > 0 && pages.filter((p) => p.status !== 'skipped').length < maxPages) {
    const url = queue.shift() as string;
    if (!allowed(url)) {
      record({ source: url, status: 'skipped', reason: 'robots.txt' });
      continue;
    }
    const response = await fetchForCrawl(url);
    const type = response.headers.get('content-type') ?? '';
    if (!response.ok || !/html/i.test(type)) {
      await response.body?.cancel();
      record({
        source: url,
        status: 'skipped',
        reason: response.ok ? `not HTML (${type})` : `HTTP ${response.status}`,
      });
      continue;
    }
    const html = await response.text();
    if (!input.sitemap) for (const link of linksOf(html, new URL(url))) enqueue(link);
    try {
      record(
        await ingestDocument(db, {
          tenantId: input.tenantId,
          source: url,
          content: html,
          format: 'html',
          metadata: { url },
        }),
      );
    } catch (error) {
      if (!(error instanceof KnowledgeError) || error.code !== 'empty_document') throw error;
      record({ source: url, status: 'skipped', reason: 'no text' });
    }
  }
  return { pages };

  async function readSitemap(url: URL, depth = 0): Promise<string[]> {
    const response = await fetchForCrawl(url.toString());
    if (!response.ok) {
      throw new KnowledgeError(
        'fetch_failed',
        `The sitemap ${url} answered HTTP ${response.status}.`,
      );
    }
    const xml = await response.text();
    const locations = sitemapLocations(xml);
    // A sitemap index lists sitemaps; one level is what sites use.
    if (/<sitemapindex/i.test(xml) && depth === 0) {
      const nested: string[] = [];
      for (const location of locations) {
        const nestedUrl = parseUrl(location);
        if (nestedUrl.origin === origin) nested.push(...(await readSitemap(nestedUrl, 1)));
      }
      return nested;
    }
    return locations;
  }
}
