// The database handle the data layer talks to: the subset of better-sqlite3's Database API it uses, so
// a better-sqlite3 Database (a library file) and a PgDb (a server library, db/pg.ts) both pass. SQL given
// to it is the portable subset (README, "Server library"): `?` placeholders, no SQLite-only functions.

export interface RunResult {
  changes: number
  /** SQLite only: use `INSERT ... RETURNING id` with .get() instead */
  lastInsertRowid?: number | bigint
}

export interface DbStatement {
  get(...params: unknown[]): unknown
  all(...params: unknown[]): unknown[]
  run(...params: unknown[]): RunResult
  iterate(...params: unknown[]): IterableIterator<unknown>
}

export interface Db {
  prepare(sql: string): DbStatement
  /** one or more statements without parameters */
  exec(sql: string): unknown
  /** true while a transaction (or savepoint) is open on this connection */
  readonly inTransaction: boolean
  /** where the library lives (file path, or the server URL without its password) */
  readonly name: string
  readonly open: boolean
  close(): unknown
}

export type Dialect = 'sqlite' | 'postgres'

/** which SQL dialect `db` speaks (a PgDb says so; anything else is better-sqlite3) */
export function dialectOf(db: Db): Dialect {
  return (db as { dialect?: Dialect }).dialect === 'postgres' ? 'postgres' : 'sqlite'
}

export function isPostgres(db: Db): boolean {
  return dialectOf(db) === 'postgres'
}

/** a postgres:// or postgresql:// URL (a server library) rather than a file path */
export function isServerUrl(s: string): boolean {
  return /^postgres(ql)?:\/\//i.test(s.trim())
}

/** the URL with its password replaced by *** (for messages and logs) */
export function redactUrl(url: string): string {
  return url.replace(/^(postgres(?:ql)?:\/\/[^:/@]*):[^@/]*@/i, '$1:***@')
}
