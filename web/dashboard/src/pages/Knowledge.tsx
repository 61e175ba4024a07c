/**
 * The knowledge base (SPEC §7.5): upload documents (Markdown, text, JSON FAQ, HTML) or add a website
 * by URL or sitemap, see them with their passage counts, delete them, and try a question to see
 * which passages the bot would cite.
 */
import { type ChangeEvent, type FormEvent, useCallback, useEffect, useState } from 'react';
import { api, type Me } from '../api.ts';
import { useI18n } from '../i18n.tsx';

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

const FORMAT_BY_EXTENSION: Record<string, string> = {
  md: 'markdown',
  markdown: 'markdown',
  txt: 'text',
  json: 'json',
  html: 'html',
  htm: 'html',
};

export function KnowledgePage({ me }: { me: Me }) {
  const { t } = useI18n();
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
    void load().catch((e: Error) => setNote(e.message));
  }, [load]);

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
        setNote(`${file.name}: ${(failure as Error).message}`);
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
    setPassages((await api<{ passages: Passage[] }>(`/api/v1/kb/search?${query}`)).passages);
  };

  const remove = async (id: string) => {
    await api(`/api/v1/kb/documents/${id}`, { method: 'DELETE' });
    await load();
  };

  return (
    <div className="knowledge">
      {note && (
        <p className="note" role="status">
          {note}
        </p>
      )}
      <div className="card">
        <h2>{t.knowledge}</h2>
        {canWrite && (
          <label>
            {t.kbUpload}
            <input
              type="file"
              multiple
              accept=".md,.markdown,.txt,.json,.html,.htm"
              onChange={upload}
            />
          </label>
        )}
        {documents.length === 0 && <p className="empty">{t.nothing}</p>}
        <table>
          <tbody>
            {documents.map((d) => (
              <tr key={d.id}>
                <td>{d.title ?? d.source}</td>
                <td>{d.format}</td>
                <td>
                  {d.chunks} {t.kbPassages}
                </td>
                <td>{new Date(d.updated_at).toLocaleString()}</td>
                <td>
                  {canWrite && (
                    <button type="button" className="secondary" onClick={() => void remove(d.id)}>
                      {t.delete}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {canWrite && (
        <form className="card" onSubmit={addSite}>
          <h3>{t.kbSite}</h3>
          <div className="inline">
            <input
              className="grow"
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
            value={question}
            placeholder={t.kbQuestion}
            onChange={(e) => setQuestion(e.target.value)}
          />
          <button type="submit">{t.kbSearch}</button>
        </div>
        {passages?.length === 0 && <p className="empty">{t.nothing}</p>}
        {passages?.map((p) => (
          <div className="passage" key={`${p.citation}-${p.score}`}>
            <span className="who">
              {p.citation} · {p.score}
            </span>
            <p>{p.text}</p>
          </div>
        ))}
      </form>
    </div>
  );
}
