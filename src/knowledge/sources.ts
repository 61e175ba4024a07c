/** Files to ingest from a path: the file itself, or every readable file under a directory. */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { KnowledgeError } from './errors.ts';
import { formatOfPath, type KbFormat } from './parse.ts';
import { pdfToText } from './pdf.ts';

/** A PDF is read as the text unpdf extracts from it. */
function sourceFormatOf(path: string): KbFormat | undefined {
  return path.toLowerCase().endsWith('.pdf') ? 'text' : formatOfPath(path);
}

export interface SourceFile {
  /** The path relative to the directory given (the file name for a single file). */
  source: string;
  path: string;
  format: KbFormat;
}

export async function sourceFiles(path: string): Promise<SourceFile[]> {
  const info = await stat(path).catch(() => {
    throw new KnowledgeError('not_found', `No file or directory at ${path}.`);
  });
  if (info.isFile()) {
    const format = sourceFormatOf(path);
    if (!format) {
      throw new KnowledgeError(
        'unsupported_format',
        `${path} is not Markdown, text, JSON, HTML or PDF (.md, .txt, .json, .html, .pdf).`,
      );
    }
    return [{ source: path.split(/[\\/]/).pop() ?? path, path, format }];
  }
  const entries = await readdir(path, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .flatMap((file) => {
      const format = sourceFormatOf(file);
      return format ? [{ source: relative(path, file), path: file, format }] : [];
    })
    .sort((a, b) => a.source.localeCompare(b.source));
}

export async function readSource(file: SourceFile): Promise<string> {
  if (file.path.toLowerCase().endsWith('.pdf')) return pdfToText(await readFile(file.path));
  return readFile(file.path, 'utf8');
}
