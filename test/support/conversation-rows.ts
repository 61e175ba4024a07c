/** What tests read of a conversation's row, on whichever database the fixture opened. */
import type { Db } from '../../src/storage/index.ts';
import { eventually } from './eventually.ts';
import { rows } from './sql.ts';

/** Who answers the conversation now: `bot` or `human`. */
export async function controllerOf(db: Db, conversationId: string): Promise<string | undefined> {
  const [row] = await rows<{ controlled_by: string }>(
    db,
    `select controlled_by from conversations where id = '${conversationId}'`,
  );
  return row?.controlled_by;
}

/** The id of the conversation's twin in Chatwoot, once the mirror has recorded it (10 s at most). */
export function chatwootTwinOf(db: Db, conversationId: string): Promise<number> {
  return eventually(
    async () =>
      (
        await rows<{ twin: number | null }>(
          db,
          `select (metadata->'chatwoot'->>'conversation_id')::int as twin
             from conversations where id = '${conversationId}'`,
        )
      )[0]?.twin,
    10_000,
    'the Chatwoot twin',
  );
}
