// Base of the reader, writer and import store: each distinct SQL text is compiled once per connection.
import type Database from 'better-sqlite3'
import { writeTransaction } from './transactions'

export abstract class Statements {
  private cache = new Map<string, Database.Statement>()
  constructor(readonly db: Database.Database) {}

  protected stmt(sql: string): Database.Statement {
    let s = this.cache.get(sql)
    if (!s) {
      s = this.db.prepare(sql)
      this.cache.set(sql, s)
    }
    return s
  }

  /** `fn` as one write transaction: IMMEDIATE (waits for other writers), retried on BUSY, refused on a damaged library */
  protected tx<T>(fn: () => T): T {
    return writeTransaction(this.db, fn)
  }
}
