// The persisted import queue (import_jobs / import_items) and the one-transaction commit of a processed
// file: media + media_paths + frames + detections + reads + tracks + plates + the item's state land
// together or not at all, so a process killed at any instant leaves each file either absent or whole.
import type { Db } from './db'
import type { Box, ImportProgress, MediaKind, PlateRead } from '../../shared/types'
import { Statements } from './statements'
import type { BuiltTrack } from '../tracking/build'

export type JobState = ImportProgress['state']
export type ItemState = 'pending' | 'done' | 'duplicate' | 'error' | 'cancelled'

export interface ImportOptions {
  /** video sampling rate, frames per second; 0 = every frame */
  fps: number
  /** the recognizer chain of this import (its recognition profile); absent = the engine's (settings) */
  recognizerId?: string
  /** every file is a plate crop: no detection, the whole image is the plate */
  crops?: boolean
  /** the job is a batch of the team work queue (recognition workers commit its items; never resumed locally) */
  queue?: true
  /** videos: reuse the last recognised frame's detections for frames unchanged since it (a parked
   *  camera; importer/static-frames.ts); absent = on, false = every sampled frame through the engine */
  skipStatic?: boolean
}

export interface JobRecord {
  id: number
  roots: string[]
  options: ImportOptions
  state: JobState
  createdAt: string
  finishedAt: string | null
}

export interface ItemRecord {
  id: number
  jobId: number
  path: string
  root: string
  state: ItemState
}

export interface JobCounts {
  total: number
  pending: number
  done: number
  duplicate: number
  failed: number
  cancelled: number
  plates: number
}

export interface FileDetection {
  box: Box
  score: number
  detector: string
  read: PlateRead | null
  /** the plate's corners (TL, TR, BR, BL) when the detector gives them; stored with the plate */
  corners?: [[number, number], [number, number], [number, number], [number, number]]
  /** index into FileResult.tracks (videos) */
  track?: number
  /** videos: a one-frame detection the OCR could not read with confidence; kept as model output, but not
   *  offered for review (a tracker's unconfirmed track: glare, a far-away plate seen once) */
  noise?: boolean
}

export interface FileFrame {
  idx: number
  timeS: number | null
  width: number
  height: number
  detections: FileDetection[]
  /** the engine did not run on this frame: it was unchanged since frame `reusedFrom`, whose detections it holds */
  reusedFrom?: number
}

/** a video's track as the tracker built it (tracking/build.ts) */
export type FileTrack = BuiltTrack

export interface FileResult {
  path: string
  /** the import root it was found under */
  folder: string
  size: number
  mtimeMs: number
  sha256: string
  kind: MediaKind
  width: number | null
  height: number | null
  durationS: number | null
  fps: number | null
  capturedAt: string | null
  gpsLat: number | null
  gpsLon: number | null
  /** 'error' keeps what could be read (e.g. the frames of a truncated video) with the message */
  status: 'done' | 'error'
  error: string | null
  frames: FileFrame[]
  tracks: FileTrack[]
  /** videos: sampled frames not sent to the engine because they were unchanged (see FileFrame.reusedFrom) */
  framesSkipped?: number
}

/** A FileResult before anything is read from the file: no size in pixels, EXIF, frames or tracks. */
export function blankFileResult(f: Pick<FileResult, 'path' | 'folder' | 'size' | 'mtimeMs' | 'sha256' | 'kind'> & Partial<FileResult>): FileResult {
  return { width: null, height: null, durationS: null, fps: null, capturedAt: null, gpsLat: null, gpsLon: null, status: 'done', error: null, frames: [], tracks: [], ...f }
}

export interface CommitOutcome {
  state: 'done' | 'duplicate' | 'error'
  mediaId: number
  plates: number
}

export class ImportStore extends Statements {
  constructor(
    db: Db,
    readonly readonly = false
  ) {
    super(db)
  }


  // ------------------------------------------------------------------ jobs and items

  /** creates a job with all its items in one transaction (a crash leaves no half-scanned job) */
  createJob(roots: string[], options: ImportOptions, items: { path: string; root: string }[]): number {
    return this.tx(() => {
      const r = this.stmt(`INSERT INTO import_jobs (roots, options, state, created_at) VALUES (?, ?, 'running', ?) RETURNING id`).get(
        JSON.stringify(roots),
        JSON.stringify(options),
        new Date().toISOString()
      ) as { id: number }
      const jobId = r.id
      const ins = this.stmt('INSERT INTO import_items (job_id, path, root) VALUES (?, ?, ?) ON CONFLICT (job_id, path) DO NOTHING')
      for (const it of items) ins.run(jobId, it.path, it.root)
      return jobId
    })
  }

  /** an item that failed before it could be queued as a file (e.g. an unreadable folder) */
  addFailedItem(jobId: number, path: string, root: string, error: string): void {
    this.tx(() =>
      this.stmt(
        `INSERT INTO import_items (job_id, path, root, state, error) VALUES (?, ?, ?, 'error', ?)
         ON CONFLICT (job_id, path) DO UPDATE SET state = 'error', error = excluded.error`
      ).run(jobId, path, root, error)
    )
  }

  getJob(id: number): JobRecord | null {
    const r = this.stmt('SELECT * FROM import_jobs WHERE id = ?').get(id) as Record<string, unknown> | undefined
    return r ? toJob(r) : null
  }

  /** jobs that were running (or queued) when the process stopped, oldest first */
  unfinishedJobs(): JobRecord[] {
    return (this.stmt(`SELECT * FROM import_jobs WHERE state IN ('queued', 'running') ORDER BY id`).all() as Record<string, unknown>[]).map(toJob)
  }

  latestJob(): JobRecord | null {
    // the work queue's batches have their own progress (queue status), not the local import's
    const r = this.stmt('SELECT * FROM import_jobs WHERE options NOT LIKE ? ORDER BY id DESC LIMIT 1').get('%"queue":true%') as
      | Record<string, unknown>
      | undefined
    return r ? toJob(r) : null
  }

  setJobState(id: number, state: JobState): void {
    const final = state === 'done' || state === 'cancelled' || state === 'error'
    this.tx(() =>
      this.stmt(`UPDATE import_jobs SET state = ?, finished_at = ? WHERE id = ?`).run(state, final ? new Date().toISOString() : null, id)
    )
  }

  /** pending items after `afterId`, in queue order */
  pendingItems(jobId: number, afterId: number, limit: number): ItemRecord[] {
    return (
      this.stmt(`SELECT id, job_id, path, root, state FROM import_items WHERE job_id = ? AND state = 'pending' AND id > ? ORDER BY id LIMIT ?`).all(
        jobId,
        afterId,
        limit
      ) as { id: number; job_id: number; path: string; root: string; state: ItemState }[]
    ).map((r) => ({ id: r.id, jobId: r.job_id, path: r.path, root: r.root, state: r.state }))
  }

  counts(jobId: number): JobCounts {
    const r = this.stmt(
      `SELECT COUNT(*) AS total,
        COALESCE(SUM(CASE WHEN state = 'pending' THEN 1 ELSE 0 END), 0) AS pending,
        COALESCE(SUM(CASE WHEN state = 'done' THEN 1 ELSE 0 END), 0) AS done,
        COALESCE(SUM(CASE WHEN state = 'duplicate' THEN 1 ELSE 0 END), 0) AS duplicate,
        COALESCE(SUM(CASE WHEN state = 'error' THEN 1 ELSE 0 END), 0) AS failed,
        COALESCE(SUM(CASE WHEN state = 'cancelled' THEN 1 ELSE 0 END), 0) AS cancelled,
        COALESCE(SUM(plates), 0) AS plates
       FROM import_items WHERE job_id = ?`
    ).get(jobId) as JobCounts
    return r
  }

  cancelPending(jobId: number): number {
    return this.tx(() => this.stmt(`UPDATE import_items SET state = 'cancelled' WHERE job_id = ? AND state = 'pending'`).run(jobId).changes)
  }

  /** media already imported from exactly this path, size and mtime (the re-import fast path) */
  knownPath(path: string, size: number, mtimeMs: number): number | null {
    const r = this.stmt(
      `SELECT mp.media_id FROM media_paths mp JOIN media m ON m.id = mp.media_id
       WHERE mp.path = ? AND mp.size = ? AND mp.mtime_ms = ? AND m.status = 'done'`
    ).get(path, size, Math.trunc(mtimeMs)) as { media_id: number } | undefined
    return r ? r.media_id : null
  }

  /** a finished media with these bytes (errored media are retried, unless someone reviewed their plates) */
  existingByHash(sha256: string): number | null {
    const r = this.stmt(
      `SELECT id, status, (SELECT COUNT(*) FROM plates p WHERE p.media_id = media.id AND p.review_state <> 'unreviewed') AS reviewed
       FROM media WHERE sha256 = ?`
    ).get(sha256) as { id: number; status: string; reviewed: number } | undefined
    if (!r) return null
    return r.status === 'done' || r.reviewed > 0 ? r.id : null
  }

  // ------------------------------------------------------------------ team work-queue batches
  // A batch enqueued for the recognition workers is an import job created finished ('done', so no local
  // import ever resumes it) whose items the workers add and commit as they go.

  createQueueBatch(roots: string[], options: ImportOptions): number {
    return this.tx(() => {
      const r = this.stmt(`INSERT INTO import_jobs (roots, options, state, finished_at) VALUES (?, ?, 'done', ?) RETURNING id`).get(
        JSON.stringify(roots),
        JSON.stringify({ ...options, queue: true }),
        new Date().toISOString()
      ) as { id: number }
      return r.id
    })
  }

  /** a batch none of whose files was queued (all already queued or in the library): leave no trace */
  deleteEmptyJob(jobId: number): void {
    this.tx(() => this.stmt('DELETE FROM import_jobs WHERE id = ? AND NOT EXISTS (SELECT 1 FROM import_items WHERE job_id = ?)').run(jobId, jobId))
  }

  /** the item of a queued file, created on first delivery; a redelivered job finds it (and its state) again */
  queueItem(jobId: number, path: string, root: string): ItemRecord {
    return this.tx(() => {
      const r = this.stmt(
        `INSERT INTO import_items (job_id, path, root) VALUES (?, ?, ?)
         ON CONFLICT (job_id, path) DO UPDATE SET root = excluded.root
         RETURNING id, job_id, path, root, state`
      ).get(jobId, path, root) as { id: number; job_id: number; path: string; root: string; state: ItemState }
      return { id: r.id, jobId: r.job_id, path: r.path, root: r.root, state: r.state }
    })
  }

  /** files of every work-queue batch, by state: what the workers have committed so far */
  queueCounts(): JobCounts & { batches: number } {
    const r = this.stmt(
      `SELECT COUNT(DISTINCT j.id) AS batches, COUNT(i.id) AS total,
        COALESCE(SUM(CASE WHEN i.state = 'pending' THEN 1 ELSE 0 END), 0) AS pending,
        COALESCE(SUM(CASE WHEN i.state = 'done' THEN 1 ELSE 0 END), 0) AS done,
        COALESCE(SUM(CASE WHEN i.state = 'duplicate' THEN 1 ELSE 0 END), 0) AS duplicate,
        COALESCE(SUM(CASE WHEN i.state = 'error' THEN 1 ELSE 0 END), 0) AS failed,
        COALESCE(SUM(CASE WHEN i.state = 'cancelled' THEN 1 ELSE 0 END), 0) AS cancelled,
        COALESCE(SUM(i.plates), 0) AS plates
       FROM import_jobs j LEFT JOIN import_items i ON i.job_id = j.id
       WHERE j.options LIKE ?`
    ).get('%"queue":true%') as Record<string, number | string>
    // PostgreSQL returns COUNT/SUM as BIGINT strings
    const n = (k: string) => Number(r[k] ?? 0)
    return { batches: n('batches'), total: n('total'), pending: n('pending'), done: n('done'), duplicate: n('duplicate'), failed: n('failed'), cancelled: n('cancelled'), plates: n('plates') }
  }

  /** the newest failures of work-queue batches (path and cause), newest first */
  queueFailures(limit = 50): { path: string; error: string }[] {
    return (
      this.stmt(
        `SELECT i.path, i.error FROM import_items i JOIN import_jobs j ON j.id = i.job_id
         WHERE j.options LIKE ? AND i.state = 'error' ORDER BY i.id DESC LIMIT ?`
      ).all('%"queue":true%', limit) as { path: string; error: string | null }[]
    ).map((r) => ({ path: r.path, error: r.error ?? 'unknown error' }))
  }

  // ------------------------------------------------------------------ commits (one transaction each)

  /** the same bytes are already in the library: remember this path, mark the item */
  commitDuplicate(itemId: number, mediaId: number, path: string, size: number, mtimeMs: number): CommitOutcome {
    return this.tx(() => {
      this.upsertPath(path, mediaId, size, mtimeMs)
      this.stmt(`UPDATE import_items SET state = 'duplicate', media_id = ?, plates = 0, error = NULL WHERE id = ?`).run(mediaId, itemId)
      return { state: 'duplicate' as const, mediaId, plates: 0 }
    })
  }

  /** a file that could not even be read/hashed */
  commitItemError(itemId: number, error: string): void {
    this.tx(() => this.stmt(`UPDATE import_items SET state = 'error', error = ? WHERE id = ?`).run(error, itemId))
  }

  commitFile(itemId: number, f: FileResult): CommitOutcome {
    return this.tx((): CommitOutcome => {
      const existing = this.stmt(
        `SELECT id, status, (SELECT COUNT(*) FROM plates p WHERE p.media_id = media.id AND p.review_state <> 'unreviewed') AS reviewed
         FROM media WHERE sha256 = ?`
      ).get(f.sha256) as { id: number; status: string; reviewed: number } | undefined
      if (existing) {
        // another in-flight file with the same bytes committed first, or an earlier attempt failed
        if (existing.status === 'done' || existing.reviewed > 0) return this.commitDuplicate(itemId, existing.id, f.path, f.size, f.mtimeMs)
        this.stmt('DELETE FROM media WHERE id = ?').run(existing.id)
      }
      const m = this.stmt(
        `INSERT INTO media (path, folder, sha256, kind, size, width, height, duration_s, fps, captured_at, gps_lat, gps_lon, status, error, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`
      ).get(f.path, f.folder, f.sha256, f.kind, f.size, f.width, f.height, f.durationS, f.fps, f.capturedAt, f.gpsLat, f.gpsLon, f.status, f.error, new Date().toISOString()) as { id: number }
      const mediaId = m.id
      this.upsertPath(f.path, mediaId, f.size, f.mtimeMs)

      const insFrame = this.stmt('INSERT INTO frames (media_id, idx, time_s, width, height) VALUES (?, ?, ?, ?, ?) RETURNING id')
      const insDet = this.stmt(
        'INSERT INTO detections (frame_id, media_id, track_id, x1, y1, x2, y2, score, detector) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id'
      )
      const insRead = this.stmt(
        `INSERT INTO reads (detection_id, text, confidence, char_confidences, candidates, region, region_confidence, recognizer, model_text, rule)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
      )
      const insTrack = this.stmt(
        `INSERT INTO tracks (media_id, voted_text, vote_confidence, first_frame, last_frame, first_time_s, last_time_s, n_detections)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`
      )
      const insPlate = this.stmt(
        `INSERT INTO plates (media_id, frame_id, detection_id, track_id, x1, y1, x2, y2, text, model_text, confidence, region, corners)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
      )

      const newId = (row: unknown): number => (row as { id: number }).id
      const trackIds = f.tracks.map((t) =>
        newId(insTrack.get(mediaId, t.text, t.confidence, t.firstFrame, t.lastFrame, t.firstTimeS, t.lastTimeS, t.detections))
      )
      const frameIds: number[] = []
      const detIds: number[][] = []
      let plates = 0
      for (const fr of f.frames) {
        const frameId = newId(insFrame.get(mediaId, fr.idx, fr.timeS, fr.width, fr.height))
        frameIds.push(frameId)
        const ids: number[] = []
        for (const d of fr.detections) {
          const trackId = d.track != null ? trackIds[d.track] : null
          const detId = newId(insDet.get(frameId, mediaId, trackId, d.box.x1, d.box.y1, d.box.x2, d.box.y2, d.score, d.detector))
          ids.push(detId)
          if (d.read) {
            insRead.run(
              detId,
              d.read.text,
              d.read.confidence,
              JSON.stringify(d.read.charConfidences),
              JSON.stringify(d.read.candidates),
              d.read.region,
              d.read.regionConfidence,
              d.read.modelId,
              d.read.rule ? (d.read.modelText ?? d.read.text) : null,
              d.read.rule ?? null
            )
          }
          // images: every detection is a plate; videos: one plate per track (below)
          if (f.kind === 'image' || (d.track == null && !d.noise)) {
            insPlate.run(
              mediaId,
              frameId,
              detId,
              null,
              d.box.x1,
              d.box.y1,
              d.box.x2,
              d.box.y2,
              d.read?.text ?? '',
              d.read?.text ?? null,
              d.read?.confidence ?? 0,
              d.read?.region ?? null,
              d.corners ? JSON.stringify(d.corners) : null
            )
            plates++
          }
        }
        detIds.push(ids)
      }
      f.tracks.forEach((t, i) => {
        const fr = f.frames[t.best.frame]
        const d = fr.detections[t.best.detection]
        const bestDet = detIds[t.best.frame][t.best.detection]
        this.stmt('UPDATE tracks SET best_detection_id = ? WHERE id = ?').run(bestDet, trackIds[i])
        insPlate.run(
          mediaId,
          frameIds[t.best.frame],
          bestDet,
          trackIds[i],
          d.box.x1,
          d.box.y1,
          d.box.x2,
          d.box.y2,
          t.text,
          t.text || null,
          t.confidence,
          t.region,
          d.corners ? JSON.stringify(d.corners) : null
        )
        plates++
      })
      const state = f.status === 'error' ? 'error' : 'done'
      this.stmt('UPDATE import_items SET state = ?, media_id = ?, plates = ?, error = ? WHERE id = ?').run(state, mediaId, plates, f.error, itemId)
      return { state, mediaId, plates }
    })
  }

  private upsertPath(path: string, mediaId: number, size: number, mtimeMs: number): void {
    this.stmt(
      `INSERT INTO media_paths (path, media_id, size, mtime_ms) VALUES (?, ?, ?, ?)
       ON CONFLICT (path) DO UPDATE SET media_id = excluded.media_id, size = excluded.size, mtime_ms = excluded.mtime_ms`
    ).run(path, mediaId, size, Math.trunc(mtimeMs))
  }
}

function toJob(r: Record<string, unknown>): JobRecord {
  let roots: string[] = []
  let options: ImportOptions = { fps: 0 }
  try {
    roots = JSON.parse(r.roots as string)
  } catch {
    /* keep [] */
  }
  try {
    options = { fps: 0, ...JSON.parse(r.options as string) }
  } catch {
    /* keep defaults */
  }
  return {
    id: r.id as number,
    roots,
    options,
    state: r.state as JobState,
    createdAt: r.created_at as string,
    finishedAt: (r.finished_at as string | null) ?? null
  }
}
