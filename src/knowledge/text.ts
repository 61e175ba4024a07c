/**
 * Search text: lower case without accents, so "informação", "informacao" and "INFORMAÇÃO" index and
 * query alike. Done here rather than with `unaccent`, which PGlite does not ship.
 */
export function foldForSearch(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{Diacritic}/gu, '')
    .toLowerCase();
}
