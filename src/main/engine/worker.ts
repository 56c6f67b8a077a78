// Engine worker thread: one Pipeline (own 1-thread ONNX sessions, sharp with 1 thread) per worker,
// answering requests from pool.ts in order, inferring one at a time. Parallelism comes from running several workers.
import { readlinkSync } from 'node:fs'
import { parentPort, workerData } from 'node:worker_threads'
import sharp from 'sharp'
import { ModelError } from './models'
import { Pipeline, type DecodeInput, type PipelineOptions } from './pipeline'
import type { RecognizeOptions } from './types'

export type WorkerRequest =
  | { id: number; kind: 'file'; path: string; opts?: RecognizeOptions }
  | { id: number; kind: 'raw'; data: Uint8Array; width: number; height: number; opts?: RecognizeOptions }
  | { id: number; kind: 'bytes'; data: Uint8Array; name: string; opts?: RecognizeOptions }

/** the pool's last message: finish the inference in hand, then exit (see pool.ts, stopWorker) */
export interface WorkerStop {
  kind: 'stop'
}

export type WorkerMessage =
  | { type: 'ready'; detectorId: string; recognizerId: string; provider: string; warning: string | null; tid: number | null }
  | { type: 'init-error'; message: string; name: string }
  | { type: 'result'; id: number; result: import('../../shared/types').ImageRecognition }
  | { type: 'error'; id: number; message: string; name: string }

if (!parentPort) throw new Error('engine worker: must run in a worker thread')
const port = parentPort

// one libvips thread per worker: the pool already uses every core with one worker per core
sharp.concurrency(1)
sharp.cache(false)

const opts = (workerData?.options ?? {}) as PipelineOptions
let pipeline: Pipeline
try {
  pipeline = await Pipeline.create({ ...opts, threads: opts.threads ?? 1 })
  port.postMessage({
    type: 'ready',
    detectorId: pipeline.detectorId,
    recognizerId: pipeline.recognizerId,
    provider: pipeline.provider,
    warning: pipeline.warning,
    tid: threadId()
  } satisfies WorkerMessage)
} catch (err) {
  const e = err as Error
  port.postMessage({ type: 'init-error', message: e.message, name: e instanceof ModelError ? 'ModelError' : e.name } satisfies WorkerMessage)
  process.exit(0)
}

/** this thread's kernel id (Linux), so benchmarks can tell the engine's CPU from the rest of the process */
function threadId(): number | null {
  try {
    return Number(readlinkSync('/proc/thread-self').split('/').pop()) || null
  } catch {
    return null
  }
}

// The pool sends up to two requests ahead. Each is decoded as soon as it arrives (libvips runs on
// libuv's threads), so the next image decodes while this one is in the detector or OCR; inference
// itself runs strictly one image after another (one image at a time keeps each worker on one core).
// At most two decoded images are held per worker. Results and errors go back in request order.
let chain: Promise<void> = Promise.resolve()
let stopping = false
port.on('message', (req: WorkerRequest | WorkerStop) => {
  if (req.kind === 'stop') {
    // exit only between native calls: a thread terminated inside ONNX Runtime or libvips aborts the
    // whole process when the call returns into the dying thread (node-addon-api throws Napi::Error)
    stopping = true
    void chain.then(() => process.exit(0))
    return
  }
  const input: DecodeInput =
    req.kind === 'file'
      ? { kind: 'file', path: req.path }
      : req.kind === 'bytes'
        ? { kind: 'bytes', data: req.data, name: req.name }
        : { kind: 'raw', image: { data: req.data, width: req.width, height: req.height, channels: 3 } }
  const decoded = pipeline.decode(input)
  decoded.catch(() => undefined) // reported in order by handle()
  chain = chain.then(() => handle(req, decoded))
})

async function handle(req: WorkerRequest, decoded: ReturnType<Pipeline['decode']>): Promise<void> {
  try {
    const d = await decoded
    if (stopping) return // the pool has already answered this request
    // timings count the decode and this inference, not the wait for the image before it
    const result = await pipeline.recognizeDecoded(d.img, d.decodeMs, performance.now() - d.decodeMs, req.opts)
    port.postMessage({ type: 'result', id: req.id, result } satisfies WorkerMessage)
  } catch (err) {
    const e = err as Error
    port.postMessage({ type: 'error', id: req.id, message: e.message ?? String(err), name: e.name ?? 'Error' } satisfies WorkerMessage)
  }
}
