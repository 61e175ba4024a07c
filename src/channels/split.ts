/**
 * Long replies are split to fit a channel's limit (Telegram and WhatsApp take 4096 characters per
 * text): at paragraph breaks first, then sentence ends, then spaces, and only as a last resort
 * inside a word, so each part reads as a whole.
 */
export function splitText(text: string, limit: number): string[] {
  const parts: string[] = [];
  let rest = text.trim();
  while (rest.length > limit) {
    const cut = cutPoint(rest, limit);
    parts.push(rest.slice(0, cut).trim());
    rest = rest.slice(cut).trim();
  }
  if (rest) parts.push(rest);
  return parts;
}

function cutPoint(text: string, limit: number): number {
  const window = text.slice(0, limit + 1);
  // Not too early: a part shorter than a third of the limit wastes a message.
  const floor = Math.floor(limit / 3);
  const paragraph = window.lastIndexOf('\n\n');
  if (paragraph >= floor) return paragraph;
  let sentence = -1;
  for (const match of window.matchAll(/[.!?…](?=\s)/g)) {
    if (match.index + 1 <= limit) sentence = match.index + 1;
  }
  if (sentence >= floor) return sentence;
  const space = window.lastIndexOf(' ');
  if (space >= floor) return space;
  return limit;
}
