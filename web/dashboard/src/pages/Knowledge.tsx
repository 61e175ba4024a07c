/**
 * The knowledge base (SPEC §7.5): upload documents (Markdown, text, JSON FAQ, HTML) or add a website
 * by URL or sitemap, see them with their passage counts, delete them, and try a question to see
 * which passages the bot would cite, in rank order with a relevance people can read (the raw score
 * means nothing to them).
 */
import { type ChangeEvent, type FormEvent, useCallback, useEffect, useState } from 'react';
import { api, type Me } from '../api.ts';
import { ActionNote } from '../components/ActionNote.tsx';
import { RowTable } from '../components/RowTable.tsx';
import { errorText, useI18n } from '../i18n.tsx';

interface KbDocument {
  id: string;
  source: string;
  title: string | null;
  format: string;
  chunks: number;
  updated_at: string;
}
interface Passage {
  score: number;
  text: string;
  citation: string;
}

/** A passage's score against the best one's: the scale of raw scores changes with the ranker. */
function relevance(score: number, best: number): 'high' | 'medium' | 'low' {
  const share = best > 0 ? score / best : 0;
  return share >= 0.75 ? 'high' : share >= 0.4 ? 'medium' : 'low';
}

const FORMAT_BY_EXTENSION: Record<string, string> = {
  md: 'markdown',
  markdown: 'markdown',
  txt: 'text',
  json: 'json',
  html: 'html',
  htm: 'html',
};

export function KnowledgePage({ me }: { me: Me }) {
  const { t, language } = useI18n();
  const canWrite = me.user.role !== 'viewer';
  const [documents, setDocuments] = useState<KbDocument[]>([]);
  const [question, setQuestion] = useState('');
  const [passages, setPassages] = useState<Passage[] | undefined>();
  const [note, setNote] = useState('');
  const [site, setSite] = useState('');
  const [sitemap, setSitemap] = useState(false);
  const [crawling, setCrawling] = useState(false);

  const load = useCallback(async () => {
    setDocuments((await api<{ documents: KbDocument[] }>('/api/v1/kb/documents')).documents);
  }, []);
  useEffect(() => {
    void load().catch((failure) => setNote(errorText(t, failure)));
  }, [load, t]);

  const upload = async (event: ChangeEvent<HTMLInputElement>) => {
    setNote('');
    for (const file of Array.from(event.target.files ?? [])) {
      const format = FORMAT_BY_EXTENSION[file.name.split('.').pop()?.toLowerCase() ?? ''];
      if (!format) {
        setNote(`${file.name}: ${t.kbFormats}`);
        continue;
      }
      try {
        const result = await api<{ chunks: number }>('/api/v1/kb/documents', {
          method: 'POST',
          body: { source: file.name, content: await file.text(), format },
        });
        setNote(`${file.name}: ${result.chunks} ${t.kbPassages}`);
      } catch (failure) {
        setNote(`${file.name}: ${errorText(t, failure)}`);
      }
    }
    event.target.value = '';
    await load();
  };

  const addSite = async (event: FormEvent) => {
    event.preventDefault();
    if (!site.trim()) return;
    setNote('');
    setCrawling(true);
    try {
      const { pages } = await api<{ pages: Array<{ status: string }> }>('/api/v1/kb/crawl', {
        method: 'POST',
        body: { url: site.trim(), sitemap },
      });
      const count = (status: string) => String(pages.filter((p) => p.status === status).length);
      setNote(
        `${site.trim()}: ${t.kbSitePages
          .replace('{created}', count('created'))
          .replace('{updated}', count('updated'))
          .replace('{unchanged}', count('unchanged'))
          .replace('{skipped}', count('skipped'))}`,
      );
      await load();
    } catch (failure) {
      setNote(`${site.trim()}: ${(failure as Error).message}`);
    } finally {
      setCrawling(false);
    }
  };

  const search = async (event: FormEvent) => {
    event.preventDefault();
    if (!question.trim()) return;
    const query = new URLSearchParams({ q: question.trim() });
    try {
      setPassages((await api<{ passages: Passage[] }>(`/api/v1/kb/search?${query}`)).passages);
    } catch (failure) {
      setNote(errorText(t, failure));
    }
  };

  const remove = async (id: string) => {
    try {
      await api(`/api/v1/kb/documents/${id}`, { method: 'DELETE' });
      await load();
    } catch (failure) {
      setNote(errorText(t, failure));
    }
  };

  return (
    <div className="knowledge">
      <ActionNote note={note} />
      <div className="card">
        <h2>{t.knowledge}</h2>
        {canWrite && (
          // The browser's own file button speaks the browser's language, not the dashboard's.
          <label className="upload">
            {t.kbUpload}
            <span className="button">{t.kbChoose}</span>
            <input
              type="file"
              multiple
              className="visually-hidden"
              accept=".md,.markdown,.txt,.json,.html,.htm"
              onChange={upload}
            />
          </label>
        )}
        <RowTable
          rows={documents}
          empty={t.kbEmpty}
          cells={(d) => (
            <>
              <td>{d.title ?? d.source}</td>
              <td>{d.format}</td>
              <td>
                {d.chunks} {t.kbPassages}
              </td>
              <td>{new Date(d.updated_at).toLocaleString(language)}</td>
              <td>
                {canWrite && (
                  <button type="button" className="secondary" onClick={() => void remove(d.id)}>
                    {t.delete}
                  </button>
                )}
              </td>
            </>
          )}
        />
      </div>
      {canWrite && (
        <form className="card" onSubmit={addSite}>
          <h3>{t.kbSite}</h3>
          <div className="inline">
            <input
              className="grow"
              name="site"
              type="url"
              value={site}
              placeholder={t.kbSiteUrl}
              onChange={(e) => setSite(e.target.value)}
            />
            <label>
              <input
                type="checkbox"
                checked={sitemap}
                onChange={(e) => setSitemap(e.target.checked)}
              />{' '}
              {t.kbSitemap}
            </label>
            <button type="submit" disabled={crawling}>
              {t.kbSiteAdd}
            </button>
          </div>
        </form>
      )}
      <form className="card" onSubmit={search}>
        <h3>{t.kbTry}</h3>
        <div className="inline">
          <input
            className="grow"
            name="question"
            value={question}
            placeholder={t.kbQuestion}
            onChange={(e) => setQuestion(e.target.value)}
          />
          <button type="submit">{t.kbSearch}</button>
        </div>
        {passages?.length === 0 && <p className="empty">{t.kbNoMatch}</p>}
        {passages?.map((p, index) => {
          const level = relevance(p.score, passages[0]?.score ?? 0);
          return (
            <div className="passage" key={`${p.citation}-${p.score}`} data-relevance={level}>
              <span className="who">
                <span className="rank">#{index + 1}</span>{' '}
                {index === 0 ? t.kbBest : `${t.kbRelevance}: ${t.relevance[level]}`} · {p.citation}
              </span>
              <p>{p.text}</p>
            </div>
          );
        })}
      </form>
    </div>
  );
}
