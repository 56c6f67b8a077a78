// A recognition worker of the team work queue: takes file jobs from pg-boss, recognises each file with
// the local engine and commits it into the library through the ImportStore (one transaction per file).
//
// Delivery is at-least-once (a job whose worker died comes back after its expiry), so every write is
// idempotent: a file whose item is already committed, or whose path/bytes are already in the library, is
// acknowledged without recognising or writing it again; commitFile itself re-checks the hash inside its
// transaction. A job's last failed attempt goes to pg-boss's dead-letter queue, from which a worker
// records the file as failed, with the cause, in the library (the batch's import item).
import { stat } from 'node:fs/promises'
import type PgBoss from 'pg-boss'
import type { Library } from '../db/index'
import type { ImportOptions } from '../db/imports'
import { blankFileResult } from '../db/imports'
import type { Engine } from '../engine/types'
import { sha256File } from '../media/hash'
import { mapPath, type PathMapping } from './path-map'
import { ImportQueue } from './queue'
import { FAILED_QUEUE, RECOGNITION_QUEUE, queueDrained, type RecognitionJob } from './work-queue'

export type WorkerOutcome = 'done' | 'duplicate' | 'already' | 'failed' | 'error'

export interface WorkerFileEvent {
  path: string
  outcome: WorkerOutcome
  plates: number
  error: string | null
  /** the attempt (1 = first delivery) */
  attempt: number
}

export interface QueueWorkerOptions {
  library: Library
  boss: PgBoss
  engine: Engine
  /** jobs in flight; default: the engine's workers */
  concurrency?: number
  /** enqueued path prefix -> this machine's */
  map?: PathMapping[]
  /** stop once nothing is left to run (waiting, held by a worker, or failed and unrecorded) */
  once?: boolean
  /** ms between polls of an empty queue; default 1000 (pg-boss's minimum is 500) */
  pollMs?: number
  onFile?: (e: WorkerFileEvent) => void
}

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err))

/** what the cause of a dead-lettered job was: pg-boss stores the thrown error (or its timeout note) as output */
function causeOf(output: unknown): string {
  const o = output as { message?: string; value?: { message?: string } } | null
  return o?.message ?? o?.value?.message ?? 'failed (no cause recorded)'
}

export class QueueWorker {
  private readonly queue: ImportQueue
  private loops: Promise<void>[] = []
  private inFlight = 0
  private stopping = false
  private wake = new Set<() => void>()
  private done!: () => void
  /** resolves when the worker stopped (stop(), or --once and the queue drained) */
  readonly finished: Promise<void>
  readonly counts = { done: 0, duplicate: 0, already: 0, failed: 0, error: 0 }

  constructor(private readonly o: QueueWorkerOptions) {
    this.queue = new ImportQueue({ library: o.library, engine: async () => o.engine })
    this.finished = new Promise<void>((res) => (this.done = res))
  }

  /**
   * n loops, each fetching one job from pg-boss, running it and acknowledging it (complete, or fail
   * with the error so pg-boss retries it): n files in flight. A loop that just finished a job fetches
   * the next at once; an empty queue is polled every pollMs. One more loop records dead-lettered files.
   */
  start(): void {
    const n = Math.max(1, this.o.concurrency ?? (this.o.engine.status().workers || 1))
    for (let i = 0; i < n; i++) this.loops.push(this.loop(RECOGNITION_QUEUE, (job) => this.handle(job)))
    this.loops.push(this.loop(FAILED_QUEUE, async (job) => this.recordFailure(job)))
    if (this.o.once) void this.watchDrain()
  }

  /**
   * Stops fetching; the jobs in flight finish, are committed and acknowledged, then resolves. Nothing is
   * left held: a job is only ever taken by a loop that then runs it to its acknowledgement.
   */
  async stop(): Promise<void> {
    if (!this.stopping) {
      this.stopping = true
      for (const w of [...this.wake]) w()
      await Promise.allSettled(this.loops)
      await this.queue.close()
      this.done()
    }
    return this.finished
  }

  get active(): number {
    return this.inFlight
  }

  /** a wait that stop() cuts short */
  private sleep(ms: number): Promise<void> {
    return new Promise<void>((res) => {
      const done = () => {
        clearTimeout(t)
        this.wake.delete(done)
        res()
      }
      const t = setTimeout(done, ms)
      this.wake.add(done)
    })
  }

  private async loop(name: string, run: (job: PgBoss.JobWithMetadata<RecognitionJob>) => Promise<unknown>): Promise<void> {
    const { boss } = this.o
    const pollMs = this.o.pollMs ?? 1000
    while (!this.stopping) {
      let jobs: PgBoss.JobWithMetadata<RecognitionJob>[]
      try {
        jobs = await boss.fetch<RecognitionJob>(name, { batchSize: 1, includeMetadata: true })
      } catch (err) {
        process.stderr.write(`platedesk worker: cannot fetch from the queue: ${messageOf(err)}\n`)
        jobs = []
      }
      const job = jobs[0]
      if (!job) {
        await this.sleep(pollMs)
        continue
      }
      this.inFlight++
      try {
        let result: unknown
        try {
          result = await run(job)
        } catch (err) {
          await boss.fail(name, job.id, err as object)
          continue
        }
        await boss.complete(name, job.id, (result ?? {}) as object)
      } catch (err) {
        // the acknowledgement was lost (connection): the job expires and comes back, and its commit is found
        process.stderr.write(`platedesk worker: cannot acknowledge job ${job.id}: ${messageOf(err)}\n`)
      } finally {
        this.inFlight--
      }
    }
  }

  private async watchDrain(): Promise<void> {
    const interval = this.o.pollMs ?? 1000
    while (!this.stopping) {
      await this.sleep(interval)
      if (this.stopping) return
      try {
        // nothing in flight here and nothing waiting, held elsewhere (a dead worker's job stays 'active'
        // until it expires and comes back) or dead-lettered and unrecorded
        if (!this.inFlight && (await queueDrained(this.o.boss))) {
          await this.stop()
          return
        }
      } catch (err) {
        process.stderr.write(`platedesk worker: ${messageOf(err)}\n`)
      }
    }
  }

  private emit(e: WorkerFileEvent): void {
    this.counts[e.outcome]++
    try {
      this.o.onFile?.(e)
    } catch {
      /* a listener's failure (a closed stdout) must not fail the job */
    }
  }

  /** one delivery of a file job; throws to have pg-boss retry it (and dead-letter it after the last try) */
  private async handle(job: PgBoss.JobWithMetadata<RecognitionJob>): Promise<{ outcome: WorkerOutcome; mediaId?: number }> {
    const d = job.data
    const store = this.o.library.imports
    const attempt = job.retryCount + 1
    if (!store.getJob(d.batch)?.options.queue) {
      throw new Error(`${d.path}: queued for another library (its batch ${d.batch} is not a work-queue batch of ${this.o.library.file}); run the workers with the --db the files were enqueued into`)
    }
    const item = store.queueItem(d.batch, d.path, d.root)
    if (item.state === 'done' || item.state === 'duplicate' || item.state === 'error') {
      // committed by an earlier delivery whose acknowledgement was lost (its worker died after the commit)
      this.emit({ path: d.path, outcome: 'already', plates: 0, error: null, attempt })
      return { outcome: 'already' }
    }
    const local = mapPath(d.path, this.o.map ?? [])
    const where = local === d.path ? d.path : `${d.path} (read as ${local})`
    try {
      let st
      try {
        st = await stat(local)
      } catch (err) {
        const e = err as NodeJS.ErrnoException
        throw new Error(`${where}: cannot read (${e.code === 'ENOENT' ? 'no such file on this worker; a shared folder mounted elsewhere needs --map FROM=TO' : (e.code ?? e.message)})`)
      }
      if (!st.isFile()) throw new Error(`${where}: not a regular file`)
      const known = store.knownPath(d.path, st.size, st.mtimeMs)
      if (known != null) {
        store.commitDuplicate(item.id, known, d.path, st.size, st.mtimeMs)
        this.emit({ path: d.path, outcome: 'duplicate', plates: 0, error: null, attempt })
        return { outcome: 'duplicate', mediaId: known }
      }
      const sha = await sha256File(local)
      const existing = store.existingByHash(sha)
      if (existing != null) {
        store.commitDuplicate(item.id, existing, d.path, st.size, st.mtimeMs)
        this.emit({ path: d.path, outcome: 'duplicate', plates: 0, error: null, attempt })
        return { outcome: 'duplicate', mediaId: existing }
      }
      const f = blankFileResult({
        path: local,
        folder: d.root,
        size: st.size,
        mtimeMs: st.mtimeMs,
        sha256: sha,
        kind: d.kind
      })
      const options: ImportOptions = { fps: d.fps, ...(d.recognizerId ? { recognizerId: d.recognizerId } : {}), ...(d.crops ? { crops: true } : {}), ...(d.skipStatic === false ? { skipStatic: false } : {}) }
      try {
        await this.queue.recogniseFile(this.o.engine, f, options)
      } catch (err) {
        const m = messageOf(err)
        throw new Error(m.includes(local) || m.includes(d.path) ? m : `${where}: ${m}`)
      }
      // the library names the file as enqueued, whichever machine read it
      f.path = d.path
      if (f.error) f.error = f.error.split(local).join(d.path)
      const out = store.commitFile(item.id, f)
      const outcome: WorkerOutcome = out.state === 'duplicate' ? 'duplicate' : out.state === 'error' ? 'failed' : 'done'
      this.emit({ path: d.path, outcome, plates: out.plates, error: f.error, attempt })
      return { outcome, mediaId: out.mediaId }
    } catch (err) {
      this.emit({ path: d.path, outcome: 'error', plates: 0, error: messageOf(err), attempt })
      throw err
    }
  }

  /** a file whose last attempt failed: recorded as failed with the cause (unless a late attempt committed it) */
  private recordFailure(job: PgBoss.JobWithMetadata<RecognitionJob>): void {
    const d = job.data
    const store = this.o.library.imports
    if (!store.getJob(d.batch)?.options.queue) throw new Error(`${d.path}: failed, and queued for another library than ${this.o.library.file} (batch ${d.batch}): ${causeOf(job.output)}`)
    const item = store.queueItem(d.batch, d.path, d.root)
    if (item.state === 'done' || item.state === 'duplicate') return
    const cause = causeOf(job.output)
    const error = cause.includes(d.path) ? cause : `${d.path}: ${cause}`
    store.commitItemError(item.id, `${error} (after ${RETRY_ATTEMPTS(job)} attempts)`)
    this.emit({ path: d.path, outcome: 'failed', plates: 0, error, attempt: RETRY_ATTEMPTS(job) })
  }
}

/** the dead-lettered job carries the original's retry limit: attempts = limit + 1 */
const RETRY_ATTEMPTS = (job: PgBoss.JobWithMetadata<RecognitionJob>) => job.retryLimit + 1
