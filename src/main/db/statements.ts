// Base of the reader, writer and import store: each distinct SQL text is compiled once per connection.
import type Database from 'better-sqlite3'

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
}
