// Ids after rows were inserted with explicit ids (a push of a local library into a server library, a
// restore, a rebuild). SQLite's INTEGER PRIMARY KEY always continues after the largest id, so there is
// nothing to do; a PostgreSQL identity column draws from its own sequence, which an explicit id does
// not advance: the next generated id would collide. Call this once after such inserts, in the same
// transaction or after it.
import { isPostgres, type Db } from './db'

/** Moves each table's id sequence past its largest id (PostgreSQL; a no-op on SQLite). */
export function syncIdSequences(db: Db, tables: string[]): void {
  if (!isPostgres(db)) return
  for (const t of tables) {
    if (!/^[a-z_][a-z0-9_]*$/.test(t)) throw new Error(`syncIdSequences: bad table name ${JSON.stringify(t)}`)
    db.prepare(`SELECT setval(pg_get_serial_sequence('${t}', 'id'), COALESCE((SELECT MAX(id) FROM ${t}), 0) + 1, false)`).get()
  }
}
