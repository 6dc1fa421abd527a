/** `text` for a LIKE or ILIKE pattern, matched literally: its backslashes, `%` and `_` escaped. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** An ILIKE pattern that finds `text`, literally, anywhere in a column: what the lists' `search` matches. */
export function containsPattern(text: string): string {
  return `%${escapeLike(text)}%`;
}
