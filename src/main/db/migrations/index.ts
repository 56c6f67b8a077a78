// Numbered migrations, applied in order inside one transaction each at open (see db/index.ts).
// They are TS modules holding SQL text so the electron-vite bundle carries them without file copies.
// Numbering: the library owns 002-009, training data/eval 010-019.
import init from './001_init'
import libraryIndexes from './002_library_indexes'
import plateOrder from './003_plate_order'
import plateCorners from './005_plate_corners'
import readRules from './007_read_rules'
import { migrateIllegible } from './004_illegible'
import { migrateTrackEdits } from './006_track_edits'
import { migrateVotes, pg as leasesPg, sql as leasesSql } from './009_leases'
import type Database from 'better-sqlite3'

export interface Migration {
  version: number
  name: string
  sql: string
  /** code run after `sql`, in the same transaction */
  run?: (db: Database.Database) => void
  /** a table rebuild: foreign keys off while it runs, foreign_key_check before the commit */
  foreignKeysOff?: boolean
  /** the PostgreSQL text of the migration (team mode) */
  pg?: string
}

export const migrations: Migration[] = [
  { version: 1, name: 'init', sql: init },
  { version: 2, name: 'library_indexes', sql: libraryIndexes },
  { version: 3, name: 'plate_order', sql: plateOrder },
  { version: 4, name: 'illegible', sql: '', run: migrateIllegible, foreignKeysOff: true },
  { version: 5, name: 'plate_corners', sql: plateCorners },
  { version: 6, name: 'track_edits', sql: '', run: migrateTrackEdits, foreignKeysOff: true },
  { version: 7, name: 'read_rules', sql: readRules },
  { version: 9, name: 'leases', sql: leasesSql, run: migrateVotes, foreignKeysOff: true, pg: leasesPg }
]
