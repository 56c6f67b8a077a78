// 004: the 'illegible' review decision (a real plate whose text nobody can read) and its history action.
// SQLite cannot alter a CHECK constraint, so plates and history are rebuilt with the 12-step procedure
// (https://www.sqlite.org/lang_altertable.html#otheralter): foreign keys are off for this migration
// (db/index.ts), each table is recreated from its own stored CREATE statement with only the CHECK list
// extended (so columns other migrations added survive), rows are copied, and every index and trigger
// that was on the table is created again from its stored SQL. The copy keeps every id, so history rows,
// tracks and the other tables' foreign keys still point at the same plates; foreign_key_check runs
// before the commit.
import type Database from 'better-sqlite3'
import type { Db } from '../db'

/** Adds `value` to the `IN (...)` list of the CHECK on `column` in a CREATE TABLE statement. */
export function extendCheck(createSql: string, column: string, value: string): string {
  const re = new RegExp(`(CHECK\\s*\\(\\s*${column}\\s+IN\\s*\\()([^)]*)(\\))`, 'i')
  const m = re.exec(createSql)
  if (!m) throw new Error(`migration 004: no CHECK (${column} IN (...)) in ${createSql.slice(0, 80)}…`)
  if (m[2].includes(`'${value}'`)) return createSql
  return createSql.replace(re, `$1$2, '${value}'$3`)
}

export function rebuild(db: Database.Database, table: string, column: string, value: string): void {
  const master = db.prepare(`SELECT type, name, sql FROM sqlite_master WHERE tbl_name = ? AND sql IS NOT NULL`).all(table) as {
    type: string
    name: string
    sql: string
  }[]
  const create = master.find((r) => r.type === 'table' && r.name === table)
  if (!create) throw new Error(`migration 004: table ${table} not found`)
  const extended = extendCheck(create.sql, column, value)
  if (extended === create.sql) return
  const tmp = `${table}_004`
  const newSql = extended.replace(/^\s*CREATE\s+TABLE\s+("?)\w+\1/i, `CREATE TABLE ${tmp}`)
  db.exec(newSql)
  db.exec(`INSERT INTO ${tmp} SELECT * FROM ${table}`)
  db.exec(`DROP TABLE ${table}`)
  db.exec(`ALTER TABLE ${tmp} RENAME TO ${table}`)
  for (const r of master) if (r.type === 'index' || r.type === 'trigger') db.exec(r.sql)
}

export function migrateIllegible(db_: Db): void {
  const db = db_ as Database.Database
  // the rename must not re-resolve other schema objects (a trigger elsewhere naming plates would fail
  // while plates is briefly gone): the step-by-step rebuild is what the legacy rename does
  const legacy = db.pragma('legacy_alter_table', { simple: true }) as number
  db.pragma('legacy_alter_table = ON')
  try {
    rebuild(db, 'plates', 'review_state', 'illegible')
    rebuild(db, 'history', 'action', 'illegible')
  } finally {
    if (!legacy) db.pragma('legacy_alter_table = OFF')
  }
}

/** PostgreSQL alters a CHECK in place (001's pg text names both constraints) */
export const illegiblePg = /* sql */ `
ALTER TABLE plates DROP CONSTRAINT plates_review_state_check, ADD CONSTRAINT plates_review_state_check
  CHECK (review_state IN ('unreviewed', 'confirmed', 'corrected', 'rejected', 'manual', 'illegible'));
ALTER TABLE history DROP CONSTRAINT history_action_check, ADD CONSTRAINT history_action_check
  CHECK (action IN ('confirm', 'correct', 'reject', 'add', 'box', 'undo', 'bulk-confirm', 'illegible'));
`
