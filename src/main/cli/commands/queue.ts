// platedesk queue status --db LIBRARY [--queue URL]: the team work queue at a glance (files waiting, held
// by workers, recognised, failed with their causes).
import type { Command } from 'commander'
import { openLibrary } from '../../db/index'
import { workQueueStatus } from '../../importer/queue-status'
import { openWorkQueue } from '../../importer/work-queue'
import { queueUrlFor } from './queue-url'

export function registerQueue(program: Command): void {
  const queue = program.command('queue').description('the team work queue of recognition workers')
  queue
    .command('status')
    .description('files queued, active (held by a worker), done and failed (with the causes)')
    .requiredOption('--db <library>', 'the library (a SQLite file, or postgres://...)')
    .option('--queue <url>', 'the work queue (postgres://...); default: --db when it is a postgres URL')
    .option('--json', 'print the status as JSON')
    .action(async (opts: { db: string; queue?: string; json?: boolean }) => {
      const url = queueUrlFor(opts.db, opts.queue)
      const library = openLibrary(opts.db, { readonly: !/^postgres/i.test(opts.db) })
      try {
        const boss = await openWorkQueue(url, { supervise: false })
        try {
          const s = await workQueueStatus(library, boss)
          if (opts.json) {
            process.stdout.write(JSON.stringify(s, null, 2) + '\n')
            return
          }
          process.stdout.write(
            `queue: ${s.queued} queued, ${s.active} active, ${s.done} done (${s.duplicate} of them already in the library), ${s.failed} failed; ${s.plates} plates found in ${s.batches} batch${s.batches === 1 ? '' : 'es'}\n`
          )
          for (const f of s.failures) process.stdout.write(`failed: ${f.error}\n`)
          if (s.failed > s.failures.length) process.stdout.write(`... and ${s.failed - s.failures.length} more\n`)
        } finally {
          await boss.stop({ graceful: false, close: true })
        }
      } finally {
        library.close()
      }
    })
}
