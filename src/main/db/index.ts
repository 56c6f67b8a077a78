// One SQLite file per library, or a PostgreSQL database (a server library, `postgres://` URL: db/pg.ts).
// Opening applies the numbered migrations (each in its own transaction,
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
import { isServerUrl, redactUrl, type Db } from './db'
import { PgDb } from './pg'

export type SqliteDb = Database.Database
export type { Db } from './db'
export { isServerUrl, redactUrl, isPostgres, dialectOf } from './db'

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
  /** the library file's absolute path, or the server library's URL without its password */
  readonly file: string
  readonly dialect: 'sqlite' | 'postgres'
  readonly readonly: boolean
  readonly db: Db
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
export function applyMigrations(db: Db): number {
  if (db instanceof PgDb) return applyMigrationsPg(db)
  return applyMigrationsSqlite(db as SqliteDb)
}

function applyMigrationsSqlite(db: SqliteDb): number {
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

/** the session advisory lock held while a process migrates a server library ('PLDT' + 1) */
const PG_MIGRATION_LOCK = 0x504c4455

/**
 * PostgreSQL: the same bookkeeping under a session advisory lock, so two processes opening a fresh server
 * library at once migrate it once (the second waits, then finds every version applied). Each migration's
 * `pg` text (else its portable `sql`) and `pgRun` run in one transaction with its record.
 */
function applyMigrationsPg(db: PgDb): number {
  const sorted = [...migrations].sort((a, b) => a.version - b.version)
  const missingPg = sorted.find((m) => m.run && m.pg == null && !m.pgRun)
  if (missingPg) throw new Error(`migration ${missingPg.version} (${missingPg.name}) has no PostgreSQL version (pg or pgRun)`)
  retryBusy(() => db.prepare('SELECT pg_advisory_lock(?)').get(PG_MIGRATION_LOCK), db.name)
  try {
    const tables = (db.prepare(`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema()`).all() as { name: string }[]).map(
      (r) => r.name
    )
    if (tables.length > 0 && !tables.includes('schema_migrations')) {
      const shown = tables.slice(0, 5).join(', ') + (tables.length > 5 ? ', …' : '')
      throw Object.assign(new Error(`${db.name} is not a PlateDesk library (it has the tables ${shown}); it was left unchanged. Give an empty database`), {
        code: 'invalid-request'
      })
    }
    db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version    INTEGER PRIMARY KEY,
      name       TEXT NOT NULL,
      applied_at TEXT NOT NULL DEFAULT to_char(now() AT TIME ZONE 'utc', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
    )`)
    const applied = new Set((db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version))
    for (const m of sorted) {
      if (applied.has(m.version)) continue
      writeTransaction(db, () => {
        const text = m.pg ?? m.sql
        if (text.trim()) db.exec(text)
        m.pgRun?.(db)
        db.prepare('INSERT INTO schema_migrations (version, name) VALUES (?, ?)').run(m.version, m.name)
      })
      applied.add(m.version)
    }
    return Math.max(0, ...applied)
  } finally {
    if (db.open) db.prepare('SELECT pg_advisory_unlock(?)').get(PG_MIGRATION_LOCK)
  }
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

/**
 * Opens a library: a file path (SQLite, created when missing) or a `postgres://USER[:PASSWORD]@HOST:PORT/DB`
 * URL (a server library: the database must exist; its schema is created by the migrations).
 */
export function openLibrary(file: string, opts: OpenOptions = {}): Library {
  if (isServerUrl(file)) return openServerLibrary(file.trim(), opts)
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
      dialect: 'sqlite',
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

function openServerLibrary(url: string, opts: OpenOptions): Library {
  const name = redactUrl(url)
  const readonly = !!opts.readonly
  const db = new PgDb(url, { readonly, lockTimeoutMs: opts.busyTimeoutMs ?? 5000 })
  try {
    let version: number
    if (readonly) {
      const has = db.prepare(`SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'schema_migrations'`).get()
      if (!has) throw new Error(`${name} is not a PlateDesk library (no schema)`)
      version = (db.prepare('SELECT COALESCE(MAX(version), 0) AS v FROM schema_migrations').get() as { v: number }).v
    } else {
      version = applyMigrations(db)
    }
    const reader = new Reader(db)
    const writer = new Writer(db, reader)
    const imports = new ImportStore(db, readonly)
    return {
      file: name,
      dialect: 'postgres',
      readonly,
      db,
      reader,
      writer,
      imports,
      leases: new Leases(db, reader),
      doubleReview: new DoubleReview(db, reader, writer),
      version,
      damage: null,
      integrityCheck: () => integrityCheck(db),
      close: () => db.close()
    }
  } catch (err) {
    db.close()
    const msg = redactUrl((err as Error).message)
    if (msg.includes(name)) throw Object.assign(new Error(msg), { code: (err as { code?: string }).code ?? 'io' })
    throw Object.assign(new Error(`cannot open library ${name}: ${msg}`), { code: (err as { code?: string }).code === 'conflict' ? 'conflict' : 'io' })
  }
}

/**
 * SQLite: PRAGMA integrity_check + foreign_key_check. PostgreSQL checks its pages and enforces foreign
 * keys itself: there the report lists constraints not validated, and every schema version this build
 * knows that the library lacks.
 */
export function integrityCheck(db: Db): IntegrityReport {
  if (db instanceof PgDb) {
    const notValid = (db.prepare(`SELECT conrelid::regclass::text AS t, conname AS c FROM pg_constraint
      WHERE NOT convalidated AND connamespace = current_schema()::regnamespace`).all() as { t: string; c: string }[]).map((r) => `constraint ${r.c} on ${r.t} is not validated`)
    const have = new Set((db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version))
    const missing = migrations.filter((m) => !have.has(m.version)).map((m) => `migration ${m.version} (${m.name}) not applied`)
    const integrity = [...notValid, ...missing]
    return { ok: integrity.length === 0, integrity: integrity.length ? integrity : ['ok'], foreignKeys: [] }
  }
  return integrityCheckSqlite(db as SqliteDb)
}

function integrityCheckSqlite(db: SqliteDb): IntegrityReport {
  const integrity = (db.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check)
  const foreignKeys = db.pragma('foreign_key_check') as IntegrityReport['foreignKeys']
  return { ok: integrity.length === 1 && integrity[0] === 'ok' && foreignKeys.length === 0, integrity, foreignKeys }
}

export { Reader } from './reader'
export { Writer } from './writer'
export { ImportStore } from './imports'
export { PLATEDESK_APPLICATION_ID } from './recognise'
export { writeTransaction } from './transactions'
export { PgDb } from './pg'
export { syncIdSequences } from './identity'
