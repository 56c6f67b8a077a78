// The plate text model beyond Latin single-row plates: letters of any script (a CCPD plate starts with a
// Chinese province character) and digits, upper-cased, and a row break for two-row plates (motorcycles,
// many countries): rows top to bottom, joined by ROW_BREAK. Review shows each row on its own line; exports
// write the format's convention (rowsForExport).
export const ROW_BREAK = '\n'

/** Upper-case letters (any script) and digits per row; empty rows dropped; rows joined by ROW_BREAK. */
export function normalizePlateRows(text: string | null | undefined): string | null {
  if (text == null) return null
  const rows = String(text)
    .split(/\r\n|\r|\n|\u2028/)
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

/** How a row break is typed in a one-line text field (Review): `ABC/1234`; `|` and a line break also work. */
export const ROW_INPUT_SEPARATOR = '/'

/** Text typed by a person (or sent through the API) → the stored text: rows from '/', '|' or line breaks. */
export function plateFromInput(s: string): string | null {
  return normalizePlateRows(s.replace(/[/|]/g, ROW_BREAK))
}

/** The stored text in a one-line field: rows joined by ROW_INPUT_SEPARATOR. */
export function plateForInput(text: string): string {
  return text.split(ROW_BREAK).join(ROW_INPUT_SEPARATOR)
}
