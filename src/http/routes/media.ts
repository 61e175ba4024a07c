/**
 * A stored attachment, for operators (issue 16): served as a download — `Content-Disposition:
 * attachment`, the stored type, `nosniff` and a sandboxing CSP — so a file a contact sent is never
 * rendered or run as part of Omni's own pages.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  type AttachmentRow,
  attachmentById,
  baseType,
  type MediaStore,
} from '../../media/index.ts';
import type { Db } from '../../storage/index.ts';
import { callerTenant } from '../auth.ts';
import { HttpError } from '../errors.ts';

/** What the API says about an attachment (the file itself is at `url`). */
export function attachmentView(row: AttachmentRow) {
  return {
    id: row.id,
    kind: row.kind,
    mime_type: row.mimeType,
    file_name: row.fileName,
    caption: row.caption,
    size_bytes: row.sizeBytes,
    status: row.status,
    error: row.error,
    transcript: row.transcript,
    url: row.storageKey ? `/api/v1/media/${row.id}` : null,
  };
}

export function mediaRoutes(app: FastifyInstance, db: Db, store: MediaStore): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  api.get(
    '/api/v1/media/:id',
    {
      schema: {
        tags: ['conversations'],
        summary: 'Download a stored attachment',
        params: z.object({ id: z.uuid() }),
      },
    },
    async (request, reply) => {
      const row = await attachmentById(db, callerTenant(request), request.params.id);
      const bytes = row?.storageKey ? await store.get(row.storageKey) : undefined;
      if (!row || !bytes) throw new HttpError(404, 'not_found', `No media "${request.params.id}".`);
      const name = (row.fileName ?? `${row.kind}-${row.id}`).replace(/["\\\r\n]/g, '_');
      return reply
        .header('content-type', baseType(row.mimeType ?? undefined) || 'application/octet-stream')
        .header(
          'content-disposition',
          `attachment; filename="${name.replace(/[^\x20-\x7e]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(name)}`,
        )
        .header('x-content-type-options', 'nosniff')
        .header('content-security-policy', "default-src 'none'; sandbox")
        .send(Buffer.from(bytes));
    },
  );
}
