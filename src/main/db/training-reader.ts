// Read side for training-data export and evaluation: the SQL over the library schema (001_init).
// Everything is paged: each page is drained from a better-sqlite3 `.iterate()` before it is yielded, so
// no statement stays open while the caller awaits file writes (the connection stays free for review
// writes) and memory stays bounded by the page size, never by the library size.
// Portable SQL (SQLite and PostgreSQL): positional parameters, camelCase aliases double-quoted.
import type { Box, MediaKind, ReviewState } from '../../shared/types'
import { parseQuad, type Quad } from '../../shared/geometry'
import { iou } from '../eval/metrics'

export type { Db } from './db'
import type { Db } from './db'

export interface SelectionOptions {
  /** include unreviewed plates with confidence >= this (0..1); absent = reviewed plates only */
  includeUnreviewedAbove?: number
}

/** Decisions that make a plate a label: its box is a plate (illegible too: a plate without text). */
export const LABEL_STATES = ['confirmed', 'corrected', 'manual', 'illegible'] as const

/**
 * Reviewed (confirmed, corrected, manual, illegible) always; unreviewed above the threshold; rejected never.
 * One `?` parameter: selectionParams(). The `|| ''` and `+ 0` keep SQLite from answering this through
 * plates_queue (then sorting every page): the paged walks below must follow the media/frame index order
 * so each page is a cheap range read. (SQLite's unary `+` does the same but is not valid on PostgreSQL text.)
 */
export function selectionWhere(alias = 'p', useQueueIndex = false): string {
  const state = useQueueIndex ? `${alias}.review_state` : `(${alias}.review_state || '')`
  const conf = useQueueIndex ? `${alias}.confidence` : `(${alias}.confidence + 0)`
  // an unreviewed plate a double reviewer voted on is unsettled: never a label, not even the model's
  return `(${state} IN ('confirmed', 'corrected', 'manual', 'illegible') OR (${state} = 'unreviewed' AND ${conf} >= ?
    AND NOT EXISTS (SELECT 1 FROM review_votes v WHERE v.plate_id = ${alias}.id)))`
}

function isSelected(r: { reviewState: ReviewState; confidence: number; votes?: number }, minConf: number): boolean {
  return (LABEL_STATES as readonly string[]).includes(r.reviewState) || (r.reviewState === 'unreviewed' && r.confidence >= minConf && !Number(r.votes))
}

/** the parameters of selectionWhere() */
export function selectionParams(opts: SelectionOptions): [minConf: number] {
  // 2 is above any confidence (0..1): no unreviewed plate passes
  return [opts.includeUnreviewedAbove ?? 2]
}

export function countSelectedPlates(db: Db, opts: SelectionOptions): number {
  const row = db.prepare(`SELECT COUNT(*) AS n FROM plates p WHERE ${selectionWhere('p', true)}`).get(...selectionParams(opts)) as { n: number }
  return row.n
}

/** some selected plate has a region */
export function anySelectedRegion(db: Db, opts: SelectionOptions): boolean {
  return !!db.prepare(`SELECT 1 FROM plates p WHERE ${selectionWhere()} AND p.region IS NOT NULL AND p.region <> '' LIMIT 1`).get(...selectionParams(opts))
}

export interface ExportLabel {
  plateId: number
  trackId: number | null
  box: Box
  text: string
  region: string | null
  reviewState: ReviewState
  confidence: number
  /** the plate's corners (TL, TR, BR, BL) on its own frame when known; null on other frames of its track */
  corners: Quad | null
  /** this frame was chosen for this plate (its image, its best frame, or one of its track's Nth frames);
   *  false = another plate's frame on which this one is also visible */
  primary: boolean
}

/** One frame to export (an image, or one frame of a video) with every selected plate visible on it. */
export interface ExportFrame {
  mediaId: number
  sha256: string
  mediaPath: string
  folder: string
  kind: MediaKind
  fps: number | null
  frameId: number
  frameIdx: number
  timeS: number | null
  width: number
  height: number
  labels: ExportLabel[]
  /** plates on this frame nobody decided (unreviewed, below the threshold, not lying on a label): a
   *  detection export must leave the frame out, or it would teach that those plates are background */
  undecided: number
  /** selected plates whose export is complete once this frame is written (for progress) */
  platesDone: number
}

export type VideoFrameMode = 'best' | { everyNth: number }

interface PlateRowSql {
  plateId: number
  /** double-review votes on the plate (unsettled while it is unreviewed) */
  votes: number
  mediaId: number
  frameId: number
  trackId: number | null
  x1: number
  y1: number
  x2: number
  y2: number
  text: string
  confidence: number
  region: string | null
  reviewState: ReviewState
  corners: string | null
  path: string
  folder: string
  sha256: string
  kind: MediaKind
  fps: number | null
  frameIdx: number
  timeS: number | null
  width: number
  height: number
}

const PLATE_COLUMNS = `p.id AS "plateId", p.media_id AS "mediaId", p.frame_id AS "frameId", p.track_id AS "trackId",
  p.x1, p.y1, p.x2, p.y2, p.text, p.confidence, p.region, p.review_state AS "reviewState", p.corners,
  m.path, m.folder, m.sha256, m.kind, m.fps, f.idx AS "frameIdx", f.time_s AS "timeS", f.width, f.height,
  (SELECT COUNT(*) FROM review_votes v WHERE v.plate_id = p.id) AS votes`

function label(
  r: { plateId: number; trackId: number | null; text: string; region: string | null; reviewState: ReviewState; confidence: number; corners?: string | null },
  box: Box,
  primary = true,
  ownFrame = true
): ExportLabel {
  const corners = ownFrame ? parseQuad(r.corners ?? null) : null
  return { plateId: r.plateId, trackId: r.trackId, box, text: r.text, region: r.region, reviewState: r.reviewState, confidence: r.confidence, corners, primary }
}

function frameOf(r: PlateRowSql, f: { frameId: number; frameIdx: number; timeS: number | null; width: number; height: number }): ExportFrame {
  return {
    mediaId: r.mediaId,
    sha256: r.sha256,
    mediaPath: r.path,
    folder: r.folder,
    kind: r.kind,
    fps: r.fps,
    frameId: f.frameId,
    frameIdx: f.frameIdx,
    timeS: f.timeS,
    width: f.width,
    height: f.height,
    labels: [],
    undecided: 0,
    platesDone: 0
  }
}

/**
 * An unreviewed plate lying on a reviewed one (IoU >= 0.5: the model's box next to an imported or
 * hand-drawn label of the same plate) would be a duplicate box in training data: it is left out.
 */
export function dropShadowed(labels: ExportLabel[]): ExportLabel[] {
  const reviewed = labels.filter((l) => l.reviewState !== 'unreviewed')
  if (reviewed.length === 0 || reviewed.length === labels.length) return labels
  return labels.filter((l) => l.reviewState !== 'unreviewed' || !reviewed.some((r) => iou(r.box, l.box) >= 0.5))
}

/** A frame's labels without the shadowed ones, and how many of its other plates are undecided. */
function settle(fr: ExportFrame, others: { box: Box }[]): void {
  fr.labels = dropShadowed(fr.labels)
  fr.undecided = others.filter((o) => !fr.labels.some((l) => iou(l.box, o.box) >= 0.5)).length
}

/**
 * Every frame with a plate that is not rejected, media by media (images first, then videos), with its
 * selected plates as labels and the count of its undecided plates. Frames without labels come too
 * (labels empty), so an export can say how many images it left out. Images: one frame each. Videos:
 * per selected track plate its best frame (the plate row's frame, with the reviewed box), or every Nth
 * detection of the track (detection boxes; the reviewed box on the plate's own frame); each chosen frame
 * also carries every other selected plate visible on it, so frames are labelled completely (as far as
 * the selection goes), and counts the unselected plates visible on it as undecided.
 */
export function* iterateExportFrames(db: Db, opts: SelectionOptions & { videoFrames?: VideoFrameMode }, pageSize = 1000): Generator<ExportFrame> {
  const [minConf] = selectionParams(opts)
  const imagePage = db.prepare(`SELECT ${PLATE_COLUMNS}
    FROM plates p JOIN media m ON m.id = p.media_id JOIN frames f ON f.id = p.frame_id
    WHERE m.kind = 'image' AND (p.review_state || '') <> 'rejected' AND (p.media_id, p.id) > (?, ?)
    ORDER BY p.media_id, p.id LIMIT ?`)
  let lastMedia = -1
  let lastId = -1
  let pending: { fr: ExportFrame; others: { box: Box }[] }[] = []
  let pendingMedia = -1
  const flush = (): ExportFrame[] => {
    const out = pending.map((x) => (settle(x.fr, x.others), x.fr))
    pending = []
    return out
  }
  for (;;) {
    const rows: PlateRowSql[] = []
    for (const r of imagePage.iterate(lastMedia, lastId, pageSize)) rows.push(r as PlateRowSql)
    const out: ExportFrame[] = []
    for (const r of rows) {
      if (r.mediaId !== pendingMedia) {
        out.push(...flush())
        pendingMedia = r.mediaId
      }
      let x = pending.find((p) => p.fr.frameId === r.frameId)
      if (!x) pending.push((x = { fr: frameOf(r, r), others: [] }))
      const box = { x1: r.x1, y1: r.y1, x2: r.x2, y2: r.y2 }
      if (isSelected(r, minConf)) {
        x.fr.labels.push(label(r, box))
        x.fr.platesDone++
      } else x.others.push({ box })
      lastMedia = r.mediaId
      lastId = r.plateId
    }
    yield* out
    if (rows.length < pageSize) break
  }
  yield* flush()

  const videoPage = db.prepare(`SELECT m.id FROM media m WHERE m.kind = 'video' AND m.id > ?
    AND EXISTS (SELECT 1 FROM plates p WHERE p.media_id = m.id AND ${selectionWhere()}) ORDER BY m.id LIMIT ?`)
  let last = -1
  for (;;) {
    const ids: number[] = []
    for (const r of videoPage.iterate(last, minConf, 100)) ids.push((r as { id: number }).id)
    for (const id of ids) yield* videoFrames(db, id, opts)
    if (ids.length < 100) break
    last = ids[ids.length - 1]
  }
}

interface TrackDetSql {
  trackId: number
  frameId: number
  frameIdx: number
  timeS: number | null
  width: number
  height: number
  x1: number
  y1: number
  x2: number
  y2: number
}

/** The frames of one video to export (memory bounded by that video's selected plates and track detections). */
export function videoFrames(db: Db, mediaId: number, opts: SelectionOptions & { videoFrames?: VideoFrameMode }): ExportFrame[] {
  const all = db
    .prepare(`SELECT ${PLATE_COLUMNS} FROM plates p JOIN media m ON m.id = p.media_id JOIN frames f ON f.id = p.frame_id
      WHERE p.media_id = ? AND (p.review_state || '') <> 'rejected' ORDER BY p.id`)
    .all(mediaId) as PlateRowSql[]
  const [minConf] = selectionParams(opts)
  const plates = all.filter((p) => isSelected(p, minConf))
  const undecided = all.filter((p) => !isSelected(p, minConf))
  if (plates.length === 0) return []
  const trackIds = new Set(all.filter((p) => p.trackId != null).map((p) => p.trackId as number))
  const dets: TrackDetSql[] = []
  if (trackIds.size > 0) {
    const stmt = db.prepare(`SELECT d.track_id AS "trackId", d.frame_id AS "frameId", f.idx AS "frameIdx", f.time_s AS "timeS",
        f.width, f.height, d.x1, d.y1, d.x2, d.y2
      FROM detections d JOIN frames f ON f.id = d.frame_id
      WHERE d.media_id = ? AND d.track_id IS NOT NULL ORDER BY f.idx, d.id`)
    for (const d of stmt.iterate(mediaId)) if (trackIds.has((d as TrackDetSql).trackId)) dets.push(d as TrackDetSql)
  }
  const mode = opts.videoFrames ?? 'best'
  const chosen = new Map<number, ExportFrame>()
  const chosenFor = new Map<number, Set<number>>()
  const choose = (r: PlateRowSql, f: { frameId: number; frameIdx: number; timeS: number | null; width: number; height: number }): void => {
    if (!chosen.has(f.frameId)) chosen.set(f.frameId, frameOf(r, f))
    const set = chosenFor.get(f.frameId) ?? new Set<number>()
    set.add(r.plateId)
    chosenFor.set(f.frameId, set)
  }
  const detsByTrack = new Map<number, TrackDetSql[]>()
  for (const d of dets) {
    const list = detsByTrack.get(d.trackId) ?? []
    list.push(d)
    detsByTrack.set(d.trackId, list)
  }
  for (const p of plates) {
    const track = p.trackId != null ? detsByTrack.get(p.trackId) ?? [] : []
    if (mode === 'best' || track.length === 0) choose(p, p)
    else {
      const n = Math.max(1, Math.floor(mode.everyNth))
      for (let k = 0; k < track.length; k += n) choose(p, track[k])
    }
  }
  // label every chosen frame with every selected plate visible on it
  const detByTrackFrame = new Map<string, TrackDetSql>()
  for (const d of dets) if (!detByTrackFrame.has(`${d.trackId}:${d.frameId}`)) detByTrackFrame.set(`${d.trackId}:${d.frameId}`, d)
  for (const fr of chosen.values()) {
    const mine = chosenFor.get(fr.frameId)!
    for (const p of plates) {
      if (p.frameId === fr.frameId) fr.labels.push(label(p, { x1: p.x1, y1: p.y1, x2: p.x2, y2: p.y2 }, mine.has(p.plateId)))
      else if (p.trackId != null) {
        const d = detByTrackFrame.get(`${p.trackId}:${fr.frameId}`)
        if (d) fr.labels.push(label(p, { x1: d.x1, y1: d.y1, x2: d.x2, y2: d.y2 }, mine.has(p.plateId), false))
      }
    }
  }
  // the undecided plates visible on each chosen frame: their own frame's box, or their track's detection
  for (const fr of chosen.values()) {
    const others: { box: Box }[] = []
    for (const p of undecided) {
      if (p.frameId === fr.frameId) others.push({ box: { x1: p.x1, y1: p.y1, x2: p.x2, y2: p.y2 } })
      else if (p.trackId != null) {
        const d = detByTrackFrame.get(`${p.trackId}:${fr.frameId}`)
        if (d) others.push({ box: { x1: d.x1, y1: d.y1, x2: d.x2, y2: d.y2 } })
      }
    }
    settle(fr, others)
  }
  const frames = [...chosen.values()].sort((a, b) => a.frameIdx - b.frameIdx)
  if (frames.length > 0) frames[frames.length - 1].platesDone = plates.length
  return frames
}

/** Other paths the same media was seen at (moved or duplicated files), newest knowledge last. */
export function mediaAlternativePaths(db: Db, mediaId: number): string[] {
  return (db.prepare('SELECT path FROM media_paths WHERE media_id = ? ORDER BY mtime_ms DESC').all(mediaId) as { path: string }[]).map((r) => r.path)
}

// ------------------------------------------------------------------ report rows

export interface ReportRow {
  plateId: number
  mediaId: number
  frameId: number
  mediaPath: string
  folder: string
  kind: MediaKind
  frameIdx: number
  timeS: number | null
  frameWidth: number
  frameHeight: number
  trackId: number | null
  x1: number
  y1: number
  x2: number
  y2: number
  text: string
  modelText: string | null
  confidence: number
  region: string | null
  regionConfidence: number | null
  candidates: string | null
  reviewState: ReviewState
  reviewedAt: string | null
  reviewedBy: string | null
  capturedAt: string | null
  detectorScore: number | null
}

/** Selected plates one by one (one row per image plate or per video track), by media, frame, id; paged. */
export function* iterateReportRows(db: Db, opts: SelectionOptions, pageSize = 2000): Generator<ReportRow> {
  const stmt = db.prepare(`SELECT p.id AS "plateId", p.media_id AS "mediaId", p.frame_id AS "frameId", m.path AS "mediaPath", m.folder, m.kind,
      f.idx AS "frameIdx", f.time_s AS "timeS", f.width AS "frameWidth", f.height AS "frameHeight", p.track_id AS "trackId",
      p.x1, p.y1, p.x2, p.y2, p.text, p.model_text AS "modelText", p.confidence, p.region,
      r.region_confidence AS "regionConfidence", r.candidates, p.review_state AS "reviewState",
      p.reviewed_at AS "reviewedAt", p.reviewed_by AS "reviewedBy", m.captured_at AS "capturedAt", d.score AS "detectorScore"
    FROM plates p JOIN media m ON m.id = p.media_id JOIN frames f ON f.id = p.frame_id
      LEFT JOIN detections d ON d.id = p.detection_id LEFT JOIN reads r ON r.detection_id = p.detection_id
    WHERE ${selectionWhere()} AND (p.media_id, p.frame_id, p.id) > (?, ?, ?)
    ORDER BY p.media_id, p.frame_id, p.id LIMIT ?`)
  const [minConf] = selectionParams(opts)
  let last = { m: -1, f: -1, p: -1 }
  for (;;) {
    const rows: ReportRow[] = []
    for (const r of stmt.iterate(minConf, last.m, last.f, last.p, pageSize)) rows.push(r as ReportRow)
    yield* rows
    if (rows.length < pageSize) break
    const r = rows[rows.length - 1]
    last = { m: r.mediaId, f: r.frameId, p: r.plateId }
  }
}

// ------------------------------------------------------------------ evaluation rows

export interface EvalPlateRow {
  plateId: number
  frameId: number
  mediaId: number
  folder: string
  reviewState: ReviewState
  box: Box
  text: string
  /** what the model read: plates.model_text, else the read of its detection */
  modelText: string | null
  region: string | null
  /** the detector's box; null for hand-drawn plates */
  detBox: Box | null
}

/**
 * Plates of every frame that has at least one reviewed plate (confirmed/corrected/manual/illegible/rejected),
 * grouped by frame, paged by media id (walks the plates_media index once).
 */
export function* iterateEvalFrames(db: Db, mediaPerPage = 500): Generator<EvalPlateRow[]> {
  const mediaPage = db.prepare(`SELECT DISTINCT media_id AS id FROM plates
    WHERE review_state <> 'unreviewed' AND media_id > ? ORDER BY media_id LIMIT ?`)
  const platesOf = db.prepare(`SELECT p.id AS "plateId", p.frame_id AS "frameId", p.media_id AS "mediaId", m.folder,
      p.review_state AS "reviewState", p.x1, p.y1, p.x2, p.y2, p.text, COALESCE(p.model_text, r.text) AS "modelText",
      COALESCE(p.region, r.region) AS region, d.id AS "detId", d.x1 AS dx1, d.y1 AS dy1, d.x2 AS dx2, d.y2 AS dy2
    FROM plates p JOIN media m ON m.id = p.media_id
      LEFT JOIN detections d ON d.id = p.detection_id LEFT JOIN reads r ON r.detection_id = p.detection_id
    WHERE p.media_id BETWEEN ? AND ? ORDER BY p.media_id, p.frame_id, p.id`)
  let last = -1
  for (;;) {
    const ids: number[] = []
    for (const r of mediaPage.iterate(last, mediaPerPage)) ids.push((r as { id: number }).id)
    if (ids.length === 0) break
    const kept: EvalPlateRow[][] = []
    let cur: EvalPlateRow[] = []
    const flush = (): void => {
      if (cur.some((p) => p.reviewState !== 'unreviewed')) kept.push(cur)
      cur = []
    }
    for (const raw of platesOf.iterate(ids[0], ids[ids.length - 1])) {
      const r = raw as Record<string, unknown> & { frameId: number }
      const row: EvalPlateRow = {
        plateId: r.plateId as number,
        frameId: r.frameId,
        mediaId: r.mediaId as number,
        folder: r.folder as string,
        reviewState: r.reviewState as ReviewState,
        box: { x1: r.x1 as number, y1: r.y1 as number, x2: r.x2 as number, y2: r.y2 as number },
        text: r.text as string,
        modelText: (r.modelText as string | null) ?? null,
        region: (r.region as string | null) ?? null,
        detBox: r.detId == null ? null : { x1: r.dx1 as number, y1: r.dy1 as number, x2: r.dx2 as number, y2: r.dy2 as number }
      }
      if (cur.length > 0 && cur[0].frameId !== row.frameId) flush()
      cur.push(row)
    }
    flush()
    yield* kept
    if (ids.length < mediaPerPage) break
    last = ids[ids.length - 1]
  }
}
