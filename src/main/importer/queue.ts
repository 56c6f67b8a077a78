// The import queue. A job (roots + options) and its items (files) live in the database; each file is
// processed and then committed in ONE transaction with everything found in it and its item state, so a
// process killed at any moment leaves each file either absent or whole, and the next start resumes the
// job from its pending items. Jobs run one after another; inside a job several files are in flight so
// the engine's worker pool stays busy.
import { stat } from 'node:fs/promises'
import { resolve } from 'node:path'
import type { Engine, RecognizeOptions } from '../engine/types'
import { getModel } from '../engine/models'
import type { Library } from '../db/index'
import type { CommitOutcome, FileDetection, FileFrame, FileResult, ImportOptions, ItemRecord, JobRecord } from '../db/imports'
import { blankFileResult } from '../db/imports'
import type { FileProgress, ImageRecognition, ImportProgress } from '../../shared/types'
import { readWholeFile, sha256Bytes, sha256File, WHOLE_FILE_MAX } from '../media/hash'
import { readExif } from '../media/exif'
import { probeVideo } from '../media/probe'
import { DEFAULT_MAX_SIDE } from '../media/images'
import { decodeVideo } from '../media/video'
import { trackVideo } from '../tracking/build'
import { frameChange, frameSignature, isUnchanged, MAX_REUSE_S, type FrameSignature } from './static-frames'
import { mediaKind, scanPaths, type ScanProgress, type ScanResult } from './scan'
import type { ImportProfile, ImportStage } from './profile'

/** how one file ended (committed, a duplicate or an error), its plates and, for a video, the frames the parked-camera skip reused */
type FileOutcome = { state: CommitOutcome['state']; plates: number; error: string | null; framesSkipped?: number }

export interface ImportQueueOptions {
  library: Library
  engine: () => Promise<Engine>
  /** progress of the running job (throttled) and on every state change */
  onProgress?: (p: ImportProgress) => void
  /** files were committed (throttled) */
  onCommitted?: () => void
  /** one line per finished file, for logs and the CLI */
  onFile?: (e: { jobId: number; path: string } & FileOutcome) => void
  /** folders and files found so far while the paths of a new job are scanned (throttled) */
  onScanProgress?: (p: ScanProgress) => void
  /** a job could not run (engine failed to start) */
  onError?: (err: Error) => void
  /** files in flight; default 2 x engine workers + 2: every worker's inbox full, and two files hashed and queued behind them */
  concurrency?: number
  /** ms between throttled progress events; default 250 */
  progressIntervalMs?: number
  /** frames of one video in flight (decoded, queued or being recognised); default 2 x workers + 1 */
  videoWindow?: number
  /** benchmarks: where the time goes, per stage */
  profile?: ImportProfile
}

interface RunState {
  job: JobRecord
  stop: 'pause' | 'cancel' | 'close' | null
  abort: AbortController
  total: number
  processed: number
  failed: number
  duplicates: number
  plates: number
  doneThisRun: number
  startedAt: number
  currentFile: string | null
  /** the video being decoded: frames recognised so far of the expected total */
  video: { path: string; done: number; total: number | null; startedAt: number } | null
}

/** frames a decode will yield: duration x sampling rate, else the container's count, else duration x fps */
export function expectedFrames(info: { durationS: number | null; fps: number | null; frames: number | null }, fps: number): number | null {
  if (fps > 0) return info.durationS ? Math.max(1, Math.floor(info.durationS * fps)) : null
  if (info.frames) return info.frames
  return info.durationS && info.fps ? Math.max(1, Math.round(info.durationS * info.fps)) : null
}

function fileProgress(v: NonNullable<RunState['video']>): FileProgress {
  const elapsed = (Date.now() - v.startedAt) / 1000
  const rate = elapsed > 0 ? v.done / elapsed : 0
  const total = v.total != null ? Math.max(v.total, v.done) : null
  return {
    path: v.path,
    framesDone: v.done,
    framesTotal: total,
    framesPerSecond: Math.round(rate * 100) / 100,
    etaSeconds: total != null && rate > 0 ? Math.round((total - v.done) / rate) : null
  }
}

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err))

/** errors name the file: prefix the path unless the message already contains it */
function fileError(path: string, err: unknown): string {
  const m = messageOf(err)
  return m.includes(path) ? m : `${path}: ${m}`
}

export class ImportQueue {
  private run: RunState | null = null
  private loop: Promise<void> | null = null
  private closed = false
  /** why the last job could not run (e.g. the engine failed to start) */
  lastError: Error | null = null
  private lastEmit = 0
  private lastCommitEmit = 0
  private videoLock: Promise<void> = Promise.resolve()
  private hashesInFlight = new Map<string, Promise<void>>()
  private scans = new Set<AbortController>()
  /** what the last scan skipped and why (links leading out of the roots, pseudo filesystems) */
  lastScanNotes: string[] = []

  constructor(private readonly o: ImportQueueOptions) {}

  private get lib(): Library {
    return this.o.library
  }

  private sync<T>(stage: ImportStage, fn: () => T): T {
    return this.o.profile ? this.o.profile.sync(stage, fn) : fn()
  }

  private wait<T>(stage: ImportStage, p: Promise<T>): Promise<T> {
    return this.o.profile ? this.o.profile.wait(stage, p) : p
  }

  /**
   * Scans the paths, persists a job with one item per file (one transaction) and starts it. The scan
   * stops (rejecting with ScanCancelledError, nothing persisted) on `signal`, cancelScans() or close().
   */
  async enqueue(paths: string[], options: Partial<ImportOptions> = {}, signal?: AbortSignal): Promise<number> {
    if (this.closed) throw new Error('import queue is closed')
    const fps = options.fps ?? this.lib.reader.settings().videoFps
    // an unknown model is the caller's mistake: say so now, not once per file
    if (options.recognizerId) for (const id of options.recognizerId.split('+')) getModel(id)
    const extra = {
      ...(options.recognizerId ? { recognizerId: options.recognizerId } : {}),
      ...(options.crops ? { crops: true } : {}),
      ...(options.skipStatic === false ? { skipStatic: false } : {})
    }
    const abort = new AbortController()
    const onAbort = () => abort.abort()
    signal?.addEventListener('abort', onAbort, { once: true })
    if (signal?.aborted) abort.abort()
    this.scans.add(abort)
    let scan: ScanResult
    try {
      scan = await scanPaths(paths, { signal: abort.signal, onProgress: this.o.onScanProgress })
    } finally {
      this.scans.delete(abort)
      signal?.removeEventListener('abort', onAbort)
    }
    this.lastScanNotes = scan.notes
    const roots = paths.map((p) => resolve(p))
    const jobId = this.lib.imports.createJob(roots, { fps, ...extra }, scan.files)
    for (const f of scan.failures) this.lib.imports.addFailedItem(jobId, f.path, f.root, f.error)
    this.lib.imports.setJobState(jobId, 'queued')
    this.kick()
    return jobId
  }

  /** Stops the scans of enqueue() calls still walking their folders. Returns how many were stopped. */
  cancelScans(): number {
    const n = this.scans.size
    for (const a of this.scans) a.abort()
    return n
  }

  /** Resumes every job that was queued or running when the process stopped. Returns their ids. */
  resumeUnfinished(): number[] {
    const ids = this.lib.imports.unfinishedJobs().map((j) => j.id)
    if (ids.length) this.kick()
    return ids
  }

  pause(jobId: number): ImportProgress {
    const job = this.mustJob(jobId)
    if (this.run?.job.id === jobId) this.run.stop = 'pause'
    if (job.state === 'queued' || job.state === 'running') this.lib.imports.setJobState(jobId, 'paused')
    const p = this.progress(jobId)
    this.o.onProgress?.(p)
    return p
  }

  resume(jobId: number): ImportProgress {
    const job = this.mustJob(jobId)
    if (job.state === 'paused' || job.state === 'error') {
      if (this.run?.job.id === jobId && this.run.stop === 'pause') {
        this.run.stop = null // resumed before the in-flight files drained: keep going
        this.lib.imports.setJobState(jobId, 'running')
      } else this.lib.imports.setJobState(jobId, 'queued')
      this.lastError = null
      this.kick()
    }
    const p = this.progress(jobId)
    this.o.onProgress?.(p)
    return p
  }

  cancel(jobId: number): ImportProgress {
    const job = this.mustJob(jobId)
    if (this.run?.job.id === jobId) {
      this.run.stop = 'cancel'
      this.run.abort.abort()
    }
    if (job.state !== 'done' && job.state !== 'cancelled') {
      this.lib.imports.cancelPending(jobId)
      this.lib.imports.setJobState(jobId, 'cancelled')
    }
    const p = this.progress(jobId)
    this.o.onProgress?.(p)
    return p
  }

  /** progress of the running job, else of the newest job, else null */
  status(): ImportProgress | null {
    if (this.run) return this.progress(this.run.job.id)
    const job = this.lib.imports.latestJob()
    return job ? this.progress(job.id) : null
  }

  progress(jobId: number): ImportProgress {
    const job = this.mustJob(jobId)
    const r = this.run?.job.id === jobId ? this.run : null
    if (r) {
      const elapsed = (Date.now() - r.startedAt) / 1000
      const fps = elapsed > 0 ? r.doneThisRun / elapsed : 0
      const left = r.total - r.processed
      const inFile = r.video ? fileProgress(r.video) : null
      // before any file is done the files/s estimate is empty: the last file's time left is the job's
      const eta = fps > 0 ? Math.round(left / fps) : left === 1 && inFile?.etaSeconds != null ? inFile.etaSeconds : null
      return {
        jobId,
        state: job.state,
        filesTotal: r.total,
        filesDone: r.processed,
        filesFailed: r.failed,
        filesDuplicate: r.duplicates,
        platesFound: r.plates,
        currentFile: r.currentFile,
        filesPerSecond: Math.round(fps * 100) / 100,
        etaSeconds: eta,
        fileProgress: inFile
      }
    }
    const c = this.lib.imports.counts(jobId)
    return {
      jobId,
      state: job.state,
      filesTotal: c.total,
      // files that were processed: a cancelled job's skipped files are not done
      filesDone: c.total - c.pending - c.cancelled,
      filesFailed: c.failed,
      filesDuplicate: c.duplicate,
      platesFound: c.plates,
      currentFile: null,
      filesPerSecond: 0,
      etaSeconds: null
    }
  }

  /** resolves when no job is left to run */
  async idle(): Promise<void> {
    while (this.loop) await this.loop
  }

  /** stops after the files in flight (the running job stays 'running' and resumes on the next start) */
  async close(): Promise<void> {
    this.closed = true
    this.cancelScans()
    if (this.run) {
      this.run.stop = 'close'
      this.run.abort.abort()
    }
    await this.idle()
  }

  private mustJob(jobId: number): JobRecord {
    const job = this.lib.imports.getJob(jobId)
    if (!job) throw Object.assign(new Error(`import job ${jobId} not found`), { code: 'not-found' })
    return job
  }

  private kick(): void {
    if (this.loop || this.closed) return
    this.loop = (async () => {
      try {
        for (;;) {
          if (this.closed) break
          const next = this.lib.imports.unfinishedJobs()[0]
          if (!next) break
          await this.runJob(next)
        }
      } catch (err) {
        // the engine could not start: the job is marked 'error' (resumable); stop here
        this.lastError = err instanceof Error ? err : new Error(String(err))
        this.o.onError?.(this.lastError)
      } finally {
        this.loop = null
      }
    })()
  }

  private emit(force = false): void {
    if (!this.run || !this.o.onProgress) return
    const now = Date.now()
    if (!force && now - this.lastEmit < (this.o.progressIntervalMs ?? 250)) return
    this.lastEmit = now
    this.o.onProgress(this.progress(this.run.job.id))
  }

  private committed(): void {
    const now = Date.now()
    if (now - this.lastCommitEmit < 1000) return
    this.lastCommitEmit = now
    this.o.onCommitted?.()
  }

  private async runJob(job: JobRecord): Promise<void> {
    const lib = this.lib
    lib.imports.setJobState(job.id, 'running')
    const c = lib.imports.counts(job.id)
    const r: RunState = {
      job,
      stop: null,
      abort: new AbortController(),
      total: c.total,
      processed: c.total - c.pending - c.cancelled,
      failed: c.failed,
      duplicates: c.duplicate,
      plates: c.plates,
      doneThisRun: 0,
      startedAt: Date.now(),
      currentFile: null,
      video: null
    }
    this.run = r
    this.emit(true)
    let engine: Engine
    try {
      engine = await this.o.engine()
    } catch (err) {
      lib.imports.setJobState(job.id, 'error')
      this.emit(true)
      this.run = null
      throw err
    }
    const workers = Math.max(1, engine.status().workers || 1)
    const concurrency = Math.max(1, this.o.concurrency ?? workers * 2 + 2)
    const inFlight = new Set<Promise<void>>()
    let cursor = 0
    let buffer: ItemRecord[] = []
    let exhausted = false
    try {
      while (!r.stop) {
        while (inFlight.size < concurrency && !r.stop) {
          if (!buffer.length && !exhausted) {
            buffer = lib.imports.pendingItems(job.id, cursor, 256)
            if (!buffer.length) exhausted = true
            else cursor = buffer[buffer.length - 1].id
          }
          const item = buffer.shift()
          if (!item) break
          const p: Promise<void> = this.processItem(engine, job, item, r).finally(() => inFlight.delete(p))
          inFlight.add(p)
        }
        if (!inFlight.size) break
        await Promise.race(inFlight)
      }
      await Promise.allSettled([...inFlight])
    } finally {
      const stop = r.stop
      const state = lib.imports.getJob(job.id)?.state
      const pending = lib.imports.counts(job.id).pending
      if (stop === 'cancel' || state === 'cancelled') {
        lib.imports.cancelPending(job.id)
        lib.imports.setJobState(job.id, 'cancelled')
      } else if (pending === 0) {
        lib.imports.setJobState(job.id, 'done')
      } else if (stop === 'pause') {
        lib.imports.setJobState(job.id, 'paused')
      } else if (stop === 'close') {
        // leave it 'running': the next start resumes it
      } else {
        // items that could not even be marked failed (the database refused the write): stop here rather
        // than loop; 'error' jobs resume on request
        lib.imports.setJobState(job.id, 'error')
        this.lastError = new Error(`import job ${job.id}: ${pending} files could not be recorded in the library`)
        this.o.onError?.(this.lastError)
      }
      this.emit(true)
      this.o.onCommitted?.()
      this.run = null
    }
  }

  private async processItem(engine: Engine, job: JobRecord, item: ItemRecord, r: RunState): Promise<void> {
    r.currentFile = item.path
    let outcome: FileOutcome | null
    try {
      outcome = await this.importFile(engine, job, item, r)
      if (!outcome) return // interrupted by cancel/close: nothing committed, the item stays pending
    } catch (err) {
      // a bug or a database error: record it on the item, never stop the batch
      const error = fileError(item.path, err)
      try {
        this.lib.imports.commitItemError(item.id, error)
      } catch {
        /* database gone (closing): the item stays pending and is retried next start */
      }
      outcome = { state: 'error', plates: 0, error }
    }
    r.processed++
    r.doneThisRun++
    if (outcome.state === 'error') r.failed++
    else if (outcome.state === 'duplicate') r.duplicates++
    r.plates += outcome.plates
    try {
      this.o.onFile?.({ jobId: job.id, path: item.path, ...outcome })
    } catch {
      /* a listener's failure (e.g. a closed stdout) must not stop the import */
    }
    this.emit()
    this.committed()
  }

  private async importFile(
    engine: Engine,
    job: JobRecord,
    item: ItemRecord,
    r: RunState
  ): Promise<FileOutcome | null> {
    const store = this.lib.imports
    const path = item.path
    let st
    try {
      st = await stat(path)
    } catch (err) {
      const e = err as NodeJS.ErrnoException
      const error = `${path}: cannot read (${e.code === 'ENOENT' ? 'file no longer exists' : e.code ?? e.message})`
      store.commitItemError(item.id, error)
      return { state: 'error', plates: 0, error }
    }
    if (!st.isFile()) {
      const error = `${path}: not a regular file`
      store.commitItemError(item.id, error)
      return { state: 'error', plates: 0, error }
    }
    const known = this.sync('lookup', () => store.knownPath(path, st.size, st.mtimeMs))
    if (known != null) {
      store.commitDuplicate(item.id, known, path, st.size, st.mtimeMs)
      return { state: 'duplicate', plates: 0, error: null }
    }
    const kind = mediaKind(path)
    if (!kind) {
      const error = `${path}: unsupported file type`
      store.commitItemError(item.id, error)
      return { state: 'error', plates: 0, error }
    }
    let sha: string
    // a photo is read once: its bytes give the hash, the EXIF and (moved to a worker) the decode
    let bytes: Buffer | null = null
    try {
      if (kind === 'image' && st.size <= WHOLE_FILE_MAX && engine.recognizeBytes) {
        bytes = await this.wait('hash', readWholeFile(path, st.size))
        sha = this.sync('hash', () => sha256Bytes(bytes!))
      } else sha = await this.wait('hash', sha256File(path))
    } catch (err) {
      const error = fileError(path, err)
      store.commitItemError(item.id, error)
      return { state: 'error', plates: 0, error }
    }
    // the same bytes already in flight under another name: wait for that file instead of recognising twice
    for (let other = this.hashesInFlight.get(sha); other; other = this.hashesInFlight.get(sha)) await other
    const existing = this.sync('lookup', () => store.existingByHash(sha))
    if (existing != null) {
      store.commitDuplicate(item.id, existing, path, st.size, st.mtimeMs)
      return { state: 'duplicate', plates: 0, error: null }
    }
    let settle!: () => void
    this.hashesInFlight.set(sha, new Promise<void>((res) => (settle = res)))
    try {
      return await this.recognizeAndCommit(engine, job, item, r, st, kind, sha, bytes)
    } finally {
      this.hashesInFlight.delete(sha)
      settle()
    }
  }

  private async recognizeAndCommit(
    engine: Engine,
    job: JobRecord,
    item: ItemRecord,
    r: RunState,
    st: { size: number; mtimeMs: number },
    kind: 'image' | 'video',
    sha: string,
    bytes: Buffer | null
  ): Promise<FileOutcome | null> {
    const store = this.lib.imports
    const path = item.path
    const f = blankFileResult({
      path,
      folder: item.root,
      size: st.size,
      mtimeMs: st.mtimeMs,
      sha256: sha,
      kind
    })
    try {
      await this.recogniseInto(engine, f, job.options, r, kind, bytes)
    } catch (err) {
      f.status = 'error'
      f.error = fileError(path, err)
    }
    // interrupted mid-video: commit nothing for it, it stays pending (resume) or becomes cancelled
    if (f.status === 'error' && r.abort.signal.aborted) return null
    const out = this.sync('commit', () => store.commitFile(item.id, f))
    if (this.o.profile) this.o.profile.commits++
    return { state: out.state, plates: out.plates, error: f.error, ...(f.framesSkipped != null ? { framesSkipped: f.framesSkipped } : {}) }
  }

  /** recognises f.path (an image, or a video: decoded, tracked) into f's frames and tracks; throws when it cannot */
  private async recogniseInto(engine: Engine, f: FileResult, options: ImportOptions, r: RunState, kind = f.kind, bytes?: Buffer | null): Promise<void> {
    const crops = !!options.crops
    const detector = crops ? 'crop' : (engine.status().detector ?? 'detector')
    const ro: RecognizeOptions | undefined = options.recognizerId || crops ? { recognizerId: options.recognizerId, crop: crops } : undefined
    if (kind === 'image') await this.image(engine, f, detector, ro, bytes)
    else if (crops) throw new Error('a plate-crop import takes images only, not videos')
    else await this.video(engine, f, detector, options.fps, r, ro, options.skipStatic !== false)
  }

  /**
   * One file outside any library job (the team work queue's workers): recognised into `f` (f.path is
   * read), nothing committed. Throws when it cannot be read; f.status 'error' when only partly (a
   * truncated video). `signal` stops a video between frames.
   */
  async recogniseFile(engine: Engine, f: FileResult, options: ImportOptions, signal?: AbortSignal): Promise<void> {
    const abort = new AbortController()
    if (signal) signal.addEventListener('abort', () => abort.abort(), { once: true })
    const job: JobRecord = { id: 0, roots: [f.folder], options, state: 'running', createdAt: '', finishedAt: null }
    const r: RunState = { job, stop: null, abort, total: 1, processed: 0, failed: 0, duplicates: 0, plates: 0, doneThisRun: 0, startedAt: Date.now(), currentFile: f.path, video: null }
    await this.recogniseInto(engine, f, options, r)
  }

  private async image(engine: Engine, f: FileResult, detector: string, ro?: RecognizeOptions, bytes?: Buffer | null): Promise<void> {
    let exif: Awaited<ReturnType<typeof readExif>>
    let rec: ImageRecognition
    if (bytes && engine.recognizeBytes) {
      // EXIF first: the bytes are then moved (not copied) to a worker and unusable here
      exif = await this.wait('exif', readExif(bytes))
      rec = await this.wait('engine-wait', engine.recognizeBytes(bytes, f.path, ro))
    } else {
      ;[exif, rec] = await Promise.all([this.wait('exif', readExif(f.path)), this.wait('engine-wait', engine.recognizeFile(f.path, ro))])
    }
    this.o.profile?.recognised('files', rec.timings)
    f.capturedAt = exif.capturedAt
    f.gpsLat = exif.lat
    f.gpsLon = exif.lon
    f.width = rec.width
    f.height = rec.height
    f.frames = [{ idx: 0, timeS: null, width: rec.width, height: rec.height, detections: toDetections(rec, detector) }]
  }

  /** decodes (one video at a time), recognises a few frames in parallel, tracks and votes */
  private async video(engine: Engine, f: FileResult, detector: string, fps: number, r: RunState, ro?: RecognizeOptions, skipStatic = true): Promise<void> {
    const signal = r.abort.signal
    const info = await probeVideo(f.path)
    // sampling at or above the source rate would only duplicate frames: take every frame instead
    if (fps > 0 && info.fps && fps >= info.fps) fps = 0
    f.width = info.width
    f.height = info.height
    f.durationS = info.durationS
    f.fps = fps > 0 ? fps : info.fps
    f.capturedAt = info.createdAt
    let release!: () => void
    const prev = this.videoLock
    this.videoLock = new Promise<void>((res) => (release = res))
    await prev
    const progress = { path: f.path, done: 0, total: expectedFrames(info, fps), startedAt: Date.now() }
    r.video = progress
    r.currentFile = f.path
    this.emit(true)
    let decodeError: unknown = null
    let frameError: unknown = null
    // Every worker's inbox full (the pool sends 2 per worker) plus one decoded frame ready for the
    // first worker to free up; a new frame is decoded as soon as ANY frame comes back, so one slow
    // frame never idles the other workers. Memory: `depth` frames (2.7 MB each at 720p).
    const depth = Math.max(2, this.o.videoWindow ?? engine.status().workers * 2 + 1)
    const inFlight = new Set<Promise<void>>()
    // parked camera: the last frame sent to the engine, to which later frames are compared
    let ref: { sig: FrameSignature; timeS: number; slot: FileFrame; done: Promise<void> } | null = null
    const reused: Promise<void>[] = []
    const frames = decodeVideo(f.path, { fps, info, signal, maxSide: DEFAULT_MAX_SIDE })
    try {
      try {
        // frames come at the engine's working size (the video's own size up to DEFAULT_MAX_SIDE, scaled by
        // ffmpeg above it): the OCR reads its crops from them, so they are never scaled down to the
        // detector's input; boxes are mapped back to the video's own pixels
        for (;;) {
          const next = await this.wait('decode-wait', frames.next())
          if (next.done) break
          const fr = next.value
          const slot: FileFrame = { idx: fr.idx, timeS: fr.timeS, width: info.width, height: info.height, detections: [] }
          const sx = info.width / fr.image.width
          const sy = info.height / fr.image.height
          f.frames.push(slot)
          // before recognizeRaw: the frame's pixels are moved to a worker
          const sig = skipStatic ? this.sync('still-check', () => frameSignature(fr.image)) : null
          const last = ref
          if (sig && last && fr.timeS - last.timeS < MAX_REUSE_S - 1e-6 && this.sync('still-check', () => isUnchanged(frameChange(last.sig, sig)))) {
            // nothing moved since the frame the engine last ran on: its detections (once back) are this
            // frame's too, copied because tracking marks each frame's detections
            slot.reusedFrom = last.slot.idx
            reused.push(
              last.done.then(() => {
                slot.detections = structuredClone(last.slot.detections)
                progress.done++
                this.emit()
              })
            )
            continue
          }
          const p: Promise<void> = engine
            .recognizeRaw(fr.image, ro)
            .then(
              (rec) => {
                slot.detections = toDetections(rec, detector, sx, sy)
                this.o.profile?.recognised('frames', rec.timings)
              },
              (err) => void (frameError ??= err)
            )
            .finally(() => {
              inFlight.delete(p)
              progress.done++
              this.emit()
            })
          inFlight.add(p)
          if (sig) ref = { sig, timeS: fr.timeS, slot, done: p }
          if (inFlight.size >= depth) await this.wait('engine-wait', Promise.race(inFlight))
        }
      } catch (err) {
        decodeError = err
      }
      await Promise.all(inFlight)
      await Promise.all(reused)
    } finally {
      await frames.return().catch(() => undefined) // stops ffmpeg if the loop left early
      if (r.video === progress) r.video = null
      release()
    }
    if (signal.aborted) throw decodeError ?? new Error('cancelled')
    if (!f.frames.length) throw decodeError ?? new Error('no frames')
    if (skipStatic) f.framesSkipped = f.frames.filter((fr) => fr.reusedFrom != null).length
    this.sync('track', () => buildTracks(f))
    if (decodeError) {
      f.status = 'error'
      f.error = fileError(f.path, decodeError)
    } else if (frameError) {
      f.status = 'error'
      f.error = fileError(f.path, frameError)
    }
  }
}

function toDetections(rec: ImageRecognition, detector: string, sx = 1, sy = 1): FileDetection[] {
  return rec.plates.map((p) => {
    const b = p.detection.box
    const box = sx === 1 && sy === 1 ? b : { x1: b.x1 * sx, y1: b.y1 * sy, x2: b.x2 * sx, y2: b.y2 * sy }
    const c = p.detection.corners
    const corners = c && (sx === 1 && sy === 1 ? c : (c.map(([x, y]) => [x * sx, y * sy]) as typeof c))
    return { box, score: p.detection.score, detector, read: p.read, ...(corners ? { corners } : {}) }
  })
}

/** tracks the detections of a video's frames, votes each track's text, picks its best detection */
export function buildTracks(f: FileResult): void {
  f.tracks = trackVideo(f.frames, f.fps)
}
