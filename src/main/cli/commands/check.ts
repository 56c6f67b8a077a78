// platedesk check --db FILE: SQLite integrity_check + foreign_key_check; exit 1 if not ok.
import type { Command } from 'commander'
import { openLibrary } from '../../db/index'

export function registerCheck(program: Command): void {
  program
    .command('check')
    .description('check a library database (integrity and foreign keys); exit 1 if damaged')
    .requiredOption('--db <file>', 'library database file')
    .action((opts: { db: string }) => {
      const library = openLibrary(opts.db, { readonly: true })
      try {
        const r = library.integrityCheck()
        if (r.ok) {
          process.stdout.write(`ok: ${library.file} (schema version ${library.version})\n`)
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
