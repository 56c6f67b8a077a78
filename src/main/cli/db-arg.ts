// --db: a library file (resolved against the working directory) or a server library's postgres:// URL
// (passed as it is; shown without its password).
import { resolve } from 'node:path'
import { isServerUrl } from '../db/db'

export const DB_OPTION_HELP = 'library file, or a server library postgres://USER[:PASSWORD]@HOST:PORT/DB'

export function libraryTarget(db: string): string {
  return isServerUrl(db) ? db.trim() : resolve(db)
}

export { isServerUrl, redactUrl } from '../db/db'
