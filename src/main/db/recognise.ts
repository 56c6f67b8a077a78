// Is this file a PlateDesk library? Decided before anything writes to it, so someone else's SQLite file
// (or any other file) given as --db is refused byte for byte unchanged: no table, no pragma, no WAL.
import Database from 'better-sqlite3'
import { closeSync, existsSync, openSync, readSync, statSync, unlinkSync } from 'node:fs'

/** PRAGMA application_id of every PlateDesk library ('PLDT'); set on new ones and on older ones at open. */
export const PLATEDESK_APPLICATION_ID = 0x504c4454

/** tables every PlateDesk library has (libraries from before application_id are recognised by them) */
const MARKER_TABLES = ['schema_migrations', 'media', 'plates']

export type LibraryFileKind = 'new' | 'library'

function notLibrary(path: string, why: string): Error & { code: string } {
  return Object.assign(new Error(`${path} is not a PlateDesk library (${why}); it was left unchanged. Choose another file, or a new one to create a library`), {
    code: 'invalid-request'
  })
}

/**
 * 'new' for a missing or empty file (or an SQLite file with no schema at all), 'library' for a PlateDesk
 * library; throws for anything else, without changing the file. `maxVersion`: the newest schema version
 * this build knows (an unmarked file claiming a newer one is not trusted as a library).
 */
export function recogniseLibraryFile(path: string, maxVersion: number, nativeBinding?: string): LibraryFileKind {
  if (!existsSync(path)) return 'new'
  const st = statSync(path)
  if (st.isDirectory()) throw notLibrary(path, 'it is a folder')
  if (st.size === 0) return 'new'
  const header = Buffer.alloc(100)
  const fd = openSync(path, 'r')
  let n: number
  try {
    n = readSync(fd, header, 0, 100, 0)
  } finally {
    closeSync(fd)
  }
  if (n < 100 || header.toString('latin1', 0, 16) !== 'SQLite format 3\0') throw notLibrary(path, 'not an SQLite database')
  const appId = header.readUInt32BE(68)
  if (appId === PLATEDESK_APPLICATION_ID) return 'library'
  if (appId !== 0) throw notLibrary(path, `an SQLite database of another application, application_id 0x${appId.toString(16)}`)
  return inspectUnmarked(path, maxVersion, nativeBinding)
}

/** An SQLite file without an application_id: a library from before it was set, or someone else's. */
function inspectUnmarked(path: string, maxVersion: number, nativeBinding?: string): LibraryFileKind {
  // a read-only connection still creates -wal/-shm beside a WAL-mode file; remove the ones it created
  const sidecars = [`${path}-wal`, `${path}-shm`].filter((f) => !existsSync(f))
  let tables: string[]
  let version: number
  let db: Database.Database | null = null
  try {
    db = new Database(path, { readonly: true, fileMustExist: true, nativeBinding })
    tables = (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all() as { name: string }[]).map((r) => r.name)
    version = db.pragma('user_version', { simple: true }) as number
  } catch (err) {
    throw Object.assign(new Error(`cannot read ${path} as a library: ${(err as Error).message}; it was left unchanged`), { code: 'io' })
  } finally {
    db?.close()
    for (const f of sidecars) {
      try {
        if (existsSync(f) && (f.endsWith('-shm') || statSync(f).size === 0)) unlinkSync(f)
      } catch {
        // best effort: a leftover empty sidecar is harmless
      }
    }
  }
  if (tables.length === 0 && version === 0) return 'new'
  const missing = MARKER_TABLES.filter((t) => !tables.includes(t))
  if (missing.length > 0) {
    const shown = tables.slice(0, 5).join(', ') + (tables.length > 5 ? ', …' : '')
    throw notLibrary(path, `an SQLite database without the PlateDesk tables: it has ${shown || 'no tables'}, user_version ${version}`)
  }
  if (version > maxVersion) throw notLibrary(path, `schema version ${version} is newer than this PlateDesk knows (${maxVersion}) and the file is not marked as a library`)
  return 'library'
}
