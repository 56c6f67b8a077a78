// 006: the 'track' history action: a split or merge of video tracks by hand. Its old/new values hold
// snapshots of the tracks it touched (their rows, member detections and plates), which is what undo
// restores. The history table is rebuilt as in 004 (SQLite cannot alter a CHECK constraint).
import type Database from 'better-sqlite3'
import { rebuild } from './004_illegible'

export function migrateTrackEdits(db: Database.Database): void {
  const legacy = db.pragma('legacy_alter_table', { simple: true }) as number
  db.pragma('legacy_alter_table = ON')
  try {
    rebuild(db, 'history', 'action', 'track')
  } finally {
    if (!legacy) db.pragma('legacy_alter_table = OFF')
  }
}
