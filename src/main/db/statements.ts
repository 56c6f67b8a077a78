// Base of the reader, writer and import store: each distinct SQL text is compiled once per connection.
import type { Db, DbStatement } from './db'
import { writeTransaction } from './transactions'

export abstract class Statements {
  private cache = new Map<string, DbStatement>()
  constructor(readonly db: Db) {}

  protected stmt(sql: string): DbStatement {
    let s = this.cache.get(sql)
    if (!s) {
      s = this.db.prepare(sql)
      this.cache.set(sql, s)
    }
    return s
  }

  /** `fn` as one write transaction: waits for other writers, retried on BUSY, refused on a damaged library */
  protected tx<T>(fn: () => T): T {
    return writeTransaction(this.db, fn)
  }
}
