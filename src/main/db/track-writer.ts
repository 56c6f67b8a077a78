// Video tracks edited by hand, and a track's text kept in step with its review.
//
// A video track's review unit is its plate (one per track): reviewing that plate reviews every read of
// the track, so a reviewed plate's text is the track's text (reviewed reads outweigh the model's vote)
// and an unreviewed one follows the vote over the track's reads. sync() re-votes a track after any change
// to its plate, undo included.
//
// Split and merge change which detections belong to which track, create or delete tracks and their
// plates. Each writes one 'track' history entry whose old/new values are snapshots of every track it
// touched (track rows, member detections, plate rows), so undo restores the old snapshot in one step
// (after checking that the tracks still hold the new one) and redo restores the new one.
import type { Db } from './db'
import type { HistoryEntry } from '../../shared/types'
import { bestIndex, voteText } from '../tracking/vote'
import { Statements } from './statements'

type Row = Record<string, unknown>

export interface TrackSnapshot {
  tracks: Row[]
  /** [detection id, track id] of every member detection */
  members: [number, number][]
  plates: Row[]
}

/** the old/new value of a 'track' history entry */
export interface TrackChange {
  op: 'split' | 'merge'
  snapshot: TrackSnapshot
}

export function isTrackChange(v: unknown): v is TrackChange {
  return !!v && typeof v === 'object' && 'snapshot' in v && 'op' in v
}

export class TrackEditError extends Error {
  constructor(
    readonly code: 'not-found' | 'conflict' | 'invalid-request',
    message: string
  ) {
    super(message)
  }
}

interface Member {
  id: number
  frame_id: number
  idx: number
  time_s: number | null
  x1: number
  y1: number
  x2: number
  y2: number
  score: number
  text: string | null
  confidence: number | null
  char_confidences: string | null
  region: string | null
}

type Log = (plateId: number, action: HistoryEntry['action'], oldValue: unknown, newValue: unknown, at: string, by: string, batchId: string | null) => number

export class TrackWriter extends Statements {
  constructor(
    db: Db,
    private readonly log: Log
  ) {
    super(db)
  }

  plateOf(trackId: number): number | null {
    const r = this.stmt('SELECT id FROM plates WHERE track_id = ? ORDER BY id LIMIT 1').get(trackId) as { id: number } | undefined
    return r ? r.id : null
  }

  private members(trackId: number): Member[] {
    return this.stmt(
      `SELECT d.id, d.frame_id, f.idx, f.time_s, d.x1, d.y1, d.x2, d.y2, d.score, r.text, r.confidence, r.char_confidences, r.region
       FROM detections d JOIN frames f ON f.id = d.frame_id LEFT JOIN reads r ON r.detection_id = d.id
       WHERE d.track_id = ? ORDER BY f.idx, d.id`
    ).all(trackId) as Member[]
  }

  private static vote(ms: Member[]) {
    return voteText(
      ms
        .filter((m) => m.text)
        .map((m) => ({
          text: m.text!,
          confidence: m.confidence ?? 0,
          charConfidences: safeJson<number[]>(m.char_confidences) ?? undefined,
          weight: m.score,
          region: m.region
        }))
    )
  }

  /**
   * Re-votes a track: its span, best detection and text (its plate's when the plate is reviewed with a
   * text, else the vote over its reads); an unreviewed plate follows the vote and the best detection.
   */
  sync(trackId: number): void {
    const ms = this.members(trackId)
    if (!ms.length) return
    const vote = TrackWriter.vote(ms)
    const best = ms[bestIndex(ms.map((m) => ({ score: m.score, confidence: m.confidence })))]
    const plateId = this.plateOf(trackId)
    const plate = plateId != null ? (this.stmt('SELECT text, review_state FROM plates WHERE id = ?').get(plateId) as { text: string; review_state: string }) : null
    const reviewed = plate && plate.review_state !== 'unreviewed' && plate.review_state !== 'rejected' && plate.text
    const first = ms[0]
    const last = ms[ms.length - 1]
    this.stmt(
      `UPDATE tracks SET voted_text = ?, vote_confidence = ?, first_frame = ?, last_frame = ?, first_time_s = ?, last_time_s = ?,
         best_detection_id = ?, n_detections = ? WHERE id = ?`
    ).run(reviewed ? plate.text : vote.text, reviewed ? 1 : vote.confidence, first.idx, last.idx, first.time_s, last.time_s, best.id, ms.length, trackId)
    if (plateId != null && plate && plate.review_state === 'unreviewed') {
      this.stmt(
        `UPDATE plates SET text = ?, model_text = ?, confidence = ?, region = ?, frame_id = ?, detection_id = ?, x1 = ?, y1 = ?, x2 = ?, y2 = ?,
           corners = CASE WHEN detection_id = ? THEN corners ELSE NULL END WHERE id = ?`
      ).run(vote.text, vote.text || null, vote.confidence, vote.region, best.frame_id, best.id, best.x1, best.y1, best.x2, best.y2, best.id, plateId)
    }
  }

  snapshot(trackIds: number[]): TrackSnapshot {
    const ids = [...new Set(trackIds)].sort((a, b) => a - b)
    const tracks: Row[] = []
    const members: [number, number][] = []
    const plates: Row[] = []
    for (const id of ids) {
      const t = this.stmt('SELECT * FROM tracks WHERE id = ?').get(id) as Row | undefined
      if (!t) continue
      tracks.push(t)
      for (const d of this.stmt('SELECT id FROM detections WHERE track_id = ? ORDER BY id').all(id) as { id: number }[]) members.push([d.id, id])
      plates.push(...(this.stmt('SELECT * FROM plates WHERE track_id = ? ORDER BY id').all(id) as Row[]))
    }
    return { tracks, members, plates }
  }

  /** the tracks of `s` are as `s` recorded them (membership, their plates' ids, texts and review states) */
  holds(s: TrackSnapshot): boolean {
    const cur = this.snapshot(s.tracks.map((t) => t.id as number))
    const key = (x: TrackSnapshot) =>
      JSON.stringify([
        x.tracks.map((t) => t.id),
        [...x.members].sort((a, b) => a[0] - b[0]),
        x.plates.map((p) => [p.id, p.track_id, p.text, p.review_state]).sort((a, b) => (a[0] as number) - (b[0] as number))
      ])
    return key(cur) === key(s)
  }

  /** puts back the tracks of `target`, replacing those of `current` (what the tracks hold now) */
  restore(target: TrackSnapshot, current: TrackSnapshot): void {
    const has = (table: string, id: unknown) => !!this.stmt(`SELECT 1 FROM ${table} WHERE id = ?`).get(id)
    const upsert = (table: string, row: Row) => {
      const cols = Object.keys(row).filter((k) => k !== 'id')
      if (has(table, row.id)) this.db.prepare(`UPDATE ${table} SET ${cols.map((c) => `${c} = ?`).join(', ')} WHERE id = ?`).run(...cols.map((c) => row[c]), row.id)
      else this.db.prepare(`INSERT INTO ${table} (id, ${cols.join(', ')}) VALUES (?, ${cols.map(() => '?').join(', ')})`).run(row.id, ...cols.map((c) => row[c]))
    }
    // plates the target lacks go first: one may hold a detection a restored plate takes back (a split
    // at the best frame gives the new track's plate that detection; plates.detection_id is unique)
    const keepPlates = new Set(target.plates.map((p) => p.id))
    for (const p of current.plates) if (!keepPlates.has(p.id)) this.stmt('DELETE FROM plates WHERE id = ?').run(p.id)
    for (const t of target.tracks) upsert('tracks', t)
    for (const [det, track] of target.members) this.stmt('UPDATE detections SET track_id = ? WHERE id = ?').run(track, det)
    for (const p of target.plates) upsert('plates', p)
    const keepTracks = new Set(target.tracks.map((t) => t.id))
    for (const t of current.tracks) if (!keepTracks.has(t.id)) this.stmt('DELETE FROM tracks WHERE id = ?').run(t.id)
  }

  private mustTrack(trackId: number): { id: number; media_id: number } {
    const t = this.stmt('SELECT id, media_id FROM tracks WHERE id = ?').get(trackId) as { id: number; media_id: number } | undefined
    if (!t) throw new TrackEditError('not-found', `track ${trackId} not found`)
    return t
  }

  /** members at frame >= atFrame move to a new track (with its own, unreviewed plate); both re-voted */
  split(trackId: number, atFrame: number, by: string, at: string): [number, number] {
    const t = this.mustTrack(trackId)
    const ms = this.members(trackId)
    const moving = ms.filter((m) => m.idx >= atFrame)
    if (!moving.length || moving.length === ms.length)
      throw new TrackEditError(
        'invalid-request',
        `track ${trackId} spans frames ${ms[0]?.idx ?? '-'}-${ms.at(-1)?.idx ?? '-'}: splitting at frame ${atFrame} would leave one part empty`
      )
    const plateId = this.plateOf(trackId)
    if (plateId == null) throw new TrackEditError('not-found', `track ${trackId} has no plate to review`)
    const before = this.snapshot([trackId])
    const first = moving[0]
    const nid = (
      this.stmt(
        `INSERT INTO tracks (media_id, voted_text, vote_confidence, first_frame, last_frame, first_time_s, last_time_s, best_detection_id, n_detections)
         VALUES (?, '', 0, ?, ?, ?, ?, ?, ?) RETURNING id`
      ).get(t.media_id, first.idx, first.idx, first.time_s, first.time_s, first.id, moving.length) as { id: number }
    ).id
    for (const m of moving) this.stmt('UPDATE detections SET track_id = ? WHERE id = ?').run(nid, m.id)
    // the plate keeps its review; if its detection moved, it moves to the best one left
    const pd = this.stmt('SELECT detection_id FROM plates WHERE id = ?').get(plateId) as { detection_id: number | null }
    if (pd.detection_id != null && moving.some((m) => m.id === pd.detection_id)) {
      const left = ms.filter((m) => m.idx < atFrame)
      const b = left[bestIndex(left.map((m) => ({ score: m.score, confidence: m.confidence })))]
      this.stmt('UPDATE plates SET frame_id = ?, detection_id = ?, x1 = ?, y1 = ?, x2 = ?, y2 = ?, corners = NULL WHERE id = ?').run(
        b.frame_id,
        b.id,
        b.x1,
        b.y1,
        b.x2,
        b.y2,
        plateId
      )
    }
    this.stmt(
      `INSERT INTO plates (media_id, frame_id, detection_id, track_id, x1, y1, x2, y2, text, model_text, confidence, region, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, '', NULL, 0, NULL, ?)`
    ).run(t.media_id, first.frame_id, first.id, nid, first.x1, first.y1, first.x2, first.y2, at)
    this.sync(trackId)
    this.sync(nid)
    const after = this.snapshot([trackId, nid])
    this.log(plateId, 'track', { op: 'split', snapshot: before }, { op: 'split', snapshot: after }, at, by, null)
    return [trackId, nid]
  }

  /** every member into the earliest track; the others and their plates go (a reviewed plate's text is kept) */
  merge(trackIds: number[], by: string, at: string): number {
    const ids = [...new Set(trackIds)]
    if (ids.length < 2) throw new TrackEditError('invalid-request', 'merging needs at least two different tracks')
    const ts = ids.map((id) => this.mustTrack(id))
    if (new Set(ts.map((t) => t.media_id)).size > 1) throw new TrackEditError('invalid-request', `tracks ${ids.join(', ')} are not of the same video`)
    const rows = ids
      .map((id) => this.stmt('SELECT id, first_frame, n_detections FROM tracks WHERE id = ?').get(id) as { id: number; first_frame: number; n_detections: number })
      .sort((a, b) => a.first_frame - b.first_frame || a.id - b.id)
    const host = rows[0].id
    const hostPlate = this.plateOf(host)
    if (hostPlate == null) throw new TrackEditError('not-found', `track ${host} has no plate to review`)
    const before = this.snapshot(ids)
    // the host's plate is unreviewed but another was reviewed: the reviewed text (of the longest) wins
    const hp = this.stmt('SELECT review_state FROM plates WHERE id = ?').get(hostPlate) as { review_state: string }
    if (hp.review_state === 'unreviewed') {
      const reviewed = rows
        .slice(1)
        .sort((a, b) => b.n_detections - a.n_detections)
        .map((r) => this.stmt(`SELECT text, review_state, reviewed_at, reviewed_by FROM plates WHERE track_id = ? AND review_state IN ('confirmed', 'corrected', 'manual') AND text <> '' ORDER BY id LIMIT 1`).get(r.id) as Row | undefined)
        .find((p) => p)
      if (reviewed)
        this.stmt('UPDATE plates SET text = ?, review_state = ?, reviewed_at = ?, reviewed_by = ?, updated_at = ? WHERE id = ?').run(
          reviewed.text,
          reviewed.review_state,
          reviewed.reviewed_at,
          reviewed.reviewed_by,
          at,
          hostPlate
        )
    }
    for (const r of rows.slice(1)) {
      this.stmt('UPDATE detections SET track_id = ? WHERE track_id = ?').run(host, r.id)
      this.stmt('DELETE FROM plates WHERE track_id = ?').run(r.id)
      this.stmt('DELETE FROM tracks WHERE id = ?').run(r.id)
    }
    this.sync(host)
    const after = this.snapshot([host])
    // the snapshot of what the merge removed must come back on undo: list those tracks as gone
    this.log(hostPlate, 'track', { op: 'merge', snapshot: before }, { op: 'merge', snapshot: after }, at, by, null)
    return host
  }
}

function safeJson<T>(s: string | null): T | null {
  if (!s) return null
  try {
    return JSON.parse(s) as T
  } catch {
    return null
  }
}
