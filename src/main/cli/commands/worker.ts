// platedesk worker --db LIBRARY [--queue URL] [--concurrency N] [--once] [--map FROM=TO ...]
// A recognition worker of the team work queue (importer/queue-worker.ts): any number of them, on any
// number of machines, take the files `import --enqueue-only` queued. One line per file. SIGINT/SIGTERM:
// no new files, the ones in flight finish and are committed, then exit (a second signal exits at once;
// its files come back to the queue when their attempt expires).
import type { Command } from 'commander'
import { openLibrary } from '../../db/index'
import type { Engine } from '../../engine/types'
import { parseMapping, type PathMapping } from '../../importer/path-map'
import { QueueWorker } from '../../importer/queue-worker'
import { openWorkQueue } from '../../importer/work-queue'
import { queueUrlFor } from './queue-url'
import { exitAfterEngines } from '../../engine/exit'

interface WorkerCliOptions {
  db: string
  queue?: string
  concurrency?: string
  inFlight?: string
  once?: boolean
  map: string[]
  models?: string
}

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('recognise the files of the team work queue (queued by `import --enqueue-only`) into the library; run as many as you like')
    .requiredOption('--db <library>', 'the library (a SQLite file, or postgres://...)')
    .option('--queue <url>', 'the work queue (postgres://...); default: --db when it is a postgres URL')
    .option('--concurrency <n>', 'engine worker threads, each kept busy by its own job (default: CPU cores)')
    .option('--in-flight <n>', 'jobs held at once (default: concurrency + 1: one file is read and committed while the engine works on the others)')
    .option('--once', 'exit (0) once the queue is empty instead of waiting for more')
    .option('--map <from=to>', 'a shared folder mounted elsewhere here: the path prefix as enqueued = the same folder on this machine (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--models <dir>', 'models directory (default: ALPR_MODELS_DIR, then the user data dir)')
    .action(async (opts: WorkerCliOptions) => {
      const url = queueUrlFor(opts.db, opts.queue)
      const map: PathMapping[] = opts.map.map(parseMapping)
      const concurrency = opts.concurrency != null ? Number(opts.concurrency) : undefined
      if (concurrency != null && (!Number.isInteger(concurrency) || concurrency < 1)) throw new Error(`--concurrency must be a whole number >= 1, got ${opts.concurrency}`)
      const inFlight = opts.inFlight != null ? Number(opts.inFlight) : undefined
      if (inFlight != null && (!Number.isInteger(inFlight) || inFlight < 1)) throw new Error(`--in-flight must be a whole number >= 1, got ${opts.inFlight}`)
      const out = process.stdout
      const library = openLibrary(opts.db)
      let engine: Engine | null = null
      let boss: Awaited<ReturnType<typeof openWorkQueue>> | null = null
      let worker: QueueWorker | null = null
      let signalled = false
      const onSignal = () => {
        if (signalled) return exitAfterEngines(130)
        signalled = true
        process.stderr.write('\nplatedesk worker: finishing the files in flight (signal again to quit now)...\n')
        void worker?.stop()
      }
      process.on('SIGINT', onSignal)
      process.on('SIGTERM', onSignal)
      const started = Date.now()
      try {
        const { createEngine } = await import('../../engine/index')
        engine = await createEngine({ modelsDir: opts.models, workers: concurrency, detectionThreshold: library.reader.settings().detectionThreshold })
        boss = await openWorkQueue(url)
        worker = new QueueWorker({
          library,
          boss,
          engine,
          concurrency: inFlight ?? (concurrency ?? engine.status().workers) + 1,
          map,
          once: !!opts.once,
          onFile: (e) => {
            const line =
              e.outcome === 'done'
                ? `done ${e.path} (${e.plates} plates)`
                : e.outcome === 'error'
                  ? `attempt ${e.attempt} failed: ${e.error}`
                  : e.outcome === 'failed'
                    ? `failed ${e.error}`
                    : `${e.outcome} ${e.path}`
            out.write(`${line}\n`)
          }
        })
        const ready = Date.now()
        process.stderr.write(`platedesk worker ${process.pid}: ${engine.status().workers} engine workers, queue ${url.replace(/:[^:@/]*@/, '@')}\n`)
        if (signalled) await worker.stop()
        else worker.start()
        await worker.finished
        const c = worker.counts
        const s = (Date.now() - ready) / 1000
        out.write(
          `summary: ${c.done} recognised, ${c.duplicate} already in the library, ${c.already} committed before, ${c.failed} failed, ${c.error} failed attempts; ${(c.done / Math.max(s, 0.001)).toFixed(2)} files/s over ${s.toFixed(1)} s (engine ready after ${((ready - started) / 1000).toFixed(1)} s); peak rss ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB\n`
        )
      } finally {
        process.off('SIGINT', onSignal)
        process.off('SIGTERM', onSignal)
        if (boss) await boss.stop({ graceful: false, close: true }).catch(() => undefined)
        if (engine) await (engine as Engine).close()
        library.close()
      }
    })
}
