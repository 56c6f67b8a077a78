// One SQLite file per library. Opening applies the numbered migrations (each in its own transaction,
// recorded in schema_migrations) and hands out a Reader (every SELECT the UI/CLI needs) and a Writer
// (review edits with history, import commits). All SQL of the library lives in this folder.
import Database from 'better-sqlite3'
import { mkdirSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { migrations } from './migrations/index'
import { Reader } from './reader'
import { Writer } from './writer'
import { Leases } from './leases'
import { DoubleReview } from './double-review'
import { ImportStore } from './imports'
import { PLATEDESK_APPLICATION_ID, recogniseLibraryFile } from './recognise'
import { markDamaged, retryBusy, writeTransaction } from './transactions'

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
  /** team review: who holds which plate of the review queue (db/leases.ts) */
  readonly leases: Leases
  /** team review: the votes of double review and the agreement figures (db/double-review.ts) */
  readonly doubleReview: DoubleReview
  /** schema version after migrations */
  readonly version: number
  /** why the library is damaged (quick check at open) and how to recover; null when healthy. A damaged
   *  library is open for reading only: every write is refused with this message. */
  readonly damage: string | null
  integrityCheck(): IntegrityReport
  close(): void
}

/**
 * Applies every migration not yet recorded in schema_migrations, in version order, each in its own
 * transaction together with its record. Versions come from two owners' ranges (library 002-009, training
 * data 010-019), so a lower number may arrive after a higher one: applied versions are tracked one by
 * one, not as a high-water mark. PRAGMA user_version mirrors the highest applied version (for tools).
 * Returns that version.
 */
export function applyMigrations(db: SqliteDb): number {
  const sorted = [...migrations].sort((a, b) => a.version - b.version)
  const hasTable = (): boolean => !!db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`).get()
  if (!hasTable()) {
    writeTransaction(db, () => {
      if (hasTable()) return // another process created it while this one waited for the write lock
      const legacy = db.pragma('user_version', { simple: true }) as number
      db.exec(`CREATE TABLE schema_migrations (
        version    INTEGER PRIMARY KEY,
        name       TEXT NOT NULL,
        applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
      )`)
      // a library from before this table recorded only a high-water mark in user_version
      const ins = db.prepare('INSERT INTO schema_migrations (version, name) VALUES (?, ?)')
      for (const m of sorted) if (m.version <= legacy) ins.run(m.version, m.name)
    })
  }
  const applied = new Set((db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version))
  for (const m of sorted) {
    if (applied.has(m.version)) continue
    // PRAGMA foreign_keys is a no-op inside a transaction: a rebuild turns it off around its transaction
    // (a DROP TABLE would otherwise cascade into the rows that reference it)
    const fkWas = m.foreignKeysOff ? (db.pragma('foreign_keys', { simple: true }) as number) : 0
    if (m.foreignKeysOff) db.pragma('foreign_keys = OFF')
    // violations a damaged library already had are `platedesk check`'s business, not a reason to refuse it
    const fkBefore = m.foreignKeysOff ? (db.pragma('foreign_key_check') as unknown[]).length : 0
    try {
      writeTransaction(db, () => {
        // another process may have applied it while this one waited for the write lock
        if (db.prepare('SELECT 1 FROM schema_migrations WHERE version = ?').get(m.version)) return
        if (m.sql) db.exec(m.sql)
        m.run?.(db)
        if (m.foreignKeysOff) {
          const bad = db.pragma('foreign_key_check') as unknown[]
          if (bad.length > fkBefore) throw new Error(`migration ${m.version} (${m.name}) broke ${bad.length - fkBefore} foreign key(s)`)
        }
        db.prepare('INSERT INTO schema_migrations (version, name) VALUES (?, ?)').run(m.version, m.name)
      })
    } finally {
      if (m.foreignKeysOff && fkWas) db.pragma('foreign_keys = ON')
    }
    applied.add(m.version)
  }
  const top = Math.max(0, ...applied)
  if ((db.pragma('user_version', { simple: true }) as number) !== top) retryBusy(() => db.pragma(`user_version = ${Math.trunc(top)}`))
  // libraries from before the application_id was set get it now, so they are recognised by their header
  if ((db.pragma('application_id', { simple: true }) as number) !== PLATEDESK_APPLICATION_ID) {
    retryBusy(() => db.pragma(`application_id = ${PLATEDESK_APPLICATION_ID}`))
  }
  return top
}

/** the newest schema version this build knows */
export const KNOWN_SCHEMA_VERSION = Math.max(...migrations.map((m) => m.version))

/**
 * PRAGMA quick_check (no index cross-checks: cheap enough for every open). Null when ok, else the
 * message every refused write repeats, with how to recover.
 */
function quickCheck(db: SqliteDb, path: string): string | null {
  let lines: string[]
  try {
    lines = (db.pragma('quick_check(20)') as { quick_check: string }[]).flatMap((r) => r.quick_check.split('\n'))
  } catch (err) {
    lines = [(err as Error).message]
  }
  if (lines.length === 1 && lines[0] === 'ok') return null
  const found = lines.filter((l) => l && !l.startsWith('***')).slice(0, 3).join('; ')
  return (
    `library ${path} is damaged (${found}). It is open read-only: nothing will be written to it. ` +
    `To recover, run \`platedesk check --db ${path}\` for the details, export what is still readable ` +
    `(\`platedesk export --db ${path} --format json --out DIR\`, or a training-data format), and rebuild from a backup or that export`
  )
}

export function openLibrary(file: string, opts: OpenOptions = {}): Library {
  const path = resolve(file)
  const readonly = !!opts.readonly
  // PLATEDESK_SQLITE_BINDING: a better-sqlite3 build for Electron's ABI (scripts/start.mjs makes one),
  // so `npm start` and the Node CLI/tests can share one node_modules
  const nativeBinding = process.env.PLATEDESK_SQLITE_BINDING || undefined
  // before anything opens it for writing: someone else's file is refused unchanged
  const kind = recogniseLibraryFile(path, KNOWN_SCHEMA_VERSION, nativeBinding)
  if (!readonly) mkdirSync(dirname(path), { recursive: true })
  let db: SqliteDb
  try {
    db = new Database(path, { readonly, fileMustExist: readonly, nativeBinding })
  } catch (err) {
    const e = new Error(`cannot open library ${path}: ${(err as Error).message}`) as Error & { code: string }
    e.code = 'io'
    throw e
  }
  try {
    db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(opts.busyTimeoutMs ?? 5000))}`)
    db.pragma('foreign_keys = ON')
    let version: number
    const damage = kind === 'library' ? quickCheck(db, path) : null
    if (damage) {
      // reads of the undamaged parts still work; writes are refused (query_only backs the explicit checks)
      markDamaged(db, damage)
      if (!readonly) db.pragma('query_only = ON')
      version = db.pragma('user_version', { simple: true }) as number
    } else if (readonly) {
      version = db.pragma('user_version', { simple: true }) as number
      if (version < 1) throw new Error(`${path} is not a PlateDesk library (no schema)`)
    } else {
      // the mark goes into the header before WAL, so even a library that never checkpoints carries it
      if (kind === 'new') retryBusy(() => db.pragma(`application_id = ${PLATEDESK_APPLICATION_ID}`))
      retryBusy(() => db.pragma('journal_mode = WAL'))
      db.pragma('synchronous = NORMAL')
      version = applyMigrations(db)
    }
    const reader = new Reader(db)
    const writer = new Writer(db, reader) // on a read-only handle SQLite itself refuses its writes
    const imports = new ImportStore(db, readonly)
    const leases = new Leases(db, reader)
    const doubleReview = new DoubleReview(db, reader, writer)
    return {
      file: path,
      readonly,
      db,
      reader,
      writer,
      imports,
      leases,
      doubleReview,
      version,
      damage,
      integrityCheck: () => integrityCheck(db),
      close: () => {
        if (db.open) db.close()
      }
    }
  } catch (err) {
    db.close()
    const msg = (err as Error).message
    if (msg.includes(path)) throw err
    throw Object.assign(new Error(`cannot open library ${path}: ${msg}`), { code: (err as { code?: string }).code === 'conflict' ? 'conflict' : 'io' })
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
export { PLATEDESK_APPLICATION_ID } from './recognise'
export { writeTransaction } from './transactions'
