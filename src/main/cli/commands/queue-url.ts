import { isPostgresUrl } from '../../importer/work-queue'

/** The work queue's URL: --queue, else --db when the library itself is on PostgreSQL. */
export function queueUrlFor(db: string, queue: string | undefined): string {
  if (queue) {
    if (!isPostgresUrl(queue)) throw new Error(`--queue must be a postgres://USER@HOST:PORT/DB URL, got "${queue}"`)
    return queue
  }
  if (isPostgresUrl(db)) return db
  throw new Error(`the work queue lives on PostgreSQL: give --queue postgres://USER@HOST:PORT/DB (the library ${db} is a SQLite file)`)
}
