// platedesk import --db FILE [--fps N] [--profile P | --recognizer ID] [--crops] [--no-skip-static] PATH...
// Resumes an unfinished job in that library first, then imports the paths. A progress bar on a TTY,
// one plain line per file when piped. Exit 1 if any file failed (or the engine could not start).
// With --enqueue-only the files only go into the team work queue (--queue URL, PostgreSQL) for
// `platedesk worker` processes to recognise.
import type { Command } from 'commander'
import { openLibrary } from '../../db/index'
import { DB_OPTION_HELP, libraryTarget } from '../db-arg'
import type { Engine } from '../../engine/types'
import { ImportQueue } from '../../importer/queue'
import type { ImportProgress } from '../../../shared/types'
import { RECOGNITION_PROFILES, profileById } from '../../../shared/profiles'
import { exitAfterEngines } from '../../engine/exit'

interface ImportCliOptions {
  db: string
  fps?: string
  concurrency?: string
  workers?: string
  models?: string
  crops?: boolean
  /** commander's --no-skip-static: true unless the flag is given */
  skipStatic?: boolean
  recognizer?: string
  profile?: string
  enqueueOnly?: boolean
  queue?: string
  jobTimeout?: string
  retries?: string
  retryDelay?: string
}

function bar(p: ImportProgress, width = 28): string {
  const frac = p.filesTotal ? p.filesDone / p.filesTotal : 0
  const full = Math.round(frac * width)
  const eta = p.etaSeconds != null ? `${Math.floor(p.etaSeconds / 60)}m${String(p.etaSeconds % 60).padStart(2, '0')}s` : '--'
  return `[${'#'.repeat(full)}${'.'.repeat(width - full)}] ${p.filesDone}/${p.filesTotal} files, ${p.platesFound} plates, ${p.filesFailed} failed, ${p.filesPerSecond.toFixed(1)} files/s, eta ${eta}`
}

export function registerImport(program: Command): void {
  program
    .command('import')
    .description('import images and videos (files or folders, recursively) into a library; resumes an unfinished import first')
    .requiredOption('--db <file>', `${DB_OPTION_HELP} (a file is created if missing)`)
    .option('--fps <n>', 'video sampling rate in frames per second (0 = every frame; default: the library setting)')
    .option('--concurrency <n>', 'files in flight (default: 2 x engine workers)')
    .option('--workers <n>', 'engine worker threads (default: CPU cores)')
    .option('--models <dir>', 'models directory (default: ALPR_MODELS_DIR, then the user data dir)')
    .option('--profile <id>', `recognition profile for this import: ${RECOGNITION_PROFILES.map((p) => `${p.id} (${p.name})`).join(', ')}; default: the library setting`)
    .option('--recognizer <id>', "recognizer model id (or 'a+b') for this import, instead of a profile")
    .option('--crops', 'every image is a plate crop (OCR datasets): no detection, the whole image is the plate')
    .option('--no-skip-static', 'videos: run the engine on every sampled frame, also on frames unchanged since the last one recognised (a parked camera)')
    .option('--enqueue-only', 'only scan and queue the files for `platedesk worker` processes (team work queue); recognise nothing here')
    .option('--queue <url>', 'the work queue (postgres://...) for --enqueue-only; default: --db when it is a postgres URL')
    .option('--job-timeout <s>', 'with --enqueue-only: seconds one attempt may take before another worker gets the file (default 600 per image, 14400 per video)')
    .option('--retries <n>', 'with --enqueue-only: attempts after the first before a file is recorded as failed (default 2)')
    .option('--retry-delay <s>', 'with --enqueue-only: seconds before the first retry, doubling after each (default 5)')
    .argument('[paths...]', 'files or folders to import')
    .action(async (paths: string[], opts: ImportCliOptions) => {
      const out = process.stdout
      const tty = !!out.isTTY
      const fps = opts.fps != null ? Number(opts.fps) : undefined
      if (fps != null && (!Number.isFinite(fps) || fps < 0 || fps > 120)) throw new Error(`--fps must be a number from 0 to 120, got ${opts.fps}`)
      if (opts.profile && opts.recognizer) throw new Error('give --profile or --recognizer, not both')
      const profile = opts.profile ? profileById(opts.profile) : undefined
      if (opts.profile && !profile) {
        throw new Error(`unknown --profile "${opts.profile}" (${RECOGNITION_PROFILES.map((p) => p.id).join(', ')})`)
      }
      const recognizerId = profile?.recognizerId ?? opts.recognizer
      if (opts.enqueueOnly) {
        const { enqueueCommand } = await import('./enqueue')
        await enqueueCommand(paths, { db: opts.db, queue: opts.queue, jobTimeout: opts.jobTimeout, retries: opts.retries, retryDelay: opts.retryDelay, fps, recognizerId, crops: opts.crops, skipStatic: opts.skipStatic })
        return
      }
      const library = openLibrary(libraryTarget(opts.db))
      let engine: Engine | null = null
      let enginePromise: Promise<Engine> | null = null
      const getEngine = () =>
        (enginePromise ??= (async () => {
          const { createEngine } = await import('../../engine/index')
          const settings = library.reader.settings()
          engine = await createEngine({
            modelsDir: opts.models,
            workers: opts.workers ? Number(opts.workers) : undefined,
            detectionThreshold: settings.detectionThreshold
          })
          return engine
        })())
      let lastBar = ''
      const queue = new ImportQueue({
        library,
        engine: getEngine,
        concurrency: opts.concurrency ? Number(opts.concurrency) : undefined,
        onScanProgress: (s) => {
          if (tty && s.current) process.stderr.write(`\r\x1b[2Kscanning: ${s.dirs} folders, ${s.files} files  ${s.current}`.slice(0, 160))
        },
        onProgress: (p) => {
          if (!tty) return
          const line = bar(p)
          if (line !== lastBar) out.write(`\r\x1b[2K${line}`)
          lastBar = line
        },
        onFile: (e) => {
          if (tty) {
            if (e.state === 'error') out.write(`\r\x1b[2Kfailed: ${e.error}\n${lastBar}`)
            return
          }
          const skipped = e.framesSkipped ? `, ${e.framesSkipped} unchanged frames not re-recognised` : ''
          const what = e.state === 'error' ? `error ${e.error}` : e.state === 'duplicate' ? `duplicate ${e.path}` : `done ${e.path} (${e.plates} plates${skipped})`
          out.write(`${what}\n`)
        }
      })
      let interrupted = false
      const onSignal = () => {
        if (interrupted) return exitAfterEngines(130)
        interrupted = true
        process.stderr.write('\nstopping after the files in flight (run the same command again to resume)...\n')
        void queue.close()
      }
      process.on('SIGINT', onSignal)
      process.on('SIGTERM', onSignal)
      const jobs: number[] = []
      try {
        const resumed = queue.resumeUnfinished()
        if (resumed.length) {
          out.write(`resuming unfinished import job${resumed.length > 1 ? 's' : ''} ${resumed.join(', ')}\n`)
          jobs.push(...resumed)
          await queue.idle()
        }
        if (paths.length && !interrupted && !queue.lastError) {
          let jobId: number
          try {
            jobId = await queue.enqueue(paths, {
              ...(fps != null ? { fps } : {}),
              ...(recognizerId ? { recognizerId } : {}),
              ...(opts.crops ? { crops: true } : {}),
              ...(opts.skipStatic === false ? { skipStatic: false } : {})
            })
          } catch (err) {
            if ((err as { code?: string }).code !== 'cancelled') throw err
            process.stderr.write(`\nplatedesk import: ${(err as Error).message}\n`)
            process.exitCode = 1
            return
          }
          if (tty) process.stderr.write('\r\x1b[2K')
          for (const note of queue.lastScanNotes) process.stderr.write(`note: ${note}\n`)
          jobs.push(jobId)
          if (!tty) out.write(`import job ${jobId}: ${library.imports.counts(jobId).total} files\n`)
          await queue.idle()
        }
        if (tty && lastBar) out.write('\n')
        if (queue.lastError) {
          process.stderr.write(`platedesk import: ${queue.lastError.message}\n`)
          process.exitCode = 1
          return
        }
        let total = 0, done = 0, dup = 0, failed = 0, plates = 0, pending = 0
        for (const j of jobs) {
          const c = library.imports.counts(j)
          total += c.total
          done += c.done
          dup += c.duplicate
          failed += c.failed
          plates += c.plates
          pending += c.pending
        }
        out.write(`summary: ${total} files: ${done} imported, ${dup} already in the library, ${failed} failed, ${plates} plates found${pending ? `, ${pending} left (interrupted; run again to resume)` : ''}\n`)
        if (failed) {
          for (const j of jobs) {
            const f = library.reader.importFailures(j, 0, 50)
            for (const it of f.items) process.stderr.write(`failed: ${it.error}\n`)
            if (f.total > f.items.length) process.stderr.write(`... and ${f.total - f.items.length} more\n`)
          }
        }
        const st = library.reader.stats()
        out.write(`library: ${st.media} media (${st.images} images, ${st.videos} videos), ${st.plates} plates, ${st.tracks} tracks\n`)
        if (failed || interrupted) process.exitCode = 1
      } finally {
        process.off('SIGINT', onSignal)
        process.off('SIGTERM', onSignal)
        await queue.close()
        if (engine) await (engine as Engine).close()
        library.close()
      }
    })
}
