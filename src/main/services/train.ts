// "Improve the model" jobs: one fine-tuning run at a time (it takes every CPU core), progress as
// 'train.progress' events and 'train.status', cancel kills the trainer's process tree, the log stays in
// <job>/train.log, and 'train.adopt' adds the new model and selects it only when it beat the base.
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { open, readFile, readdir, stat, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import type { Handlers } from '../../shared/api'
import type { TrainProgress } from '../../shared/types'
import type { Db } from '../db/training-reader'
import { userModelsDir } from '../engine/models'
import { RESULT_FILE, runTrainJob, type ModelDirs } from '../train/job'
import { PythonMissingError, findPython } from '../train/python'
import type { Emit } from './types'

export type TrainHandlers = Pick<Handlers, 'train.check' | 'train.start' | 'train.status' | 'train.cancel' | 'train.log' | 'train.adopt'>

export interface TrainServiceOptions {
  library: { db: Db }
  emit: Emit
  /** where job folders go (one per run) */
  jobsRoot: string
  models: ModelDirs
  /** the recognizer the settings select (its first when two are joined by '+') */
  currentRecognizer: () => Promise<string>
  /** adds the job's model to the user's models and selects it; returns its id */
  adopt: (job: TrainProgress) => Promise<string>
}

export interface TrainService {
  handlers: TrainHandlers
  /** the running job, awaited (tests, shutdown) */
  idle(): Promise<void>
  close(): Promise<void>
}

/** PLATEDESK_TRAINING_DIR, else training/ beside the user's models folder (user data) */
export function trainJobsRoot(userDataDir?: string): string {
  return process.env.PLATEDESK_TRAINING_DIR || join(dirname(userModelsDir(userDataDir)), 'training')
}

const coded = (code: string, message: string): Error => Object.assign(new Error(message), { code })
const JOB_ID = /^\d{8}-\d{6}-[0-9a-f]{4}$/

function newJobId(): string {
  const d = new Date()
  const p = (n: number): string => String(n).padStart(2, '0')
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}-${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}-${randomBytes(2).toString('hex')}`
}

export function createTrainService(o: TrainServiceOptions): TrainService {
  const jobs = new Map<string, TrainProgress>()
  let latest: string | null = null
  let running: { jobId: string; abort: AbortController; done: Promise<TrainProgress> } | null = null

  /** a job of this process, or one an earlier run left on disk (adopt after a restart) */
  const find = async (jobId: string | undefined): Promise<TrainProgress> => {
    const id = jobId ?? latest ?? (await newestOnDisk())
    if (!id) throw coded('not-found', 'no training job has run yet')
    const mem = jobs.get(id)
    if (mem) return mem
    if (!JOB_ID.test(id)) throw coded('not-found', `training job ${id} not found`)
    const file = join(o.jobsRoot, id, RESULT_FILE)
    if (!existsSync(file)) throw coded('not-found', `training job ${id} not found (no ${file})`)
    const p = JSON.parse(await readFile(file, 'utf8')) as TrainProgress
    jobs.set(id, p)
    return p
  }

  /** after a restart: the newest job an earlier run finished (its result can still be adopted) */
  const newestOnDisk = async (): Promise<string | null> => {
    const names = await readdir(o.jobsRoot).catch(() => [] as string[])
    return names.filter((n) => JOB_ID.test(n) && existsSync(join(o.jobsRoot, n, RESULT_FILE))).sort().pop() ?? null
  }

  const handlers: TrainHandlers = {
    async 'train.check'() {
      try {
        const py = await findPython()
        return { ok: true, python: py.python, torch: py.torch, onnx: py.onnx, cuda: py.cuda, setup: null }
      } catch (err) {
        if (err instanceof PythonMissingError) return { ok: false, python: null, torch: null, onnx: null, cuda: false, setup: err.problem }
        throw err
      }
    },

    async 'train.start'(req) {
      if (running) throw coded('conflict', `training job ${running.jobId} is still running: cancel it or wait for it to finish`)
      const baseId = req.baseId ?? (await o.currentRecognizer())
      const jobId = newJobId()
      const abort = new AbortController()
      const jobDir = join(o.jobsRoot, jobId)
      latest = jobId
      const done = runTrainJob({
        jobId,
        db: o.library.db,
        jobDir,
        baseId,
        epochs: req.epochs,
        device: req.device,
        models: o.models,
        signal: abort.signal,
        onProgress: (p) => {
          jobs.set(jobId, p)
          o.emit('train.progress', p)
        }
      })
      running = { jobId, abort, done }
      void done.finally(() => {
        if (running?.jobId === jobId) running = null
      })
      // the first progress is published synchronously-ish; wait for it so the caller gets the job's paths
      while (!jobs.has(jobId)) await new Promise((r) => setTimeout(r, 5))
      return jobs.get(jobId)!
    },

    async 'train.status'(req) {
      if (!req.jobId && !latest && !(await newestOnDisk())) return null
      return find(req.jobId)
    },

    async 'train.cancel'(req) {
      const job = await find(req.jobId)
      if (running?.jobId === job.jobId) {
        running.abort.abort()
        return running.done
      }
      return job
    },

    async 'train.log'(req) {
      const job = await find(req.jobId)
      if (!existsSync(job.logFile)) return { file: job.logFile, text: '', size: 0 }
      const size = (await stat(job.logFile)).size
      const want = Math.min(size, req.maxBytes)
      const fh = await open(job.logFile, 'r')
      try {
        const buf = Buffer.alloc(want)
        await fh.read(buf, 0, want, size - want)
        return { file: job.logFile, text: buf.toString('utf8'), size }
      } finally {
        await fh.close()
      }
    },

    async 'train.adopt'(req) {
      const job = await find(req.jobId)
      if (job.state !== 'done' || !job.comparison || !job.model) throw coded('conflict', `training job ${job.jobId} has no finished model to adopt (${job.state})`)
      if (!job.comparison.better && !req.force) {
        throw coded('conflict', `the new model is not better than ${job.comparison.base.id} on the held-back plates; keeping ${job.comparison.base.id}`)
      }
      if (job.adoptedId) return { modelId: job.adoptedId }
      const modelId = await o.adopt(job)
      const next = { ...job, adoptedId: modelId }
      jobs.set(job.jobId, next)
      await writeFile(join(job.jobDir, RESULT_FILE), JSON.stringify(next, null, 1) + '\n').catch(() => undefined)
      o.emit('train.progress', next)
      return { modelId }
    }
  }

  return {
    handlers,
    async idle() {
      await running?.done
    },
    async close() {
      if (running) {
        running.abort.abort()
        await running.done.catch(() => undefined)
      }
    }
  }
}
