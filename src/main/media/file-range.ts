// A library file served to the player's <video> over HTTP semantics: one byte range per request (206),
// the whole file otherwise (200), 416 for a range past the end. Browsers seek in a video by asking for
// ranges, so without them a <video> cannot jump to a frame. Shared by web mode (server/index.ts) and
// Electron's app:// protocol (index.ts): both only hand it paths the library knows.
import { createReadStream, statSync, type ReadStream } from 'node:fs'

export type ByteRange = { start: number; end: number }

/**
 * The one range a `Range: bytes=...` header asks for in a file of `size` bytes (end inclusive): null when
 * there is no usable header (serve the whole file), 'unsatisfiable' when it starts past the end. Several
 * ranges (a,b-c) are answered with the first only, which RFC 9110 allows and every player accepts.
 */
export function parseRange(header: string | null | undefined, size: number): ByteRange | 'unsatisfiable' | null {
  if (!header) return null
  const m = /^bytes=\s*(\d*)\s*-\s*(\d*)\s*(?:,.*)?$/i.exec(header.trim())
  if (!m || (m[1] === '' && m[2] === '')) return null
  if (m[1] === '') {
    // the last N bytes
    const n = Number(m[2])
    if (n === 0) return 'unsatisfiable'
    return { start: Math.max(0, size - n), end: size - 1 }
  }
  const start = Number(m[1])
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1)
  if (start >= size) return 'unsatisfiable'
  if (end < start) return null
  return { start, end }
}

export interface FileRangeResponse {
  status: 200 | 206 | 416
  headers: Record<string, string>
  /** absent for 416 and for HEAD requests */
  body: ReadStream | null
}

/** status, headers and a read stream for `path` answering `rangeHeader` (throws when the file is gone). */
export function openFileRange(path: string, rangeHeader: string | null | undefined, contentType: string, opts: { head?: boolean } = {}): FileRangeResponse {
  const size = statSync(path).size
  const base = { 'accept-ranges': 'bytes', 'content-type': contentType, 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' }
  const range = parseRange(rangeHeader, size)
  if (range === 'unsatisfiable') {
    return { status: 416, headers: { ...base, 'content-range': `bytes */${size}`, 'content-length': '0' }, body: null }
  }
  if (range === null) {
    return { status: 200, headers: { ...base, 'content-length': String(size) }, body: opts.head || size === 0 ? null : createReadStream(path) }
  }
  return {
    status: 206,
    headers: { ...base, 'content-range': `bytes ${range.start}-${range.end}/${size}`, 'content-length': String(range.end - range.start + 1) },
    body: opts.head ? null : createReadStream(path, { start: range.start, end: range.end })
  }
}
