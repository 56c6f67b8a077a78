// One SQLite file per library. Opening applies the numbered migrations (each in its own transaction,
// recorded in PRAGMA user_version) and hands out a Reader (every SELECT the UI/CLI needs) and a Writer
// (review edits with history, import commits). All SQL of the library lives in this folder.
import Database from 'better-sqlite3'
import { mkdirSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { migrations } from './migrations/index'
import { Reader } from './reader'
import { Writer } from './writer'
import { ImportStore } from './imports'

export type SqliteDb = Database.Database

export interface OpenOptions {
  readonly?: boolean
  /** ms to wait on a locked database (another process writing); default 5000 */
  busyTimeoutMs?: number
}

export interface IntegrityReport {
  ok: boolean
  /** PRAGMA integrity_check lines ('ok' when fine) */
  integrity: string[]
  /** PRAGMA foreign_key_check rows */
  foreignKeys: { table: string; rowid: number | null; parent: string; fkid: number }[]
}

export interface Library {
  readonly file: string
  readonly readonly: boolean
  readonly db: SqliteDb
  readonly reader: Reader
  readonly writer: Writer
  readonly imports: ImportStore
  /** schema version after migrations */
  readonly version: number
  integrityCheck(): IntegrityReport
  close(): void
}

export function applyMigrations(db: SqliteDb): number {
  const sorted = [...migrations].sort((a, b) => a.version - b.version)
  let current = db.pragma('user_version', { simple: true }) as number
  for (const m of sorted) {
    if (m.version <= current) continue
    db.transaction(() => {
      db.exec(m.sql)
      // user_version cannot be bound as a parameter; the version is an integer from our own list
      db.pragma(`user_version = ${Math.trunc(m.version)}`)
    })()
    current = m.version
  }
  return current
}

export function openLibrary(file: string, opts: OpenOptions = {}): Library {
  const path = resolve(file)
  const readonly = !!opts.readonly
  if (!readonly) mkdirSync(dirname(path), { recursive: true })
  let db: SqliteDb
  try {
    db = new Database(path, { readonly, fileMustExist: readonly })
  } catch (err) {
    const e = new Error(`cannot open library ${path}: ${(err as Error).message}`) as Error & { code: string }
    e.code = 'io'
    throw e
  }
  try {
    db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(opts.busyTimeoutMs ?? 5000))}`)
    db.pragma('foreign_keys = ON')
    let version: number
    if (readonly) {
      version = db.pragma('user_version', { simple: true }) as number
      if (version < 1) throw new Error(`${path} is not a PlateDesk library (no schema)`)
    } else {
      db.pragma('journal_mode = WAL')
      db.pragma('synchronous = NORMAL')
      version = applyMigrations(db)
    }
    const reader = new Reader(db)
    const writer = new Writer(db, reader) // on a read-only handle SQLite itself refuses its writes
    const imports = new ImportStore(db, readonly)
    return {
      file: path,
      readonly,
      db,
      reader,
      writer,
      imports,
      version,
      integrityCheck: () => integrityCheck(db),
      close: () => {
        if (db.open) db.close()
      }
    }
  } catch (err) {
    db.close()
    const msg = (err as Error).message
    if (msg.includes(path)) throw err
    throw Object.assign(new Error(`cannot open library ${path}: ${msg}`), { code: 'io' })
  }
}

export function integrityCheck(db: SqliteDb): IntegrityReport {
  const integrity = (db.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check)
  const foreignKeys = db.pragma('foreign_key_check') as IntegrityReport['foreignKeys']
  return { ok: integrity.length === 1 && integrity[0] === 'ok' && foreignKeys.length === 0, integrity, foreignKeys }
}

export { Reader } from './reader'
export { Writer } from './writer'
export { ImportStore } from './imports'
