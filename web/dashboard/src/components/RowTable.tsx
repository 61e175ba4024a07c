/**
 * A card's list of items: the empty note when there are none, and a table of one row per item;
 * each page says what the cells of a row are.
 */
import type { ReactNode } from 'react';

export function RowTable<T extends { id: string }>(props: {
  rows: T[];
  empty: string;
  /** The row's cells (`<td>`s, in a fragment). */
  cells: (row: T) => ReactNode;
}) {
  return (
    <>
      {props.rows.length === 0 && <p className="empty">{props.empty}</p>}
      <table>
        <tbody>
          {props.rows.map((row) => (
            <tr key={row.id}>{props.cells(row)}</tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
