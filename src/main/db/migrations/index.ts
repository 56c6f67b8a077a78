// Numbered migrations, applied in order inside one transaction each at open (see db/index.ts).
// They are TS modules holding SQL text so the electron-vite bundle carries them without file copies.
// Numbering: the library owns 002-009, training data/eval 010-019.
// Each gives both dialects: `sql` for SQLite, `pg` for PostgreSQL (runs instead of `sql` there; absent =
// `sql` is portable as it is). `run`/`pgRun` likewise.
import init from './001_init'
import initPg from './001_init.pg'
import libraryIndexes from './002_library_indexes'
import plateOrder from './003_plate_order'
import plateCorners from './005_plate_corners'
import readRules from './007_read_rules'
import { accountsPg, accountsSql } from './008_accounts'
import { illegiblePg, migrateIllegible } from './004_illegible'
import { migrateTrackEdits, trackEditsPg } from './006_track_edits'
import type { Db } from '../db'
import { migrateVotes, pg as leasesPg, sql as leasesSql } from './009_leases'

export interface Migration {
  version: number
  name: string
  /** SQLite text */
  sql: string
  /** PostgreSQL text, run instead of `sql` on a server library; absent = `sql` is portable */
  pg?: string
  /** code run after `sql`, in the same transaction (SQLite) */
  run?: (db: Db) => void
  /** code run after `pg`, in the same transaction (PostgreSQL); absent = none (`run` is SQLite-only) */
  pgRun?: (db: Db) => void
  /** a table rebuild (SQLite): foreign keys off while it runs, foreign_key_check before the commit */
  foreignKeysOff?: boolean
}

export const migrations: Migration[] = [
  { version: 1, name: 'init', sql: init, pg: initPg },
  { version: 2, name: 'library_indexes', sql: libraryIndexes },
  { version: 3, name: 'plate_order', sql: plateOrder },
  { version: 4, name: 'illegible', sql: '', run: migrateIllegible, foreignKeysOff: true, pg: illegiblePg },
  { version: 5, name: 'plate_corners', sql: plateCorners },
  { version: 6, name: 'track_edits', sql: '', run: migrateTrackEdits, foreignKeysOff: true, pg: trackEditsPg },
  { version: 7, name: 'read_rules', sql: readRules },
  { version: 8, name: 'accounts', sql: accountsSql, pg: accountsPg },
  { version: 9, name: 'leases', sql: leasesSql, run: migrateVotes, foreignKeysOff: true, pg: leasesPg }
]
