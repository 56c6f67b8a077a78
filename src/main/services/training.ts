// Training-data service: exports run as background jobs (progress as 'export.progress' events and via
// 'export.status'), and 'eval.run' scores the model's reads against the review.
import { randomUUID } from 'node:crypto'
import { isAbsolute } from 'node:path'
import type { Handlers } from '../../shared/api'
import type { ExportOptions, ExportProgress } from '../../shared/types'
import type { Db } from '../db/training-reader'
import { evaluateLibraryAsync } from '../eval/library'
import { compareRecognizers, recognizerList } from '../eval/compare'
import type { Engine } from '../engine/types'
import { ExportCancelled, checkOutDir, runExport, type ExportResult } from '../export/index'
import type { Emit } from './types'

export type TrainingHandlers = Pick<Handlers, 'export.run' | 'export.status' | 'eval.run' | 'eval.compare'>

export interface TrainingContext {
  /** the open library (only its better-sqlite3 handle is used) */
  library: { db: Db }
  emit: Emit
  /** the backend's engine (started on first use); 'eval.compare' reads the crops with it */
  engine?: () => Promise<Engine>
}

export interface TrainingService extends TrainingHandlers {
  /** the full result of a finished export job (failures listed per file) */
  result(jobId: string): ExportResult | null
  /** cancels running exports (app shutdown) */
  close(): void
}

const KEEP_JOBS = 20

export function createTrainingHandlers(ctx: TrainingContext): TrainingService {
  const jobs = new Map<string, { progress: ExportProgress; abort: AbortController; result: ExportResult | null }>()

  const publish = (jobId: string, patch: Partial<ExportProgress>): void => {
    const job = jobs.get(jobId)
    if (!job) return
    job.progress = { ...job.progress, ...patch }
    ctx.emit('export.progress', job.progress)
  }

  return {
    async 'export.run'(req) {
      const opts = req as ExportOptions
      // the backend's working directory means nothing to the person at the window: a full path only
      if (!isAbsolute(opts.outDir)) throw Object.assign(new Error(relativeOutDirMessage(opts.outDir)), { code: 'invalid-request' })
      // refuse a non-empty folder now, so the caller gets the error instead of a failed job
      const outDir = await checkOutDir(opts.outDir, opts.overwrite, opts.format)
      const jobId = randomUUID()
      const abort = new AbortController()
      jobs.set(jobId, { progress: { jobId, done: 0, total: 0, state: 'running', outDir, error: null }, abort, result: null })
      while (jobs.size > KEEP_JOBS) {
        const oldest = [...jobs.entries()].find(([, j]) => j.progress.state !== 'running')
        if (!oldest) break
        jobs.delete(oldest[0])
      }
      let lastEmit = 0
      void runExport(ctx.library.db, { ...opts, outDir }, {
        signal: abort.signal,
        onProgress: ({ done, total }) => {
          const now = Date.now()
          if (now - lastEmit < 100 && done < total) {
            const job = jobs.get(jobId)
            if (job) job.progress = { ...job.progress, done, total }
            return
          }
          lastEmit = now
          publish(jobId, { done, total })
        }
      }).then(
        (result) => {
          const job = jobs.get(jobId)
          if (job) job.result = result
          const failed = result.failures.length
          publish(jobId, {
            state: 'done',
            done: result.total,
            total: result.total,
            error: failed ? `${failed} file(s) failed, e.g. ${result.failures[0].path}: ${result.failures[0].error}` : null,
            ...(result.leftOut ? { leftOut: result.leftOut } : {})
          })
        },
        (err: unknown) => {
          if (err instanceof ExportCancelled) publish(jobId, { state: 'cancelled', error: null })
          else publish(jobId, { state: 'error', error: err instanceof Error ? err.message : String(err) })
        }
      )
      return { jobId }
    },

    'export.status'(req) {
      const job = jobs.get(req.jobId)
      if (!job) throw Object.assign(new Error(`export job ${req.jobId} not found`), { code: 'not-found' })
      return job.progress
    },

    async 'eval.run'() {
      return evaluateLibraryAsync(ctx.library.db)
    },

    async 'eval.compare'(req) {
      if (!ctx.engine) throw Object.assign(new Error('eval.compare: no recognition engine in this backend'), { code: 'engine' })
      const ids = recognizerList(req.recognizers.join(','))
      let engine: Engine
      try {
        engine = await ctx.engine()
      } catch (err) {
        throw Object.assign(new Error(err instanceof Error ? err.message : String(err)), { code: 'engine' })
      }
      return compareRecognizers(ctx.library.db, engine, { recognizers: ids, limit: req.limit })
    },

    result(jobId) {
      return jobs.get(jobId)?.result ?? null
    },

    close() {
      for (const j of jobs.values()) if (j.progress.state === 'running') j.abort.abort()
    }
  }
}

/** why a relative export folder is refused (the Export screen says the same before asking) */
function relativeOutDirMessage(outDir: string): string {
  return `export folder "${outDir}" is a relative path: give the full path of a folder (e.g. /home/me/dataset or C:\\Users\\me\\dataset)`
}
