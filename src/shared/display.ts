// File names and paths as the UI shows them. Bidirectional-text controls in a name reorder what is drawn:
// "plate\u202Egnp.exe.jpg" displays as "plategpj.exe.png". Shown names get each such character replaced
// by a visible marker (⟨U+202E⟩), so what is on screen is what is on disk.

/** Arabic letter mark, LRM/RLM, the embeddings/overrides (LRE RLE PDF LRO RLO) and the isolates (LRI RLI FSI PDI). */
const BIDI_CONTROLS = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g

/** `s` with every bidi control character replaced by a visible ⟨U+XXXX⟩. */
export function revealBidi(s: string): string {
  return s.replace(BIDI_CONTROLS, (c) => `⟨U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}⟩`)
}

/** A path for display: bidi controls made visible. */
export function displayPath(path: string): string {
  return revealBidi(path)
}

/** The last component of a path (either separator), for display. */
export function displayName(path: string): string {
  return revealBidi(path.split(/[\\/]/).pop() || path)
}
