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

// Two-row plates (motorcycles, many countries): the rows top to bottom joined by ROW_BREAK. Review shows
// each row on its own line and edits it as TOP/BOTTOM (one-line field); OCR list exports write the rows top
// first on one line (singleLine).
export const ROW_BREAK = '\n'
const LINE_BREAKS = /\r\n|\r|\n|\u2028/

/**
 * A labelled set's text (import-labels, eval): letters (any script) and digits per row, upper-cased;
 * the separators datasets write ('AYO-9034') dropped; empty rows dropped; null when nothing is left.
 */
export function normalizePlateRows(text: string | null | undefined): string | null {
  if (text == null) return null
  const rows = String(text)
    .split(LINE_BREAKS)
    .map((r) => r.toUpperCase().replace(/[^\p{L}\p{N}]/gu, ''))
    .filter((r) => r.length > 0)
  return rows.length > 0 ? rows.join(ROW_BREAK) : null
}

/** The rows of a plate text, top to bottom. */
export function plateRows(text: string): string[] {
  return text.split(ROW_BREAK).filter((r) => r.length > 0)
}

/** One line for single-line formats (CSV lists, OCR label files): rows concatenated, top row first. */
export function singleLine(text: string): string {
  return plateRows(text).join('')
}

/** How a row break is typed in a one-line text field (Review): `ABC/1234`. */
export const ROW_INPUT_SEPARATOR = '/'

/**
 * Text typed by a person (or sent through the API) → the stored text: each row normalised like
 * normalizePlateText, rows from '/' or line breaks, empty rows dropped ('' when nothing is left).
 */
export function plateFromInput(s: string): string {
  return s
    .split(ROW_INPUT_SEPARATOR)
    .flatMap((part) => part.split(LINE_BREAKS))
    .map(normalizePlateText)
    .filter((r) => r.length > 0)
    .join(ROW_BREAK)
}

/** The stored text in a one-line field: rows joined by ROW_INPUT_SEPARATOR. */
export function plateForInput(text: string): string {
  return text.split(ROW_BREAK).join(ROW_INPUT_SEPARATOR)
}
