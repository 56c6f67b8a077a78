// platedesk stats --db FILE [--json]
import type { Command } from 'commander'
import { openLibrary } from '../../db/index'
import { DB_OPTION_HELP, libraryTarget } from '../db-arg'

export function registerStats(program: Command): void {
  program
    .command('stats')
    .description('counts of media, frames, detections, plates, tracks, reviews and errors in a library')
    .requiredOption('--db <file>', DB_OPTION_HELP)
    .option('--json', 'print JSON')
    .action((opts: { db: string; json?: boolean }) => {
      const library = openLibrary(libraryTarget(opts.db), { readonly: true })
      if (library.damage) process.stderr.write(`platedesk stats: warning: ${library.damage}\n`)
      try {
        const s = library.reader.stats()
        if (opts.json) process.stdout.write(JSON.stringify(s) + '\n')
        else {
          const w = Math.max(...Object.keys(s).map((k) => k.length))
          for (const [k, v] of Object.entries(s)) process.stdout.write(`${k.padEnd(w)}  ${v}\n`)
        }
      } finally {
        library.close()
      }
    })
}
