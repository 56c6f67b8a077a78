// Plate text is Unicode (Cyrillic, Greek, German, Chinese plates exist). What we normalise: Unicode
// composition (NFC), letter case and spaces, nothing else. No characters are dropped and nothing is
// truncated: a character the recogniser's alphabet lacks is a warning for the reviewer, not an edit.
// Shared by the API schema (backend), the writer and the renderer so all three agree byte for byte.

/** Longest plate text accepted (after normalisation); real plates are far shorter. */
export const MAX_PLATE_TEXT = 64

/**
 * NFC, every whitespace and invisible format character removed, each character upper-cased on its own.
 * A character whose upper case is longer (ß → SS, ŉ → ʼN) is kept as it is, so the text keeps its
 * length and meaning. `toUpperCase` is locale-independent (Unicode default case mapping: i → I on every
 * machine, also in Turkish locales).
 */
export function normalizePlateText(s: string): string {
  const t = s.normalize('NFC').replace(/[\s\p{Cc}\p{Cf}]+/gu, '')
  let out = ''
  for (const ch of t) {
    const up = ch.toUpperCase()
    out += up.length === ch.length ? up : ch
  }
  return out.normalize('NFC')
}

/** The distinct characters of `text` that `alphabet` lacks, in order of first appearance. */
export function charsOutside(text: string, alphabet: string): string[] {
  const have = new Set(alphabet)
  const out: string[] = []
  for (const ch of text) if (!have.has(ch) && !out.includes(ch)) out.push(ch)
  return out
}
