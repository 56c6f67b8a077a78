// Every SELECT the UI and the CLI need. Paginated, and each list query walks an index.
import type Database from 'better-sqlite3'
import { isPostgres, type Db } from './db'
import type {
  Box,
  Candidate,
  HistoryEntry,
  HistoryFilter,
  HistoryListItem,
  ImportDuplicate,
  ImportFailure,
  LibraryStats,
  MediaKind,
  MediaStatus,
  MediaSummary,
  PlateDetail,
  PlateFilter,
  PlateRow,
  PlateSort,
  ReviewState,
  Settings,
  TrackFrame,
  TrackSummary
} from '../../shared/types'
import { normalizePlateText } from '../../shared/plate-text'
import { Statements } from './statements'
import type { QueueScope } from './leases'
import { parseQuad, type Quad } from '../../shared/geometry'

export interface Page<T> {
  items: T[]
  total: number
}

/** Defaults of the library settings; the model ids are those of models/manifest.json (its defaults). */
export const DEFAULT_SETTINGS: Settings = {
  detectorId: 'yolo-v9-t-416-end2end-qdq',
  // v2 reads every crop; v1 is averaged in on the crops v2 is unsure of (engine/pipeline.ts)
  recognizerId: 'cct-xs-v2-global+cct-xs-v1-global',
  // 0.3 finds all 31 fixture plates with the rectangular detector; 0.4 misses one
  detectionThreshold: 0.3,
  lowConfidence: 0.8,
  provider: 'cpu',
  videoFps: 4,
  theme: 'system',
  countryRules: true,
  defaultCountry: '',
  disabledRules: [],
  doubleReview: false
}

/** Fields of a plate that review edits and history records. */
export interface PlateState {
  text: string
  reviewState: ReviewState
  reviewedAt: string | null
  reviewedBy: string | null
  box: Box
  corners: Quad | null
}

export interface MediaRecord {
  id: number
  path: string
  folder: string
  sha256: string
  kind: MediaKind
  size: number
  width: number | null
  height: number | null
  durationS: number | null
  fps: number | null
  capturedAt: string | null
  status: MediaStatus
  error: string | null
}

export interface FrameRecord {
  id: number
  mediaId: number
  idx: number
  timeS: number | null
  width: number
  height: number
}

const PLATE_COLUMNS = /* sql */ `
  p.id, p.media_id, m.path AS media_path, m.kind AS media_kind, f.idx AS frame_idx, f.time_s AS frame_time_s,
  p.track_id, p.x1, p.y1, p.x2, p.y2, p.text, p.model_text, p.confidence, p.region, p.review_state,
  p.reviewed_at, p.updated_at, p.corners`
const PLATE_FROM = /* sql */ `FROM plates p JOIN media m ON m.id = p.media_id JOIN frames f ON f.id = p.frame_id`

interface PlateSqlRow {
  id: number
  media_id: number
  media_path: string
  media_kind: MediaKind
  frame_idx: number
  frame_time_s: number | null
  track_id: number | null
  x1: number
  y1: number
  x2: number
  y2: number
  text: string
  model_text: string | null
  confidence: number
  region: string | null
  review_state: ReviewState
  reviewed_at: string | null
  updated_at: string
  corners: string | null
}

function toPlateRow(r: PlateSqlRow): PlateRow {
  return {
    id: r.id,
    mediaId: r.media_id,
    mediaPath: r.media_path,
    mediaKind: r.media_kind,
    frameIdx: r.frame_idx,
    frameTimeS: r.frame_time_s,
    trackId: r.track_id,
    box: { x1: r.x1, y1: r.y1, x2: r.x2, y2: r.y2 },
    text: r.text,
    modelText: r.model_text,
    confidence: r.confidence,
    region: r.region,
    reviewState: r.review_state,
    reviewedAt: r.reviewed_at,
    updatedAt: r.updated_at,
    corners: parseQuad(r.corners)
  }
}

function parseJson(s: string | null): unknown {
  if (s == null) return null
  try {
    return JSON.parse(s)
  } catch {
    return null
  }
}

interface HistorySqlRow {
  id: number
  plate_id: number
  action: HistoryEntry['action']
  old_value: string | null
  new_value: string | null
  at: string
  by: string
  batch_id: string | null
  undone_by: number | null
}

export function toHistoryEntry(r: HistorySqlRow): HistoryEntry {
  return {
    id: r.id,
    plateId: r.plate_id,
    action: r.action,
    oldValue: parseJson(r.old_value),
    newValue: parseJson(r.new_value),
    at: r.at,
    by: r.by,
    batchId: r.batch_id,
    undoneBy: r.undone_by
  }
}

/** `s` with LIKE's own wildcards (and the escape character) escaped, for `LIKE ? ESCAPE '\\'` */
export function likeLiteral(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`)
}

/**
 * The plate search as a LIKE pattern (`ESCAPE '\'`) on the stored plate text. One syntax everywhere:
 * a substring by default; `*` is any run of characters and `?` exactly one, anywhere in it; every other
 * character, `_` and `%` too, is itself. The search is normalised like stored text (case, spaces:
 * shared/plate-text.ts), which makes it case-insensitive for every script. `B21` → `%B21%`,
 * `1?1` → `%1_1%`, `A_B` → `%A\_B%`.
 */
export function textPattern(text: string): string | null {
  const t = normalizePlateText(text)
  if (!t || /^\**$/.test(t)) return null
  let out = ''
  for (const ch of t) out += ch === '*' ? '%' : ch === '?' ? '_' : likeLiteral(ch)
  return `%${out}%`
}

/** media under a folder: its import root is that folder, or its path starts with folder + separator
 *  (so /photos does not match /photos2). The library screen's exact folder view. */
export function folderClause(folder: string): { sql: string; params: unknown[] } {
  const sep = folder.includes('\\') && !folder.includes('/') ? '\\' : '/'
  const trimmed = folder.length > 1 && folder.endsWith(sep) ? folder.slice(0, -1) : folder
  const prefix = trimmed.endsWith(sep) ? trimmed : trimmed + sep
  return { sql: '(m.folder = ? OR substr(m.path, 1, length(CAST(? AS TEXT))) = ?)', params: [trimmed, prefix, prefix] }
}

/** The plate filter's folder: any part of the folder path the media file lies in (a substring that a
 *  path separator follows, so the file name itself does not match), case-insensitive. */
export function folderSubstringClause(folder: string): { sql: string; params: unknown[] } {
  const lit = `%${likeLiteral(folder)}%`
  // lower() on both sides: LIKE is case-insensitive (ASCII) on SQLite only
  return { sql: `(lower(m.path) LIKE lower(CAST(? AS TEXT)) ESCAPE '\\' OR lower(m.path) LIKE lower(CAST(? AS TEXT)) ESCAPE '\\')`, params: [`${lit}/%`, `${lit}\\\\%`] }
}

/** Unicode case folding for comparisons SQLite's ASCII-only lower()/NOCASE cannot do (region names). */
export function foldCase(s: string): string {
  return s.normalize('NFC').toLowerCase().trim()
}

/** ISO date or date-time → the inclusive upper bound as text comparable with stored ISO times. */
function dateUpper(s: string): string {
  return /^\d{4}-\d{2}-\d{2}$/.test(s) ? `${s}T23:59:59.999Z` : s
}

export function plateWhere(filter: PlateFilter, scope?: QueueScope): { where: string; params: unknown[] } {
  const clauses: string[] = []
  const params: unknown[] = []
  if (scope?.holder && scope.now) {
    // a reviewer's queue: not the plates someone else holds (db/leases.ts)
    clauses.push('NOT EXISTS (SELECT 1 FROM plate_leases l WHERE l.plate_id = p.id AND l.holder <> ? AND l.expires_at > ?)')
    params.push(scope.holder, scope.now)
  }
  if (scope?.voter && filter.state === 'unreviewed' && !filter.disputed) {
    // double review: not the plates this reviewer decided, nor those two reviewers decided already
    clauses.push('NOT EXISTS (SELECT 1 FROM review_votes v WHERE v.plate_id = p.id AND v.reviewer = ?)')
    clauses.push('(SELECT COUNT(*) FROM review_votes v WHERE v.plate_id = p.id) < 2')
    params.push(scope.voter)
  }
  if (filter.disputed) {
    // the adjudication queue: two reviewers disagreed, nobody settled it yet
    clauses.push(`p.review_state = 'unreviewed' AND (SELECT COUNT(*) FROM review_votes v WHERE v.plate_id = p.id) >= 2`)
  }
  const state = filter.state ?? 'all'
  if (state === 'reviewed') clauses.push(`p.review_state <> 'unreviewed'`)
  else if (state !== 'all') {
    clauses.push('p.review_state = ?')
    params.push(state)
  }
  if (filter.maxConfidence != null) {
    clauses.push('p.confidence < ?')
    params.push(filter.maxConfidence)
  }
  if (filter.minConfidence != null) {
    clauses.push('p.confidence >= ?')
    params.push(filter.minConfidence)
  }
  if (filter.region?.trim()) {
    clauses.push('pd_fold(p.region) = ?')
    params.push(foldCase(filter.region))
  }
  if (filter.mediaId != null) {
    clauses.push('p.media_id = ?')
    params.push(filter.mediaId)
  }
  if (filter.folder) {
    const f = folderSubstringClause(filter.folder)
    clauses.push(f.sql)
    params.push(...f.params)
  }
  if (filter.dateFrom) {
    clauses.push('COALESCE(m.captured_at, m.created_at) >= ?')
    params.push(filter.dateFrom)
  }
  if (filter.dateTo) {
    clauses.push('COALESCE(m.captured_at, m.created_at) <= ?')
    params.push(dateUpper(filter.dateTo))
  }
  if (filter.text) {
    const pat = textPattern(filter.text)
    if (pat) {
      // a two-row plate (TOP\nBOTTOM) is also found by its characters in reading order
      clauses.push(`(p.text LIKE ? ESCAPE '\\' OR replace(p.text, ?, '') LIKE ? ESCAPE '\\')`)
      params.push(pat, '\n', pat)
    }
  }
  return { where: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', params }
}

const SORTS: Record<PlateSort, string> = {
  confidence: 'p.confidence ASC, p.id ASC',
  recent: 'p.updated_at DESC, p.id DESC',
  media: 'p.media_id ASC, f.idx ASC, p.id ASC'
}

export class Reader extends Statements {
  constructor(db: Db) {
    super(db)
    // PostgreSQL has pd_fold as an SQL function (migration 001's pg text)
    if (!isPostgres(db)) (db as Database.Database).function('pd_fold', { deterministic: true }, (s: unknown) => (typeof s === 'string' ? foldCase(s) : null))
  }


  // ------------------------------------------------------------------ plates

  /** scope: a reviewer's own view of the queue (team review: leases of others, double review) */
  listPlates(filter: PlateFilter = {}, sort: PlateSort = 'confidence', offset = 0, limit = 100, scope?: QueueScope): Page<PlateRow> {
    const { where, params } = plateWhere(filter, scope)
    const total = (this.stmt(`SELECT COUNT(*) AS n ${PLATE_FROM} ${where}`).get(...params) as { n: number }).n
    const rows = this.stmt(`SELECT ${PLATE_COLUMNS} ${PLATE_FROM} ${where} ORDER BY ${SORTS[sort]} LIMIT ? OFFSET ?`).all(
      ...params,
      limit,
      offset
    ) as PlateSqlRow[]
    return { items: rows.map(toPlateRow), total }
  }

  /** the first `limit` plates of a queue, without counting the rest (team review's review.next) */
  queueHead(filter: PlateFilter, sort: PlateSort, limit: number, scope?: QueueScope): PlateRow[] {
    const { where, params } = plateWhere(filter, scope)
    return (this.stmt(`SELECT ${PLATE_COLUMNS} ${PLATE_FROM} ${where} ORDER BY ${SORTS[sort]} LIMIT ?`).all(...params, limit) as PlateSqlRow[]).map(toPlateRow)
  }

  /** ids of plates matching a filter (bulk operations) */
  plateIds(filter: PlateFilter, scope?: QueueScope): number[] {
    const { where, params } = plateWhere(filter, scope)
    return (this.stmt(`SELECT p.id ${PLATE_FROM} ${where} ORDER BY p.id`).all(...params) as { id: number }[]).map((r) => r.id)
  }

  getPlate(id: number): PlateRow | null {
    const r = this.stmt(`SELECT ${PLATE_COLUMNS} ${PLATE_FROM} WHERE p.id = ?`).get(id) as PlateSqlRow | undefined
    return r ? toPlateRow(r) : null
  }

  getPlateDetail(id: number): PlateDetail | null {
    const row = this.getPlate(id)
    if (!row) return null
    const extra = this.stmt(
      `SELECT r.char_confidences, r.candidates, r.region_confidence, r.text AS read_text, r.model_text, r.rule, d.score, f.width, f.height
       FROM plates p JOIN frames f ON f.id = p.frame_id
       LEFT JOIN detections d ON d.id = p.detection_id
       LEFT JOIN reads r ON r.detection_id = p.detection_id
       WHERE p.id = ?`
    ).get(id) as {
      char_confidences: string | null
      candidates: string | null
      region_confidence: number | null
      read_text: string | null
      model_text: string | null
      rule: string | null
      score: number | null
      width: number
      height: number
    }
    return {
      ...row,
      rule:
        extra.rule && extra.model_text != null
          ? { country: extra.rule, modelText: extra.model_text, changed: extra.model_text !== extra.read_text }
          : null,
      charConfidences: (parseJson(extra.char_confidences) as number[] | null) ?? [],
      candidates: (parseJson(extra.candidates) as Candidate[] | null) ?? [],
      regionConfidence: extra.region_confidence,
      detectorScore: extra.score,
      frameWidth: extra.width,
      frameHeight: extra.height,
      history: this.listHistory(id, 0, 1000).items
    }
  }

  plateState(id: number): PlateState | null {
    const r = this.stmt(
      'SELECT text, review_state, reviewed_at, reviewed_by, x1, y1, x2, y2, corners FROM plates WHERE id = ?'
    ).get(id) as
      | { text: string; review_state: ReviewState; reviewed_at: string | null; reviewed_by: string | null; x1: number; y1: number; x2: number; y2: number; corners: string | null }
      | undefined
    if (!r) return null
    return {
      text: r.text,
      reviewState: r.review_state,
      reviewedAt: r.reviewed_at,
      reviewedBy: r.reviewed_by,
      box: { x1: r.x1, y1: r.y1, x2: r.x2, y2: r.y2 },
      corners: parseQuad(r.corners)
    }
  }

  plateExists(id: number): boolean {
    return !!this.stmt('SELECT 1 FROM plates WHERE id = ?').get(id)
  }

  plateModelText(id: number): string | null | undefined {
    const r = this.stmt('SELECT model_text FROM plates WHERE id = ?').get(id) as { model_text: string | null } | undefined
    return r ? r.model_text : undefined
  }

  // ------------------------------------------------------------------ media

  listMedia(folder: string | undefined, offset = 0, limit = 100): Page<MediaSummary> {
    const f = folder ? folderClause(folder) : null
    const where = f ? `WHERE ${f.sql}` : ''
    const params = f ? f.params : []
    const total = (this.stmt(`SELECT COUNT(*) AS n FROM media m ${where}`).get(...params) as { n: number }).n
    const rows = this.stmt(
      `SELECT m.id, m.path, m.folder, m.kind, m.size, m.width, m.height, m.duration_s, m.fps, m.captured_at, m.status, m.error,
        (SELECT COUNT(*) FROM plates p WHERE p.media_id = m.id AND p.review_state <> 'rejected') AS plates
       FROM media m ${where} ORDER BY m.path, m.id LIMIT ? OFFSET ?`
    ).all(...params, limit, offset) as {
      id: number
      path: string
      folder: string
      kind: MediaKind
      size: number
      width: number | null
      height: number | null
      duration_s: number | null
      fps: number | null
      captured_at: string | null
      status: MediaStatus
      error: string | null
      plates: number
    }[]
    return {
      total,
      items: rows.map((r) => ({
        id: r.id,
        path: r.path,
        folder: r.folder,
        kind: r.kind,
        size: r.size,
        width: r.width,
        height: r.height,
        durationS: r.duration_s,
        fps: r.fps,
        capturedAt: r.captured_at,
        status: r.status,
        error: r.error,
        plates: r.plates
      }))
    }
  }

  getMedia(id: number): MediaRecord | null {
    const r = this.stmt(
      `SELECT id, path, folder, sha256, kind, size, width, height, duration_s, fps, captured_at, status, error
       FROM media WHERE id = ?`
    ).get(id) as Record<string, unknown> | undefined
    return r ? toMedia(r) : null
  }

  mediaByHash(sha256: string): MediaRecord | null {
    const r = this.stmt(
      `SELECT id, path, folder, sha256, kind, size, width, height, duration_s, fps, captured_at, status, error
       FROM media WHERE sha256 = ?`
    ).get(sha256) as Record<string, unknown> | undefined
    return r ? toMedia(r) : null
  }

  /** every path a media file was seen under */
  mediaPaths(mediaId: number): string[] {
    return (this.stmt('SELECT path FROM media_paths WHERE media_id = ? ORDER BY path').all(mediaId) as { path: string }[]).map(
      (r) => r.path
    )
  }

  getFrame(mediaId: number, idx: number): FrameRecord | null {
    const r = this.stmt('SELECT id, media_id, idx, time_s, width, height FROM frames WHERE media_id = ? AND idx = ?').get(
      mediaId,
      idx
    ) as { id: number; media_id: number; idx: number; time_s: number | null; width: number; height: number } | undefined
    return r ? { id: r.id, mediaId: r.media_id, idx: r.idx, timeS: r.time_s, width: r.width, height: r.height } : null
  }

  // ------------------------------------------------------------------ stats, history, tracks

  stats(): LibraryStats {
    const m = this.stmt(
      `SELECT COUNT(*) AS media,
        COALESCE(SUM(CASE WHEN kind = 'image' THEN 1 ELSE 0 END), 0) AS images,
        COALESCE(SUM(CASE WHEN kind = 'video' THEN 1 ELSE 0 END), 0) AS videos,
        COALESCE(SUM(CASE WHEN status = 'error' THEN 1 ELSE 0 END), 0) AS errors
       FROM media`
    ).get() as { media: number; images: number; videos: number; errors: number }
    const count = (sql: string) => (this.stmt(sql).get() as { n: number }).n
    const unhashedErrors = count(
      `SELECT COUNT(DISTINCT path) AS n FROM import_items WHERE state = 'error' AND media_id IS NULL
         AND path NOT IN (SELECT path FROM media_paths)`
    )
    return {
      media: m.media,
      images: m.images,
      videos: m.videos,
      frames: count('SELECT COUNT(*) AS n FROM frames'),
      detections: count('SELECT COUNT(*) AS n FROM detections'),
      plates: count('SELECT COUNT(*) AS n FROM plates'),
      tracks: count('SELECT COUNT(*) AS n FROM tracks'),
      reviewed: count(`SELECT COUNT(*) AS n FROM plates WHERE review_state <> 'unreviewed'`),
      errors: m.errors + unhashedErrors
    }
  }

  listHistory(plateId: number | undefined, offset = 0, limit = 100): Page<HistoryEntry> {
    const where = plateId != null ? 'WHERE plate_id = ?' : ''
    const params = plateId != null ? [plateId] : []
    const total = (this.stmt(`SELECT COUNT(*) AS n FROM history ${where}`).get(...params) as { n: number }).n
    const rows = this.stmt(`SELECT * FROM history ${where} ORDER BY id DESC LIMIT ? OFFSET ?`).all(
      ...params,
      limit,
      offset
    ) as HistorySqlRow[]
    return { total, items: rows.map(toHistoryEntry) }
  }

  /** the History screen's list: entries newest first, filtered, each with its plate's text before and
   *  after the change and what is needed to show the plate's crop */
  historyItems(filter: HistoryFilter = {}, offset = 0, limit = 100, hideVotesFrom?: string): Page<HistoryListItem> {
    const clauses: string[] = []
    const params: unknown[] = []
    if (hideVotesFrom != null) {
      // double review: a reviewer does not see another's decision on a plate still waiting for theirs
      clauses.push(`NOT (h.action = 'vote' AND h.by <> ? AND p.review_state = 'unreviewed')`)
      params.push(hideVotesFrom)
    }
    if (filter.plateId != null) (clauses.push('h.plate_id = ?'), params.push(filter.plateId))
    if (filter.action) (clauses.push('h.action = ?'), params.push(filter.action))
    if (filter.dateFrom) (clauses.push('h.at >= ?'), params.push(filter.dateFrom))
    if (filter.dateTo) (clauses.push('h.at <= ?'), params.push(dateUpper(filter.dateTo)))
    const pat = filter.plateText ? textPattern(filter.plateText) : null
    if (pat) {
      // the plate's text now, or any text it had in this change
      clauses.push(`(p.text LIKE ? ESCAPE '\\' OR h.old_value LIKE ? ESCAPE '\\' OR h.new_value LIKE ? ESCAPE '\\')`)
      params.push(pat, pat, pat)
    }
    const where = clauses.length ? `WHERE ${clauses.join(' AND ')}` : ''
    const from = 'FROM history h JOIN plates p ON p.id = h.plate_id JOIN frames f ON f.id = p.frame_id'
    const total = (this.stmt(`SELECT COUNT(*) AS n ${from} ${where}`).get(...params) as { n: number }).n
    const rows = this.stmt(
      `SELECT h.*, p.media_id AS p_media, f.idx AS p_frame, p.x1 AS p_x1, p.y1 AS p_y1, p.x2 AS p_x2, p.y2 AS p_y2,
         p.text AS p_text, p.review_state AS p_state
       ${from} ${where} ORDER BY h.id DESC LIMIT ? OFFSET ?`
    ).all(...params, limit, offset) as (HistorySqlRow & {
      p_media: number
      p_frame: number
      p_x1: number
      p_y1: number
      p_x2: number
      p_y2: number
      p_text: string
      p_state: ReviewState
    })[]
    return {
      total,
      items: rows.map((r) => {
        const e = toHistoryEntry(r)
        const text = (v: unknown): string | null => (v && typeof v === 'object' && typeof (v as { text?: unknown }).text === 'string' ? (v as { text: string }).text : null)
        const after = text(e.newValue)
        // actions that never change the text (confirm, reject, box) kept the text they had
        const before = text(e.oldValue) ?? (e.action === 'add' ? null : ['confirm', 'reject', 'bulk-confirm', 'box'].includes(e.action) ? after : null)
        return {
          ...e,
          textBefore: before,
          textAfter: after,
          mediaId: r.p_media,
          frameIdx: r.p_frame,
          box: { x1: r.p_x1, y1: r.p_y1, x2: r.p_x2, y2: r.p_y2 },
          plateText: r.p_text,
          plateState: r.p_state
        }
      })
    }
  }

  getHistory(id: number): HistoryEntry | null {
    const r = this.stmt('SELECT * FROM history WHERE id = ?').get(id) as HistorySqlRow | undefined
    return r ? toHistoryEntry(r) : null
  }

  historyBatch(batchId: string): HistoryEntry[] {
    return (this.stmt('SELECT * FROM history WHERE batch_id = ? ORDER BY id').all(batchId) as HistorySqlRow[]).map(toHistoryEntry)
  }

  /** review changes that are not undos and not undone, newest first, in pages (before = id bound) */
  undoCandidates(beforeId: number, limit: number): HistoryEntry[] {
    return (
      this.stmt(`SELECT * FROM history WHERE undone_by IS NULL AND action <> 'undo' AND id < ? ORDER BY id DESC LIMIT ?`).all(
        beforeId,
        limit
      ) as HistorySqlRow[]
    ).map(toHistoryEntry)
  }

  listTracks(mediaId: number): TrackSummary[] {
    return this.tracksWhere('t.media_id = ?', mediaId)
  }

  trackSummary(trackId: number): TrackSummary | null {
    return this.tracksWhere('t.id = ?', trackId)[0] ?? null
  }

  private tracksWhere(where: string, param: number): TrackSummary[] {
    const rows = this.stmt(
      `SELECT t.id, t.media_id, t.voted_text, t.vote_confidence, t.first_frame, t.last_frame, t.first_time_s,
         t.last_time_s, t.n_detections, bf.idx AS best_frame,
         (SELECT p.id FROM plates p WHERE p.track_id = t.id ORDER BY p.id LIMIT 1) AS plate_id
       FROM tracks t
       LEFT JOIN detections bd ON bd.id = t.best_detection_id
       LEFT JOIN frames bf ON bf.id = bd.frame_id
       WHERE ${where} ORDER BY t.first_frame, t.id`
    ).all(param) as {
      id: number
      media_id: number
      voted_text: string
      vote_confidence: number
      first_frame: number
      last_frame: number
      first_time_s: number | null
      last_time_s: number | null
      n_detections: number
      best_frame: number | null
      plate_id: number | null
    }[]
    return rows.map((r) => ({
      id: r.id,
      mediaId: r.media_id,
      plateId: r.plate_id,
      text: r.voted_text,
      confidence: r.vote_confidence,
      firstFrame: r.first_frame,
      lastFrame: r.last_frame,
      firstTimeS: r.first_time_s,
      lastTimeS: r.last_time_s,
      bestFrame: r.best_frame ?? r.first_frame,
      detections: r.n_detections
    }))
  }

  trackExists(trackId: number): boolean {
    return !!this.stmt('SELECT 1 FROM tracks WHERE id = ?').get(trackId)
  }

  trackFrames(trackId: number): TrackFrame[] {
    const rows = this.stmt(
      `SELECT d.id, f.idx, f.time_s, d.x1, d.y1, d.x2, d.y2, d.score, r.text, r.confidence
       FROM detections d JOIN frames f ON f.id = d.frame_id LEFT JOIN reads r ON r.detection_id = d.id
       WHERE d.track_id = ? ORDER BY f.idx, d.id`
    ).all(trackId) as {
      id: number
      idx: number
      time_s: number | null
      x1: number
      y1: number
      x2: number
      y2: number
      score: number
      text: string | null
      confidence: number | null
    }[]
    return rows.map((r) => ({
      detectionId: r.id,
      frameIdx: r.idx,
      timeS: r.time_s,
      box: { x1: r.x1, y1: r.y1, x2: r.x2, y2: r.y2 },
      score: r.score,
      text: r.text,
      confidence: r.confidence
    }))
  }

  // ------------------------------------------------------------------ import failures, settings

  importFailures(jobId: number | undefined, offset = 0, limit = 100): Page<ImportFailure> {
    const where = jobId != null ? `WHERE state = 'error' AND job_id = ?` : `WHERE state = 'error'`
    const params = jobId != null ? [jobId] : []
    const total = (this.stmt(`SELECT COUNT(*) AS n FROM import_items ${where}`).get(...params) as { n: number }).n
    const rows = this.stmt(`SELECT path, error FROM import_items ${where} ORDER BY id LIMIT ? OFFSET ?`).all(
      ...params,
      limit,
      offset
    ) as { path: string; error: string | null }[]
    return { total, items: rows.map((r) => ({ path: r.path, error: r.error ?? 'unknown error' })) }
  }

  importDuplicates(jobId: number | undefined, offset = 0, limit = 100): Page<ImportDuplicate> {
    const where = jobId != null ? `WHERE i.state = 'duplicate' AND i.job_id = ?` : `WHERE i.state = 'duplicate'`
    const params = jobId != null ? [jobId] : []
    const total = (this.stmt(`SELECT COUNT(*) AS n FROM import_items i ${where}`).get(...params) as { n: number }).n
    const rows = this.stmt(
      `SELECT i.path, m.path AS of FROM import_items i LEFT JOIN media m ON m.id = i.media_id ${where} ORDER BY i.id LIMIT ? OFFSET ?`
    ).all(...params, limit, offset) as { path: string; of: string | null }[]
    return { total, items: rows.map((r) => ({ path: r.path, duplicateOf: r.of ?? '' })) }
  }

  settings(): Settings {
    const rows = this.stmt('SELECT key, value FROM settings').all() as { key: string; value: string }[]
    const out: Record<string, unknown> = { ...DEFAULT_SETTINGS }
    for (const r of rows) {
      if (r.key in DEFAULT_SETTINGS) {
        const v = parseJson(r.value)
        if (v != null) out[r.key] = v
      }
    }
    return out as unknown as Settings
  }

  /** a raw setting by key (other features may keep their own keys in the table) */
  setting(key: string): unknown {
    const r = this.stmt('SELECT value FROM settings WHERE key = ?').get(key) as { value: string } | undefined
    return r ? parseJson(r.value) : undefined
  }
}

function toMedia(r: Record<string, unknown>): MediaRecord {
  return {
    id: r.id as number,
    path: r.path as string,
    folder: r.folder as string,
    sha256: r.sha256 as string,
    kind: r.kind as MediaKind,
    size: r.size as number,
    width: r.width as number | null,
    height: r.height as number | null,
    durationS: r.duration_s as number | null,
    fps: r.fps as number | null,
    capturedAt: r.captured_at as string | null,
    status: r.status as MediaStatus,
    error: r.error as string | null
  }
}
