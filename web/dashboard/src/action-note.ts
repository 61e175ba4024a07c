/**
 * The note line of a page with forms: what the last action did, or why it failed in the reader's
 * language. The page's data is loaded again after every action that succeeded.
 */
import { useState } from 'react';
import { errorText, useI18n } from './i18n.tsx';

export function useActionNote(load: () => Promise<void>) {
  const { t } = useI18n();
  const [note, setNote] = useState('');
  const run = async (work: () => Promise<unknown>, done = t.saved) => {
    setNote('');
    try {
      await work();
      setNote(done);
      await load();
    } catch (failure) {
      setNote(errorText(t, failure));
    }
  };
  return { note, setNote, run };
}
