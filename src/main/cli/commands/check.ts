// platedesk check --db FILE|URL: SQLite integrity_check + foreign_key_check; on a server library the
// schema versions and unvalidated constraints (PostgreSQL checks its own pages and enforces foreign keys). Exit 1 if not ok.
import type { Command } from 'commander'
import { openLibrary } from '../../db/index'
import { DB_OPTION_HELP, libraryTarget } from '../db-arg'

export function registerCheck(program: Command): void {
  program
    .command('check')
    .description('check a library database (integrity and foreign keys); exit 1 if damaged')
    .requiredOption('--db <file>', DB_OPTION_HELP)
    .action((opts: { db: string }) => {
      const library = openLibrary(libraryTarget(opts.db), { readonly: true })
      try {
        const r = library.integrityCheck()
        if (r.ok) {
          const server = library.dialect === 'postgres' ? '; PostgreSQL checks its pages and foreign keys itself' : ''
          process.stdout.write(`ok: ${library.file} (schema version ${library.version}${server})\n`)
          return
        }
        for (const line of r.integrity) if (line !== 'ok') process.stdout.write(`integrity: ${line}\n`)
        for (const fk of r.foreignKeys) process.stdout.write(`foreign key: ${fk.table} row ${fk.rowid} -> ${fk.parent}\n`)
        process.exitCode = 1
      } finally {
        library.close()
      }
    })
}
