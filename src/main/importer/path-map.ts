// Shared folders are mounted at different places on different machines: a job names the file as the
// enqueuing machine saw it (/srv/photos/...), a worker reads it where that share is mounted locally
// (/mnt/photos/...). `--map FROM=TO` rewrites the prefix; the library keeps the enqueued path, so every
// worker records the same file under the same name.
import { sep } from 'node:path'

export interface PathMapping {
  from: string
  to: string
}

const trimSep = (p: string) => (p.length > 1 && (p.endsWith('/') || p.endsWith(sep)) ? p.slice(0, -1) : p)

/** Parses `FROM=TO` (the first '=' splits; both sides non-empty). */
export function parseMapping(spec: string): PathMapping {
  const i = spec.indexOf('=')
  if (i <= 0 || i === spec.length - 1) throw new Error(`--map wants FROM=TO (the path prefix as enqueued = the same folder on this machine), got "${spec}"`)
  return { from: trimSep(spec.slice(0, i)), to: trimSep(spec.slice(i + 1)) }
}

/** The path on this machine: the longest FROM that is a whole-folder prefix of `path` is replaced. */
export function mapPath(path: string, mappings: PathMapping[]): string {
  let best: PathMapping | null = null
  for (const m of mappings) {
    const hit = path === m.from || path.startsWith(m.from.endsWith('/') ? m.from : m.from + '/') || path.startsWith(m.from + sep)
    if (hit && (!best || m.from.length > best.from.length)) best = m
  }
  return best ? best.to + path.slice(best.from.length) : path
}
