// A pool of engine worker threads. Callers never block: every request is queued and handed to the
// next idle worker; each worker owns its ONNX sessions, so N workers run N images at once.
import { existsSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { Worker } from 'node:worker_threads'
import type { EngineStatus, ExecutionProvider, ImageRecognition, ModelStatus } from '../../shared/types'
import { ModelError } from './models'
import type { PipelineOptions } from './pipeline'
import type { Engine, RawImage, RecognizeOptions } from './types'
import type { WorkerMessage, WorkerRequest, WorkerStop } from './worker'

interface Job {
  req: WorkerRequest
  transfer: ArrayBuffer[]
  resolve: (r: ImageRecognition) => void
  reject: (e: Error) => void
}

interface Slot {
  worker: Worker
  /** the worker's kernel thread id (Linux), for per-thread CPU accounting in benchmarks */
  tid: number | null
  /** sent to this worker, oldest first; the worker runs them one at a time in this order */
  jobs: Job[]
}

/**
 * Requests handed to a worker ahead of time: the next one is already in its inbox when the current
 * one finishes, so no worker idles for a round trip through the main thread (~2% on 2 cores).
 */
const PER_WORKER = 2

/**
 * How to start a worker: the bundled out/main/engine-worker.js when present (this module may sit in
 * out/main/ or in a shared chunk under out/main/chunks/), else the TS source through tsx.
 */
function workerSpec(): { url: URL; workerData: Record<string, unknown> } {
  const here = import.meta.url
  if (here.startsWith('file:') && !here.endsWith('.ts')) {
    for (const rel of ['./engine-worker.js', '../engine-worker.js']) {
      const bundled = new URL(rel, here)
      if (existsSync(fileURLToPath(bundled))) return { url: bundled, workerData: {} }
    }
  }
  return {
    url: new URL('./boot.mjs', here),
    workerData: { entry: pathToFileURL(fileURLToPath(new URL('./worker.ts', here))).href }
  }
}

/**
 * How long a worker may take to finish the image in hand once asked to stop, before it is terminated
 * anyway (a 268 MP scan decodes in seconds; an engine normally stops within one inference, ~50 ms).
 */
const STOP_TIMEOUT_MS = 30_000

/**
 * Stops a worker between two native calls: it finishes the inference in hand and exits. Never
 * worker.terminate() while it may be inside ONNX Runtime or libvips: when that call returns into the
 * dying thread, node-addon-api throws a C++ Napi::Error and the whole process aborts ("terminate called
 * after throwing an instance of 'Napi::Error'"), the Electron main process included.
 */
function stopWorker(worker: Worker): Promise<void> {
  return new Promise<void>((resolve) => {
    if (worker.threadId < 0) return resolve() // already exited
    const timer = setTimeout(() => void worker.terminate(), STOP_TIMEOUT_MS)
    worker.once('exit', () => {
      clearTimeout(timer)
      resolve()
    })
    try {
      worker.postMessage({ kind: 'stop' } satisfies WorkerStop)
    } catch {
      void worker.terminate()
    }
  })
}

/** the rejection of a request made to an engine that has begun to close (it never reached a worker) */
export function engineClosedError(): Error {
  return Object.assign(new Error('engine is closed'), { code: 'engine-closed' })
}

export const isEngineClosedError = (err: unknown): boolean => (err as { code?: string } | null)?.code === 'engine-closed'

/** every engine not yet closed, so that a process about to exit can stop their workers first */
const live = new Set<EnginePool>()

/**
 * Closes every open engine of this process, for code that must call process.exit() (a closed pipe, a
 * second Ctrl+C): process.exit() terminates worker threads wherever they are, which aborts the process
 * if one is inside a native call (see stopWorker).
 */
export async function closeAllEngines(): Promise<void> {
  await Promise.all([...live].map((e) => e.close()))
}

/** `data` itself when it owns its whole ArrayBuffer (so it can be transferred), else a copy that does */
function owned(data: Uint8Array): Uint8Array {
  const whole = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength
  return whole && data.buffer instanceof ArrayBuffer ? data : new Uint8Array(data)
}

/**
 * Workers when the caller names no number: PLATEDESK_WORKERS (a whole number >= 1, e.g. to leave cores
 * to other work), else one per CPU core.
 */
export function defaultWorkers(): number {
  const n = Number(process.env.PLATEDESK_WORKERS)
  return Number.isInteger(n) && n >= 1 ? n : availableParallelism()
}

export interface PoolOptions extends PipelineOptions {
  workers?: number
}

export class EnginePool implements Engine {
  private readonly slots: Slot[] = []
  private readonly queue: Job[] = []
  private nextId = 1
  /** no new requests (close() called) */
  private closed = false
  /** the workers are being stopped: their exits are expected */
  private stopping = false
  /** close({ drain: true }) waiting for the requests already accepted */
  private drained: (() => void) | null = null
  private info = { detectorId: null as string | null, recognizerId: null as string | null, provider: 'cpu' as ExecutionProvider }
  private error: string | null = null
  /** every worker started, ready or not, so close() also stops ones still loading their models */
  private readonly all = new Set<Worker>()

  private constructor(
    private readonly opts: PoolOptions,
    private readonly models: ModelStatus[]
  ) {}

  /** Starts the workers and waits until every one has loaded its models (rejects if any fails). */
  static async create(opts: PoolOptions, models: ModelStatus[] = []): Promise<EnginePool> {
    const pool = new EnginePool(opts, models)
    live.add(pool)
    const n = Math.max(1, opts.workers ?? defaultWorkers())
    try {
      await Promise.all(Array.from({ length: n }, () => pool.spawn()))
    } catch (err) {
      await pool.close()
      throw err
    }
    return pool
  }

  private spawn(): Promise<void> {
    const { url, workerData } = workerSpec()
    const { workers: _w, ...pipelineOpts } = this.opts
    const worker = new Worker(url, { workerData: { ...workerData, options: pipelineOpts } })
    const slot: Slot = { worker, tid: null, jobs: [] }
    this.all.add(worker)
    worker.once('exit', () => this.all.delete(worker))
    return new Promise<void>((resolve, reject) => {
      let ready = false
      worker.on('message', (msg: WorkerMessage) => {
        if (msg.type === 'ready') {
          ready = true
          slot.tid = msg.tid
          if (this.closed) {
            void stopWorker(worker)
            return reject(new Error('engine closed during start-up'))
          }
          this.info = { detectorId: msg.detectorId, recognizerId: msg.recognizerId, provider: msg.provider as ExecutionProvider }
          if (msg.warning && !this.error) {
            this.error = msg.warning
            process.stderr.write(`platedesk engine: warning: ${msg.warning}\n`)
          }
          this.slots.push(slot)
          resolve()
          this.dispatch()
        } else if (msg.type === 'init-error') {
          const e = new Error(msg.message)
          e.name = msg.name
          const bad = this.models.find((m) => m.state !== 'ok' && msg.message.includes(m.file))
          reject(msg.name === 'ModelError' && bad ? new ModelError(bad) : e)
        } else {
          const i = slot.jobs.findIndex((j) => j.req.id === msg.id)
          const job = i >= 0 ? slot.jobs.splice(i, 1)[0] : undefined
          if (job) {
            if (msg.type === 'result') job.resolve(msg.result)
            else {
              const e = new Error(msg.message)
              e.name = msg.name
              job.reject(e)
            }
          }
          this.dispatch()
          this.checkDrained()
        }
      })
      worker.on('error', (err) => {
        if (!ready) return reject(err)
        this.fail(slot, err)
      })
      worker.on('exit', (code) => {
        if (!ready) return reject(new Error(`engine worker exited during start-up (code ${code})`))
        if (!this.stopping) this.fail(slot, new Error(`engine worker exited unexpectedly (code ${code})`))
      })
    })
  }

  /** A crashed worker fails only its own request; a fresh worker takes its place. */
  private fail(slot: Slot, err: Error): void {
    const i = this.slots.indexOf(slot)
    if (i < 0) return
    this.slots.splice(i, 1)
    // only the oldest request was running; the ones waiting in its inbox go back to the queue's front
    const [running, ...waiting] = slot.jobs.splice(0)
    running?.reject(new Error(`engine worker failed: ${err.message}`))
    this.queue.unshift(...waiting)
    void slot.worker.terminate()
    if (!this.closed) {
      this.spawn().catch((e) => {
        this.error = `could not restart an engine worker: ${(e as Error).message}`
        // with no worker left, nothing would ever answer the queue
        if (this.slots.length === 0) for (const j of this.queue.splice(0)) j.reject(new Error(this.error))
      })
    } else if (this.slots.length === 0) {
      // draining with no worker left: nothing will answer the rest
      for (const j of this.queue.splice(0)) j.reject(new Error(`engine worker failed: ${err.message}`))
    }
    this.checkDrained()
  }

  /** resolves close({ drain: true })'s wait once every accepted request has been answered */
  private checkDrained(): void {
    if (this.drained && this.queue.length === 0 && this.slots.every((s) => s.jobs.length === 0)) {
      const done = this.drained
      this.drained = null
      done()
    }
  }

  private dispatch(): void {
    // fill the emptiest workers first, so a short queue is spread over all workers
    for (let depth = 0; depth < PER_WORKER; depth++) {
      for (const slot of this.slots) {
        if (slot.jobs.length > depth) continue
        const job = this.queue.shift()
        if (!job) return
        this.send(slot, job)
      }
    }
  }

  private send(slot: Slot, job: Job): void {
    slot.jobs.push(job)
    try {
      slot.worker.postMessage(job.req, job.transfer)
    } catch {
      // some buffers (e.g. memory owned by a native addon) cannot be transferred: send a copy
      const req = job.req.kind === 'file' ? job.req : { ...job.req, data: new Uint8Array(job.req.data) }
      slot.worker.postMessage(req, req.kind === 'file' ? [] : [req.data.buffer as ArrayBuffer])
    }
  }

  private submit(req: WorkerRequest, transfer: ArrayBuffer[] = []): Promise<ImageRecognition> {
    if (this.closed) return Promise.reject(engineClosedError())
    return new Promise((resolve, reject) => {
      this.queue.push({ req, transfer, resolve, reject })
      this.dispatch()
    })
  }

  /** requests waiting for a worker (not counting the ones running) */
  get queued(): number {
    return this.queue.length
  }

  /** kernel thread ids of the running workers (Linux; empty elsewhere): benchmarks split CPU by thread */
  threadIds(): number[] {
    return this.slots.flatMap((s) => (s.tid != null ? [s.tid] : []))
  }

  get size(): number {
    return this.slots.length
  }

  recognizeFile(path: string, opts?: RecognizeOptions): Promise<ImageRecognition> {
    return this.submit({ id: this.nextId++, kind: 'file', path, ...(opts ? { opts } : {}) })
  }

  /** The bytes are transferred (zero-copy) when they own their whole ArrayBuffer, else copied. */
  recognizeBytes(bytes: Uint8Array, name: string, opts?: RecognizeOptions): Promise<ImageRecognition> {
    const data = owned(bytes)
    return this.submit({ id: this.nextId++, kind: 'bytes', data, name, ...(opts ? { opts } : {}) }, [data.buffer as ArrayBuffer])
  }

  /**
   * The frame's pixels are transferred (zero-copy) when they own their whole ArrayBuffer, which then
   * becomes detached in the caller; otherwise (a slice of a bigger buffer) they are copied.
   */
  recognizeRaw(image: RawImage, opts?: RecognizeOptions): Promise<ImageRecognition> {
    const data = owned(image.data)
    const req: WorkerRequest = { id: this.nextId++, kind: 'raw', data, width: image.width, height: image.height, ...(opts ? { opts } : {}) }
    return this.submit(req, [data.buffer as ArrayBuffer])
  }

  status(): EngineStatus {
    return {
      ready: !this.closed && this.slots.length > 0,
      detector: this.info.detectorId,
      recognizer: this.info.recognizerId,
      provider: this.info.provider,
      workers: this.slots.length,
      error: this.error,
      models: this.models
    }
  }

  /**
   * Stops the engine; later requests reject. `drain`: the requests already accepted are answered first
   * (an engine replaced on a settings change lets an import's images in flight finish on it); otherwise
   * they reject at once. Either way each worker finishes the image in hand before it exits (stopWorker).
   */
  async close(opts: { drain?: boolean } = {}): Promise<void> {
    if (this.closed) return
    this.closed = true
    live.delete(this)
    if (opts.drain && this.slots.length) {
      await new Promise<void>((resolve) => {
        this.drained = resolve
        this.checkDrained()
      })
    }
    this.stopping = true
    for (const j of this.queue.splice(0)) j.reject(new Error('engine closed before this request ran'))
    for (const s of this.slots.splice(0)) {
      for (const j of s.jobs.splice(0)) j.reject(new Error('engine closed before this request finished'))
    }
    await Promise.all([...this.all].map(stopWorker))
  }
}
