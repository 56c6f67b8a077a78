// Review edits and settings. Every change to a plate happens in one transaction together with the
// history row that records it (old and new values of exactly the fields it touched), so the log and
// the data never disagree.
//
// Undo: undoing entry E restores E's old values, appends an 'undo' entry (old = the values before the
// undo, new = the restored values) and sets E.undone_by. Entries sharing a batch_id (bulk-confirm) are
// undone together, under a fresh batch id. Undoing an 'undo' entry re-applies what it undid (redo).
// Undo of 'add' rejects the hand-drawn plate (the row and its history stay, so the undo is itself
// undoable); if a plate's fields changed since E, undoing E is a 'conflict' (single entry) or that plate
// is skipped (batch). A 'track' entry (a video track split or merged by hand) restores the snapshot of
// the tracks it touched instead of plate fields (db/track-writer.ts).
import type { Db } from './db'
import { randomUUID } from 'node:crypto'
import type { Box, HistoryEntry, PlateFilter, PlateRow, ReviewState, Settings } from '../../shared/types'
import { plateFromInput } from '../../shared/plate-text'
import { quadBox, type Quad } from '../../shared/geometry'
import { DEFAULT_SETTINGS, type PlateState, type Reader } from './reader'
import { Statements } from './statements'
import { TrackEditError, TrackWriter, isTrackChange } from './track-writer'
import type { QueueScope } from './leases'

export class LibraryError extends Error {
  constructor(
    readonly code: 'not-found' | 'conflict' | 'invalid-request' | 'io' | 'internal',
    message: string
  ) {
    super(message)
    this.name = 'LibraryError'
  }
}

type Fields = Partial<PlateState>

const now = () => new Date().toISOString()

export class Writer extends Statements {
  private readonly tracks: TrackWriter

  constructor(
    db: Db,
    readonly reader: Reader
  ) {
    super(db)
    this.tracks = new TrackWriter(db, (...a) => this.log(...a))
  }


  private mustState(id: number): PlateState {
    const s = this.reader.plateState(id)
    if (!s) throw new LibraryError('not-found', `plate ${id} not found`)
    return s
  }

  private mustRow(id: number): PlateRow {
    const r = this.reader.getPlate(id)
    if (!r) throw new LibraryError('not-found', `plate ${id} not found`)
    return r
  }

  /** writes the given fields of a plate (and updated_at) */
  private apply(id: number, f: Fields, at: string): void {
    const sets: string[] = []
    const params: unknown[] = []
    if (f.text !== undefined) (sets.push('text = ?'), params.push(f.text))
    if (f.reviewState !== undefined) (sets.push('review_state = ?'), params.push(f.reviewState))
    if (f.reviewedAt !== undefined) (sets.push('reviewed_at = ?'), params.push(f.reviewedAt))
    if (f.reviewedBy !== undefined) (sets.push('reviewed_by = ?'), params.push(f.reviewedBy))
    if (f.box !== undefined) {
      sets.push('x1 = ?', 'y1 = ?', 'x2 = ?', 'y2 = ?')
      params.push(f.box.x1, f.box.y1, f.box.x2, f.box.y2)
    }
    if (f.corners !== undefined) (sets.push('corners = ?'), params.push(f.corners ? JSON.stringify(f.corners) : null))
    sets.push('updated_at = ?')
    params.push(at)
    this.stmt(`UPDATE plates SET ${sets.join(', ')} WHERE id = ?`).run(...params, id)
    // a video track's plate reviews the whole track: its text and state reach the track at once
    if (f.text !== undefined || f.reviewState !== undefined) {
      const t = this.stmt('SELECT track_id FROM plates WHERE id = ?').get(id) as { track_id: number | null } | undefined
      if (t?.track_id != null) this.tracks.sync(t.track_id)
    }
  }

  /** appends one history row (public for db/double-review.ts: a vote is history without a plate change) */
  log(
    plateId: number,
    action: HistoryEntry['action'],
    oldValue: unknown,
    newValue: unknown,
    at: string,
    by: string,
    batchId: string | null
  ): number {
    const r = this.stmt(
      'INSERT INTO history (plate_id, action, old_value, new_value, at, by, batch_id) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id'
    ).get(plateId, action, oldValue == null ? null : JSON.stringify(oldValue), newValue == null ? null : JSON.stringify(newValue), at, by, batchId) as { id: number }
    return r.id
  }

  /** one review change: pick the touched fields, write them, log old/new */
  private change(id: number, action: HistoryEntry['action'], next: Fields, by: string, batchId: string | null = null): void {
    const cur = this.mustState(id)
    const at = now()
    const old: Fields = {}
    for (const k of Object.keys(next) as (keyof PlateState)[]) (old as Record<string, unknown>)[k] = cur[k]
    this.apply(id, next, at)
    this.log(id, action, old, next, at, by, batchId)
  }

  /** the text stays as it is (and is recorded on both sides, so the history shows what was confirmed) */
  confirm(id: number, by: string): PlateRow {
    this.tx(() => {
      const cur = this.mustState(id)
      if (!cur.text) throw new LibraryError('invalid-request', `plate ${id} has no text to confirm; type it, or mark the plate illegible`)
      this.change(id, 'confirm', { text: cur.text, reviewState: 'confirmed', reviewedAt: now(), reviewedBy: by }, by)
    })
    return this.mustRow(id)
  }

  /** a real plate whose text cannot be read: its box stays detection data, its text is cleared */
  illegible(id: number, by: string): PlateRow {
    this.tx(() => {
      this.mustState(id)
      this.change(id, 'illegible', { text: '', reviewState: 'illegible', reviewedAt: now(), reviewedBy: by }, by)
    })
    return this.mustRow(id)
  }

  correct(id: number, text: string, by: string): PlateRow {
    const clean = plateFromInput(text)
    if (!clean) throw new LibraryError('invalid-request', 'corrected text is empty; an unreadable plate is marked illegible')
    this.tx(() => {
      const model = this.reader.plateModelText(id)
      if (model === undefined) throw new LibraryError('not-found', `plate ${id} not found`)
      const state: ReviewState = model == null ? 'manual' : clean === model ? 'confirmed' : 'corrected'
      this.change(id, 'correct', { text: clean, reviewState: state, reviewedAt: now(), reviewedBy: by }, by)
    })
    return this.mustRow(id)
  }

  reject(id: number, by: string): PlateRow {
    this.tx(() => {
      const cur = this.mustState(id)
      this.change(id, 'reject', { text: cur.text, reviewState: 'rejected', reviewedAt: now(), reviewedBy: by }, by)
    })
    return this.mustRow(id)
  }

  setBox(id: number, box: Box, by: string): PlateRow {
    this.tx(() => {
      this.mustState(id)
      const size = this.stmt('SELECT f.width, f.height FROM plates p JOIN frames f ON f.id = p.frame_id WHERE p.id = ?').get(id) as
        | { width: number; height: number }
        | undefined
      if (!size) throw new LibraryError('not-found', `the frame of plate ${id} not found`)
      this.change(id, 'box', { box: fitBox(box, size.width, size.height) }, by)
    })
    return this.mustRow(id)
  }

  /** moves a plate's corners (a 'box' history entry: the box follows as their bounding box); null drops them */
  setCorners(id: number, corners: Quad | null, by: string): PlateRow {
    if (corners && (corners.length !== 4 || !corners.every((p) => p.length === 2 && p.every(Number.isFinite)))) {
      throw new LibraryError('invalid-request', 'corners must be 4 points of finite numbers')
    }
    this.tx(() => {
      this.mustState(id)
      if (!corners) return this.change(id, 'box', { corners: null }, by)
      const size = this.stmt('SELECT f.width, f.height FROM plates p JOIN frames f ON f.id = p.frame_id WHERE p.id = ?').get(id) as
        | { width: number; height: number }
        | undefined
      if (!size) throw new LibraryError('not-found', `the frame of plate ${id} not found`)
      // the corners are clamped to the frame like a box; the box is their bounding box
      const clamp = (v: number, max: number): number => Math.min(max, Math.max(0, v))
      const q = corners.map(([x, y]) => [clamp(x, size.width), clamp(y, size.height)]) as Quad
      this.change(id, 'box', { corners: q, box: fitBox(quadBox(q), size.width, size.height) }, by)
    })
    return this.mustRow(id)
  }

  /** a hand-drawn plate on a frame (state 'manual', or 'illegible' without text); for a video frame that
   *  was not sampled, the frame row is created from the media's size and fps */
  add(mediaId: number, frameIdx: number, box: Box, text: string, by: string, illegible = false): PlateRow {
    const clean = plateFromInput(text)
    if (illegible && clean) throw new LibraryError('invalid-request', 'an illegible plate has no text')
    if (!illegible && !clean) throw new LibraryError('invalid-request', 'a new plate needs its text, or mark it illegible')
    const state: ReviewState = illegible ? 'illegible' : 'manual'
    const id = this.tx(() => {
      const media = this.reader.getMedia(mediaId)
      if (!media) throw new LibraryError('not-found', `media ${mediaId} not found`)
      let frame = this.reader.getFrame(mediaId, frameIdx)
      if (!frame) {
        if (media.kind !== 'video' || media.width == null || media.height == null || frameIdx < 0)
          throw new LibraryError('not-found', `frame ${frameIdx} of media ${mediaId} not found`)
        const timeS = media.fps ? frameIdx / media.fps : null
        if (media.durationS != null && timeS != null && timeS > media.durationS)
          throw new LibraryError('not-found', `frame ${frameIdx} is past the end of media ${mediaId}`)
        this.stmt('INSERT INTO frames (media_id, idx, time_s, width, height) VALUES (?, ?, ?, ?, ?)').run(
          mediaId,
          frameIdx,
          timeS,
          media.width,
          media.height
        )
        frame = this.reader.getFrame(mediaId, frameIdx)!
      }
      const b = fitBox(box, frame.width, frame.height)
      const at = now()
      const r = this.stmt(
        `INSERT INTO plates (media_id, frame_id, detection_id, track_id, x1, y1, x2, y2, text, model_text, confidence,
           region, review_state, reviewed_at, reviewed_by, updated_at)
         VALUES (?, ?, NULL, NULL, ?, ?, ?, ?, ?, NULL, 1, NULL, ?, ?, ?, ?) RETURNING id`
      ).get(mediaId, frame.id, b.x1, b.y1, b.x2, b.y2, clean, state, at, by, at) as { id: number }
      const pid = r.id
      this.log(pid, 'add', null, { text: clean, reviewState: state, reviewedAt: at, reviewedBy: by, box: b }, at, by, null)
      return pid
    })
    return this.mustRow(id)
  }

  /** confirms every unreviewed plate matching the filter with confidence >= minConfidence, as one batch */
  bulkConfirm(filter: PlateFilter, minConfidence: number, by: string, scope?: QueueScope): { count: number; batchId: string } {
    const batchId = randomUUID()
    let count = 0
    this.tx(() => {
      const ids = this.reader.plateIds({ ...filter, state: 'unreviewed', minConfidence: Math.max(minConfidence, filter.minConfidence ?? 0) }, scope)
      const at = now()
      for (const id of ids) {
        // a plate the model read no text from cannot be confirmed: it stays for a person to decide
        const text = this.mustState(id).text
        if (!text) continue
        this.change(id, 'bulk-confirm', { text, reviewState: 'confirmed', reviewedAt: at, reviewedBy: by }, by, batchId)
        count++
      }
    })
    return { count, batchId }
  }

  /** undo one entry (or the newest undoable one); a batch entry undoes its whole batch */
  undo(historyId: number | undefined, by: string): { undone: number; plateIds: number[] } {
    return this.tx(() => {
      const target = historyId != null ? this.reader.getHistory(historyId) : this.latestUndoable(by)
      if (!target) {
        if (historyId != null) throw new LibraryError('not-found', `history entry ${historyId} not found`)
        return { undone: 0, plateIds: [] }
      }
      if (target.undoneBy != null) throw new LibraryError('conflict', `history entry ${target.id} was already undone`)
      const entries = target.batchId ? this.reader.historyBatch(target.batchId).filter((e) => e.undoneBy == null) : [target]
      const single = !target.batchId
      const batchId = entries.length > 1 || target.batchId ? randomUUID() : null
      const at = now()
      const plateIds: number[] = []
      for (const e of entries) {
        const cur = this.reader.plateState(e.plateId)
        if (!cur) continue
        if (e.action === 'vote') {
          // a double-review vote (db/double-review.ts): only its author takes it back, before the plate settles
          const why = this.voteUndoable(e, cur, by)
          if (why) {
            if (single) throw new LibraryError('conflict', why)
            continue
          }
          const back = e.oldValue as { reviewState: ReviewState; text: string } | null
          if (back) {
            this.stmt(
              `INSERT INTO review_votes (plate_id, reviewer, review_state, text, at) VALUES (?, ?, ?, ?, ?)
               ON CONFLICT (plate_id, reviewer) DO UPDATE SET review_state = excluded.review_state, text = excluded.text, at = excluded.at`
            ).run(e.plateId, e.by, back.reviewState, back.text, at)
          } else this.stmt('DELETE FROM review_votes WHERE plate_id = ? AND reviewer = ?').run(e.plateId, e.by)
          // recorded as a vote of its own (taken back), so undoing it restores the vote the same way
          const uid = this.log(e.plateId, 'vote', e.newValue, back, at, e.by, batchId)
          this.stmt('UPDATE history SET undone_by = ? WHERE id = ?').run(uid, e.id)
          plateIds.push(e.plateId)
          continue
        }
        if (isTrackChange(e.oldValue) && isTrackChange(e.newValue)) {
          // a split or merge: the tracks must still be as it left them
          if (!this.tracks.holds(e.newValue.snapshot)) {
            if (single) throw new LibraryError('conflict', `the tracks of history entry ${e.id} changed since; undo the later change first`)
            continue
          }
          this.tracks.restore(e.oldValue.snapshot, this.tracks.snapshot(e.newValue.snapshot.tracks.map((t) => t.id as number)))
          const uid = this.log(e.plateId, 'undo', e.newValue, e.oldValue, at, by, batchId)
          this.stmt('UPDATE history SET undone_by = ? WHERE id = ?').run(uid, e.id)
          plateIds.push(e.plateId)
          continue
        }
        let restore: Fields
        if (e.action === 'add') {
          restore = { reviewState: 'rejected', reviewedAt: at, reviewedBy: by }
        } else {
          restore = (e.oldValue ?? {}) as Fields
        }
        const expected = (e.newValue ?? {}) as Fields
        if (!matches(cur, expected)) {
          if (single) throw new LibraryError('conflict', `plate ${e.plateId} changed after history entry ${e.id}; undo the later change first`)
          continue
        }
        const old: Fields = {}
        for (const k of Object.keys(restore) as (keyof PlateState)[]) (old as Record<string, unknown>)[k] = cur[k]
        this.apply(e.plateId, restore, at)
        const uid = this.log(e.plateId, 'undo', old, restore, at, by, batchId)
        this.stmt('UPDATE history SET undone_by = ? WHERE id = ?').run(uid, e.id)
        plateIds.push(e.plateId)
      }
      return { undone: plateIds.length, plateIds }
    })
  }

  /** the newest change that can still be undone: not undone, and (for at least one of its batch's
   *  plates) the plate still holds the values it set; a change overwritten later is passed over */
  private latestUndoable(by: string): HistoryEntry | null {
    let before = Number.MAX_SAFE_INTEGER
    for (;;) {
      const page = this.reader.undoCandidates(before, 200)
      if (!page.length) return null
      for (const e of page) {
        const cur = this.reader.plateState(e.plateId)
        if (e.action === 'vote') {
          if (cur && this.voteUndoable(e, cur, by) === null) return e
          continue
        }
        if (isTrackChange(e.newValue)) {
          if (cur && this.tracks.holds(e.newValue.snapshot)) return e
          continue
        }
        if (cur && matches(cur, (e.newValue ?? {}) as Fields)) return e
      }
      before = page[page.length - 1].id
    }
  }

  /** why a 'vote' entry cannot be undone by `by` now (null: it can): the plate is still unsettled and the
   *  author's vote is still the one the entry set */
  private voteUndoable(e: HistoryEntry, cur: PlateState, by: string): string | null {
    if (e.by !== by) return `history entry ${e.id} is ${e.by}'s vote; only they can take it back`
    if (cur.reviewState !== 'unreviewed') return `plate ${e.plateId} was settled after vote ${e.id}`
    const v = this.stmt('SELECT review_state, text FROM review_votes WHERE plate_id = ? AND reviewer = ?').get(e.plateId, e.by) as
      | { review_state: ReviewState; text: string }
      | undefined
    const set = e.newValue as { reviewState: ReviewState; text: string } | null
    const same = set ? !!v && v.review_state === set.reviewState && v.text === set.text : !v
    return same ? null : `the vote of ${e.by} on plate ${e.plateId} changed after history entry ${e.id}`
  }

  // ------------------------------------------------------------------ video tracks

  /** the plate that reviews a track (every stored track has one) */
  private trackPlate(trackId: number): number {
    if (!this.reader.trackExists(trackId)) throw new LibraryError('not-found', `track ${trackId} not found`)
    const id = this.tracks.plateOf(trackId)
    if (id == null) throw new LibraryError('not-found', `track ${trackId} has no plate to review`)
    return id
  }

  private trackEdit<T>(fn: () => T): T {
    try {
      return this.tx(fn)
    } catch (err) {
      if (err instanceof TrackEditError) throw new LibraryError(err.code, err.message)
      throw err
    }
  }

  /** the track's text corrected: its plate (which reviews every read of the track) in one history step */
  setTrackText(trackId: number, text: string, by: string): PlateRow {
    return this.correct(this.trackPlate(trackId), text, by)
  }

  /** confirms the track's text for every read of it (its plate) */
  confirmTrack(trackId: number, by: string): PlateRow {
    return this.confirm(this.trackPlate(trackId), by)
  }

  /** members at frame >= atFrame move to a new track; both re-voted; one history step */
  splitTrack(trackId: number, atFrame: number, by: string): [number, number] {
    return this.trackEdit(() => this.tracks.split(trackId, atFrame, by, now()))
  }

  /** all members into the earliest track; re-voted; one history step */
  mergeTracks(trackIds: number[], by: string): number {
    return this.trackEdit(() => this.tracks.merge(trackIds, by, now()))
  }

  // ------------------------------------------------------------------ settings

  setSettings(patch: Partial<Settings>): Settings {
    this.tx(() => {
      for (const [k, v] of Object.entries(patch)) {
        if (v === undefined || !(k in DEFAULT_SETTINGS)) continue
        this.setSetting(k, v)
      }
    })
    return this.reader.settings()
  }

  setSetting(key: string, value: unknown): void {
    this.tx(() =>
      this.stmt('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, JSON.stringify(value))
    )
  }
}

/** the review-meaningful fields (text, state, box) of `cur` equal those recorded in `expected` */
function matches(cur: PlateState, expected: Fields): boolean {
  if (expected.text !== undefined && expected.text !== cur.text) return false
  if (expected.reviewState !== undefined && expected.reviewState !== cur.reviewState) return false
  if (expected.corners !== undefined && JSON.stringify(expected.corners) !== JSON.stringify(cur.corners)) return false
  if (expected.box !== undefined) {
    const a = expected.box
    const b = cur.box
    if (a.x1 !== b.x1 || a.y1 !== b.y1 || a.x2 !== b.x2 || a.y2 !== b.y2) return false
  }
  return true
}

/**
 * A reviewed box in its frame: corners ordered and clamped to the width x height image. A box dragged a
 * little past the edge is clamped; coordinates more than a frame's size outside it are nonsense (they
 * would clamp to a full-frame label), and so is a box that is empty once clamped.
 */
export function fitBox(b: Box, width: number, height: number): Box {
  const vals = [b.x1, b.y1, b.x2, b.y2]
  if (!vals.every((v) => Number.isFinite(v))) throw new LibraryError('invalid-request', 'box coordinates must be finite numbers')
  const xsOk = [b.x1, b.x2].every((x) => x >= -width && x <= 2 * width)
  const ysOk = [b.y1, b.y2].every((y) => y >= -height && y <= 2 * height)
  if (!xsOk || !ysOk) {
    const show = vals.map((v) => String(Math.round(v))).join(', ')
    throw new LibraryError('invalid-request', `box (${show.slice(0, 200)}) lies far outside the ${width}x${height} frame`)
  }
  const clamp = (v: number, max: number): number => Math.min(max, Math.max(0, v))
  const box = {
    x1: clamp(Math.min(b.x1, b.x2), width),
    y1: clamp(Math.min(b.y1, b.y2), height),
    x2: clamp(Math.max(b.x1, b.x2), width),
    y2: clamp(Math.max(b.y1, b.y2), height)
  }
  if (box.x2 - box.x1 < 1 || box.y2 - box.y1 < 1) throw new LibraryError('invalid-request', `box is empty inside the ${width}x${height} frame`)
  return box
}
