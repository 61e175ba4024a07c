/** The status line of a page with forms (useActionNote's note); nothing while there is none. */
export function ActionNote({ note }: { note: string }) {
  return note ? (
    <p className="note" role="status">
      {note}
    </p>
  ) : null;
}
