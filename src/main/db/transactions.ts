// Write transactions that wait for other processes instead of failing.
// SQLite: better-sqlite3's db.transaction() is DEFERRED: it starts as a reader and upgrades to a writer
// on its first write, and in WAL mode an upgrade after another connection committed fails at once with
// SQLITE_BUSY (the busy timeout is not consulted, it would deadlock). BEGIN IMMEDIATE takes the write
// lock up front, where the busy timeout applies; a bounded retry covers the rare BUSY that still escapes it.
// PostgreSQL: BEGIN, then a transaction-scoped advisory lock that every writer takes, so writers
// serialize exactly as SQLite's do (readers stay concurrent); the session's lock_timeout plays the busy
// timeout, and a lock timeout, serialization failure or deadlock counts as busy.
// A library found damaged at open is marked here, and every write transaction on it is refused with a
// message that says how to recover.
import type Database from 'better-sqlite3'
import type { Db } from './db'
import { PgDb } from './pg'

/** attempts of one write transaction when the database still answers BUSY after its busy timeout */
export const BUSY_ATTEMPTS = 4

/** the advisory lock key every PostgreSQL write transaction takes ('PLDT') */
export const PG_WRITE_LOCK = 0x504c4454

const damaged = new WeakMap<Db, string>()

export function markDamaged(db: Db, message: string): void {
  damaged.set(db, message)
}

/** Throws a coded error (API code 'io') when the library was found damaged at open. */
export function assertWritable(db: Db): void {
  const msg = damaged.get(db)
  if (msg !== undefined) throw Object.assign(new Error(`refused to write: ${msg}`), { code: 'io', damaged: true })
}

/** PostgreSQL SQLSTATEs that mean "another writer is in the way; try again" */
const PG_BUSY = new Set(['40001', '40P01', '55P03'])

export function isBusy(err: unknown): boolean {
  if ((err as { retryable?: unknown } | null)?.retryable === true) return true
  const code = (err as { code?: unknown } | null)?.code
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED') || PG_BUSY.has(code))
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)
}

/**
 * Runs `fn` until it does not fail with BUSY, at most BUSY_ATTEMPTS times (each attempt already
 * waited the connection's busy timeout). Only for work that is safe to repeat: a failed attempt has been
 * rolled back (or never started).
 */
export function retryBusy<T>(fn: () => T, what = 'the library'): T {
  for (let attempt = 1; ; attempt++) {
    try {
      return fn()
    } catch (err) {
      if (!isBusy(err)) throw err
      if (attempt >= BUSY_ATTEMPTS) {
        throw Object.assign(new Error(`${what} stayed locked by another process (${(err as Error).message}); try again when it is done`), {
          code: 'conflict'
        })
      }
      sleepSync(25 * attempt + Math.random() * 50)
    }
  }
}

/**
 * `fn` in one write transaction (IMMEDIATE on SQLite, the writers' advisory lock on PostgreSQL),
 * waiting for other writers, retried on BUSY. Nested calls run as a savepoint of the enclosing
 * transaction, as db.transaction() does.
 */
export function writeTransaction<T>(db: Db, fn: () => T): T {
  if (db instanceof PgDb) {
    if (db.inTransaction) return db.transaction(fn, '')
    assertWritable(db)
    return retryBusy(() => db.transaction(fn, `SELECT pg_advisory_xact_lock(${PG_WRITE_LOCK})`), db.name)
  }
  const sdb = db as Database.Database
  if (sdb.inTransaction) return sdb.transaction(fn)()
  assertWritable(db)
  const tx = sdb.transaction(fn)
  return retryBusy(() => tx.immediate(), db.name)
}
