// 006: the 'track' history action: a split or merge of video tracks by hand. Its old/new values hold
// snapshots of the tracks it touched (their rows, member detections and plates), which is what undo
// restores. The history table is rebuilt as in 004 (SQLite cannot alter a CHECK constraint).
import type Database from 'better-sqlite3'
import type { Db } from '../db'
import { rebuild } from './004_illegible'

export function migrateTrackEdits(db_: Db): void {
  const db = db_ as Database.Database
  const legacy = db.pragma('legacy_alter_table', { simple: true }) as number
  db.pragma('legacy_alter_table = ON')
  try {
    rebuild(db, 'history', 'action', 'track')
  } finally {
    if (!legacy) db.pragma('legacy_alter_table = OFF')
  }
}

/** PostgreSQL alters the CHECK in place (as 004) */
export const trackEditsPg = /* sql */ `
ALTER TABLE history DROP CONSTRAINT history_action_check, ADD CONSTRAINT history_action_check
  CHECK (action IN ('confirm', 'correct', 'reject', 'add', 'box', 'undo', 'bulk-confirm', 'illegible', 'track'));
`
