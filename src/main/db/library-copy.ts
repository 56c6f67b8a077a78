// Copying one library into another: a laptop's library pushed into a team server's, and pulled back.
//
// Every id is remapped: the target may already hold other libraries' data (a server receives pushes
// from several laptops), so rows are matched by what they are, never by their number:
//   media       its content hash (sha256, UNIQUE); every path it was seen under goes to media_paths
//   frames      (media, idx)
//   detections  (media, frame idx, box, score, detector): model output is copied exactly, so a round
//               trip, or the same engine on the same bytes, gives the same key
//   reads       their detection (one read per detection)
//   tracks      their first member detection (a split keeps it on the first part, a merge on the host)
//   plates      a track's plate: its track; a model plate: its detection; a hand-drawn plate: its 'add'
//               history entry (action, at, by), else (or until that entry is copied) frame idx + box + text
//   history     (plate, action, at, by, and the old/new values but for a track entry); undo links
//               (undone_by) are remapped, and so are a 'track' entry's snapshots (track, plate, detection
//               ids), so undo works on the copy; a row the source has since deleted gets an id below zero
// Identical keys (two detections with the same box) are numbered in id order, so they stay two.
// A plate both sides hold takes the review state (text, state, box, corners, reviewer) of the side whose
// newest history entry is later; both histories are kept. Media the target already holds keep the
// target's media row and track structure: a split or merge made on one side reaches the other as history
// (undoable there only where the tracks match), not as a re-applied edit.
//
// Tables (migrations 001-007):
//   media, media_paths, frames, detections, reads, tracks, plates, history  copied as above
//   settings        copied only for keys the target lacks: a team's settings are not overwritten by a
//                   push, while a pull into a new file carries them
//   import_jobs, import_items  NOT copied: the local import queue holds paths of the machine that
//                   scanned them, and an unfinished job would resume (re-scan) on whoever opens the copy
//   schema_migrations  NOT copied: each end is migrated by openLibrary itself
//
// Two passes: the media (one write transaction per batch of media), then the history in the source's
// id order (one per batch of entries), so the copy's history keeps the original's order and "undo the
// latest" picks the same entry. A crash mid-copy leaves whole media only (between the passes a new plate
// has its state but not yet its history), and a re-run matches what is already there and adds the rest. Every statement is portable SQL (SQLite and
// PostgreSQL through the synchronous adapter): `?` placeholders, RETURNING id, quoted identifiers.
import type { Library } from './index'
import { writeTransaction } from './transactions'
import { TrackWriter, isTrackChange, type TrackChange, type TrackSnapshot } from './track-writer'

/** whatever handle a library has (a better-sqlite3 Database; the server adapter once it lands) */
type Db = Library['db']
/** the statement methods a copy uses (both handles have them) */
interface Statement {
  get(...params: unknown[]): unknown
  all(...params: unknown[]): unknown[]
  run(...params: unknown[]): { changes: number }
}
type Row = Record<string, unknown>

export interface CopyProgress {
  /** the media pass (media with their frames, detections, tracks, plates), then the history pass */
  phase: 'media' | 'history'
  /** media (or history entries) handled: added or found present */
  done: number
  total: number
}

export interface CopyOptions {
  /** media per target transaction (default 50) */
  batchSize?: number
  /** after each committed batch; an exception thrown here stops the copy (what is committed stays) */
  onProgress?: (p: CopyProgress) => void
  /** checked between batches: the copy stops after the batch in hand, with `cancelled: true` */
  signal?: AbortSignal
}

export interface CopySummary {
  media: { total: number; added: number; present: number }
  paths: { added: number }
  frames: { added: number }
  detections: { added: number }
  reads: { added: number }
  tracks: { added: number }
  plates: { added: number; updated: number; present: number }
  history: { total: number; added: number; present: number; undoLinks: number }
  settings: { added: number }
  cancelled: boolean
}

const emptySummary = (): CopySummary => ({
  media: { total: 0, added: 0, present: 0 },
  paths: { added: 0 },
  frames: { added: 0 },
  detections: { added: 0 },
  reads: { added: 0 },
  tracks: { added: 0 },
  plates: { added: 0, updated: 0, present: 0 },
  history: { total: 0, added: 0, present: 0, undoLinks: 0 },
  settings: { added: 0 },
  cancelled: false
})

function addCounts(into: CopySummary, b: CopySummary): void {
  for (const k of Object.keys(b) as (keyof CopySummary)[]) {
    if (k === 'cancelled') continue
    const from = b[k] as Record<string, number>
    const to = into[k] as Record<string, number>
    for (const f of Object.keys(from)) if (f !== 'total') to[f] += from[f]
  }
}

/** the review fields of a plate: what the later side's review decides */
const REVIEW_COLUMNS = ['text', 'review_state', 'reviewed_at', 'reviewed_by', 'x1', 'y1', 'x2', 'y2', 'corners', 'updated_at']

const q = (c: string) => `"${c}"`

/** a prepared-statement cache per connection (each distinct SQL text compiled once) */
class Prepared {
  private cache = new Map<string, Statement>()
  constructor(readonly db: Db) {}
  stmt(sql: string): Statement {
    let s = this.cache.get(sql)
    if (!s) this.cache.set(sql, (s = this.db.prepare(sql) as unknown as Statement))
    return s
  }
  all(sql: string, ...params: unknown[]): Row[] {
    return this.stmt(sql).all(...params) as Row[]
  }
  get(sql: string, ...params: unknown[]): Row | undefined {
    return this.stmt(sql).get(...params) as Row | undefined
  }
  /** INSERT of `row`'s columns (except id); returns the new id */
  insert(table: string, row: Row): number {
    const cols = Object.keys(row).filter((c) => c !== 'id')
    const sql = `INSERT INTO ${table} (${cols.map(q).join(', ')}) VALUES (${cols.map(() => '?').join(', ')}) RETURNING id`
    return Number((this.stmt(sql).get(...cols.map((c) => row[c])) as { id: unknown }).id)
  }
}

const num = (v: unknown): number | null => (v == null ? null : Number(v))

/** everything of one media on one side, with its identity keys */
interface MediaRows {
  frames: Row[]
  frameIdx: Map<number, number>
  detections: Row[]
  detKey: Map<number, string>
  reads: Row[]
  tracks: Row[]
  trackKey: Map<number, string>
  /** a track's first member detection */
  trackFirst: Map<number, number>
  plates: Row[]
  /** a plate's identities, the surest first */
  plateKeys: Map<number, string[]>
  history: Row[]
}

/** keys made unique by their order (rows come in id order on both sides): two detections with the
 *  same box stay two */
function numbered(entries: [number, string][]): Map<number, string> {
  const seen = new Map<string, number>()
  return new Map(
    entries.map(([id, k]) => {
      const n = seen.get(k) ?? 0
      seen.set(k, n + 1)
      return [id, n ? `${k}#${n}` : k]
    })
  )
}

function loadMedia(p: Prepared, mediaId: number): MediaRows {
  const frames = p.all('SELECT * FROM frames WHERE media_id = ? ORDER BY id', mediaId)
  const frameIdx = new Map(frames.map((f) => [Number(f.id), Number(f.idx)]))
  const detections = p.all('SELECT * FROM detections WHERE media_id = ? ORDER BY id', mediaId)
  const detKey = numbered(
    detections.map((d) => [
      Number(d.id),
      [frameIdx.get(Number(d.frame_id)), num(d.x1), num(d.y1), num(d.x2), num(d.y2), num(d.score), d.detector].join('|')
    ])
  )
  const reads = p.all('SELECT r.* FROM reads r JOIN detections d ON d.id = r.detection_id WHERE d.media_id = ? ORDER BY r.id', mediaId)
  const tracks = p.all('SELECT * FROM tracks WHERE media_id = ? ORDER BY id', mediaId)
  // a track is its first member detection (by frame, then id)
  const firstMember = new Map<number, { idx: number; id: number }>()
  for (const d of detections) {
    if (d.track_id == null) continue
    const t = Number(d.track_id)
    const idx = frameIdx.get(Number(d.frame_id)) ?? 0
    const cur = firstMember.get(t)
    if (!cur || idx < cur.idx || (idx === cur.idx && Number(d.id) < cur.id)) firstMember.set(t, { idx, id: Number(d.id) })
  }
  const trackKey = new Map(
    tracks.map((t) => {
      const first = firstMember.get(Number(t.id))
      return [Number(t.id), first ? `d:${detKey.get(first.id)}` : `e:${t.first_frame}|${t.last_frame}|${t.voted_text}`]
    })
  )
  const plates = p.all('SELECT * FROM plates WHERE media_id = ? ORDER BY id', mediaId)
  const history = p.all('SELECT h.* FROM history h JOIN plates p ON p.id = h.plate_id WHERE p.media_id = ? ORDER BY h.id', mediaId)
  const firstEntry = new Map<number, Row>()
  for (const h of history) if (!firstEntry.has(Number(h.plate_id))) firstEntry.set(Number(h.plate_id), h)
  const plateKeys = new Map(
    plates.map((pl) => {
      const id = Number(pl.id)
      const keys: string[] = []
      if (pl.track_id != null && trackKey.has(Number(pl.track_id))) keys.push(`T:${trackKey.get(Number(pl.track_id))}`)
      else if (pl.detection_id != null && detKey.has(Number(pl.detection_id))) keys.push(`D:${detKey.get(Number(pl.detection_id))}`)
      else {
        const h = firstEntry.get(id)
        if (h?.action === 'add') keys.push(`H:${h.at}|${h.by}`)
        // also by its fields: a plate copied by a run that stopped before its history has no 'add' yet
        keys.push(`B:${frameIdx.get(Number(pl.frame_id))}|${num(pl.x1)}|${num(pl.y1)}|${num(pl.x2)}|${num(pl.y2)}|${pl.text}`)
      }
      return [id, keys]
    })
  )
  // two hand-drawn plates with the same fields are two plates
  const seen = new Map<string, number>()
  for (const keys of plateKeys.values()) {
    for (let i = 0; i < keys.length; i++) {
      const n = seen.get(keys[i]) ?? 0
      seen.set(keys[i], n + 1)
      if (n) keys[i] += `#${n}`
    }
  }
  const trackFirst = new Map([...firstMember].map(([t, f]) => [t, f.id]))
  return { frames, frameIdx, detections, detKey, reads, tracks, trackKey, trackFirst, plates, plateKeys, history }
}

const EMPTY: MediaRows = {
  frames: [],
  frameIdx: new Map(),
  detections: [],
  detKey: new Map(),
  reads: [],
  tracks: [],
  trackKey: new Map(),
  trackFirst: new Map(),
  plates: [],
  plateKeys: new Map(),
  history: []
}

/** source id -> target id of each row kind of one media */
interface IdMaps {
  media: number
  frames: Map<number, number>
  detections: Map<number, number>
  tracks: Map<number, number>
  plates: Map<number, number>
}

/**
 * A 'track' history entry's snapshot in target ids. A row the source has since deleted (a track and its
 * plate merged away) has no target row: it gets an id below zero, derived from the target media, which no
 * row the libraries insert themselves ever takes, so undoing the merge on the target re-creates it there.
 */
function remapSnapshot(s: TrackSnapshot, m: IdMaps): TrackSnapshot {
  const virt = (id: unknown) => -(m.media * 1_000_000 + (Math.abs(Number(id)) % 1_000_000))
  const map = (ids: Map<number, number>, id: unknown) => (id == null ? null : (ids.get(Number(id)) ?? virt(id)))
  return {
    tracks: s.tracks.map((t) => ({ ...t, id: map(m.tracks, t.id), media_id: m.media, best_detection_id: map(m.detections, t.best_detection_id) })),
    members: s.members.map(([d, t]) => [map(m.detections, d)!, map(m.tracks, t)!]),
    plates: s.plates.map((p) => ({
      ...p,
      id: map(m.plates, p.id),
      media_id: m.media,
      frame_id: map(m.frames, p.frame_id),
      detection_id: map(m.detections, p.detection_id),
      track_id: map(m.tracks, p.track_id)
    }))
  }
}

function remapValue(json: unknown, m: IdMaps): unknown {
  if (json == null) return json
  let v: unknown
  try {
    v = JSON.parse(String(json))
  } catch {
    return json
  }
  if (!isTrackChange(v)) return json
  const c: TrackChange = { op: v.op, snapshot: remapSnapshot(v.snapshot, m) }
  return JSON.stringify(c)
}

/** adds (or merges) one media of `src` into `dst`, all but its history; runs inside the target's transaction */
function copyMedia(src: Prepared, dst: Prepared, mediaId: number, sum: CopySummary): { maps: IdMaps; added: boolean; history: boolean } | null {
  const media = src.get('SELECT * FROM media WHERE id = ?', mediaId)
  if (!media) return null // deleted from the source since the list was read
  const found = dst.get('SELECT id FROM media WHERE sha256 = ?', media.sha256)
  const present = !!found
  const tMedia = present ? Number(found.id) : dst.insert('media', media)
  if (present) sum.media.present++
  else sum.media.added++
  const m: IdMaps = { media: tMedia, frames: new Map(), detections: new Map(), tracks: new Map(), plates: new Map() }

  for (const p of src.all('SELECT * FROM media_paths WHERE media_id = ?', mediaId)) {
    // a path the target already knows stays with the media the target saw there
    const r = dst
      .stmt('INSERT INTO media_paths (path, media_id, size, mtime_ms) VALUES (?, ?, ?, ?) ON CONFLICT (path) DO NOTHING')
      .run(p.path, tMedia, p.size, p.mtime_ms)
    sum.paths.added += r.changes
  }

  const s = loadMedia(src, mediaId)
  const t = present ? loadMedia(dst, tMedia) : EMPTY
  const invert = (keys: Map<number, string>) => new Map([...keys].map(([id, k]) => [k, id]))

  const tFrameByIdx = new Map([...t.frameIdx].map(([id, idx]) => [idx, id]))
  for (const f of s.frames) {
    let id = tFrameByIdx.get(Number(f.idx))
    if (id == null) {
      id = dst.insert('frames', { ...f, media_id: tMedia })
      sum.frames.added++
    }
    m.frames.set(Number(f.id), id)
  }

  // tracks before their detections (detections.track_id), their best detection after
  const findTrack = trackFinder(s, t)
  const newTracks: Row[] = []
  for (const tr of s.tracks) {
    let id = findTrack(Number(tr.id))
    if (id == null) {
      id = dst.insert('tracks', { ...tr, media_id: tMedia, best_detection_id: null })
      newTracks.push(tr)
      sum.tracks.added++
    }
    m.tracks.set(Number(tr.id), id)
  }

  const tDet = invert(t.detKey)
  for (const d of s.detections) {
    let id = tDet.get(s.detKey.get(Number(d.id))!)
    if (id == null) {
      const trackId = d.track_id == null ? null : (m.tracks.get(Number(d.track_id)) ?? null)
      id = dst.insert('detections', { ...d, frame_id: m.frames.get(Number(d.frame_id)), media_id: tMedia, track_id: trackId })
      sum.detections.added++
    }
    m.detections.set(Number(d.id), id)
  }
  for (const tr of newTracks) {
    if (tr.best_detection_id == null) continue
    dst.stmt('UPDATE tracks SET best_detection_id = ? WHERE id = ?').run(m.detections.get(Number(tr.best_detection_id)) ?? null, m.tracks.get(Number(tr.id)))
  }

  const tRead = new Set(t.reads.map((r) => Number(r.detection_id)))
  for (const r of s.reads) {
    const det = m.detections.get(Number(r.detection_id))!
    if (tRead.has(det)) continue
    const cols = Object.keys(r).filter((c) => c !== 'id')
    const row: Row = { ...r, detection_id: det }
    const res = dst
      .stmt(`INSERT INTO reads (${cols.map(q).join(', ')}) VALUES (${cols.map(() => '?').join(', ')}) ON CONFLICT (detection_id) DO NOTHING`)
      .run(...cols.map((c) => row[c]))
    sum.reads.added += res.changes
  }

  const findPlate = plateFinder(t)
  for (const pl of s.plates) {
    const det = pl.detection_id == null ? null : (m.detections.get(Number(pl.detection_id)) ?? null)
    let id = findPlate(s.plateKeys.get(Number(pl.id))!, det, pl.track_id == null ? null : (m.tracks.get(Number(pl.track_id)) ?? null))
    if (id == null) {
      id = dst.insert('plates', {
        ...pl,
        media_id: tMedia,
        frame_id: m.frames.get(Number(pl.frame_id)),
        detection_id: det,
        track_id: pl.track_id == null ? null : (m.tracks.get(Number(pl.track_id)) ?? null)
      })
      sum.plates.added++
    } else sum.plates.present++
    m.plates.set(Number(pl.id), id)
  }
  return { maps: m, added: !present, history: s.history.length > 0 }
}

/** the target track a source track is: by its key, else (one side split or merged it, the other did not)
 *  the target track that holds its first member detection: the target keeps its own track structure */
function trackFinder(s: MediaRows, t: MediaRows): (sourceTrack: number) => number | undefined {
  const byKey = new Map([...t.trackKey].map(([id, k]) => [k, id]))
  const detByKey = new Map(t.detections.map((d) => [t.detKey.get(Number(d.id))!, d]))
  return (id) => {
    const k = byKey.get(s.trackKey.get(id)!)
    if (k != null) return k
    const first = s.trackFirst.get(id)
    const held = first != null ? detByKey.get(s.detKey.get(first)!)?.track_id : null
    return held == null ? undefined : Number(held)
  }
}

/** the target plate a source plate is: by its keys in order, then (plates.detection_id is unique) the
 *  plate that already reviews its detection, then the plate of the target track its track is */
function plateFinder(t: MediaRows): (keys: string[], targetDetection: number | null, targetTrack: number | null) => number | undefined {
  const byKey = new Map<string, number>()
  for (const [id, keys] of t.plateKeys) for (const k of keys) if (!byKey.has(k)) byKey.set(k, id)
  const byDet = new Map(t.plates.filter((p) => p.detection_id != null).map((p) => [Number(p.detection_id), Number(p.id)]))
  const byTrack = new Map<number, number>()
  for (const p of t.plates) if (p.track_id != null && !byTrack.has(Number(p.track_id))) byTrack.set(Number(p.track_id), Number(p.id))
  return (keys, det, track) => {
    for (const k of keys) if (byKey.has(k)) return byKey.get(k)
    return (det != null ? byDet.get(det) : undefined) ?? (track != null ? byTrack.get(track) : undefined)
  }
}

/** the target rows a source media's rows are (after copyMedia every source row has one), or null when
 *  the target lacks the media */
function matchMedia(src: Prepared, dst: Prepared, mediaId: number): { m: IdMaps; s: MediaRows; t: MediaRows } | null {
  const media = src.get('SELECT sha256 FROM media WHERE id = ?', mediaId)
  const found = media && dst.get('SELECT id FROM media WHERE sha256 = ?', media.sha256)
  if (!found) return null
  const s = loadMedia(src, mediaId)
  const t = loadMedia(dst, Number(found.id))
  const match = (sk: Map<number, string>, tk: Map<number, string>) => {
    const byKey = new Map([...tk].map(([id, k]) => [k, id]))
    const out = new Map<number, number>()
    for (const [id, k] of sk) if (byKey.has(k)) out.set(id, byKey.get(k)!)
    return out
  }
  const m: IdMaps = {
    media: Number(found.id),
    frames: match(new Map([...s.frameIdx].map(([id, idx]) => [id, String(idx)])), new Map([...t.frameIdx].map(([id, idx]) => [id, String(idx)]))),
    detections: match(s.detKey, t.detKey),
    tracks: new Map(),
    plates: new Map()
  }
  const findTrack = trackFinder(s, t)
  for (const tr of s.tracks) {
    const id = findTrack(Number(tr.id))
    if (id != null) m.tracks.set(Number(tr.id), id)
  }
  const findPlate = plateFinder(t)
  for (const pl of s.plates) {
    const det = pl.detection_id == null ? null : (m.detections.get(Number(pl.detection_id)) ?? null)
    const id = findPlate(s.plateKeys.get(Number(pl.id))!, det, pl.track_id == null ? null : (m.tracks.get(Number(pl.track_id)) ?? null))
    if (id != null) m.plates.set(Number(pl.id), id)
  }
  return { m, s, t }
}

/** what two entries of one plate with the same (action, at, by) must also share to be one: their values
 *  (two edits within a millisecond), except a track entry's, whose snapshots hold each side's own ids */
function valuesKey(h: Row): string {
  if (h.action === 'track' || String(h.new_value ?? '').includes('"snapshot"')) return ''
  return `${h.old_value ?? ''}\u0000${h.new_value ?? ''}`
}

const entryKey = (h: Row | undefined) => (h ? `${h.action}|${h.at}|${h.by}` : '')
/** the newest entry: latest time, then the latest written */
const newestOf = (rows: Row[] | undefined): Row | undefined =>
  rows?.reduce((a, h) => (String(h.at) > String(a.at) || (String(h.at) === String(a.at) && Number(h.id) > Number(a.id)) ? h : a))

function groupBy(rows: Row[], col: string): Map<number, Row[]> {
  const out = new Map<number, Row[]>()
  for (const r of rows) {
    const k = Number(r[col])
    let list = out.get(k)
    if (!list) out.set(k, (list = []))
    list.push(r)
  }
  return out
}

/** one media's rows on both sides for the history pass, read once per batch (a server answers each
 *  statement over the network: rows are compared here, not asked for one by one) */
interface HistoryContext {
  m: IdMaps
  sPlates: Map<number, Row>
  tPlates: Map<number, Row>
  /** source history by source plate */
  sByPlate: Map<number, Row[]>
  /** target history by target plate, with what this batch added */
  tByPlate: Map<number, Row[]>
  tById: Map<number, Row>
  /** source entry id -> the source entries it undid */
  sUndid: Map<number, number[]>
}

function historyContext(src: Prepared, dst: Prepared, mediaId: number, added: IdMaps | undefined): HistoryContext | null {
  // a media this run added: the target holds exactly the copies of its source rows and no history yet,
  // so nothing needs to be read back from it
  const r = added ? { m: added, s: loadMedia(src, mediaId), t: { ...EMPTY, plates: [] as Row[] } } : matchMedia(src, dst, mediaId)
  if (!r) return null
  if (added) r.t.plates = r.s.plates.map((p) => ({ ...p, id: added.plates.get(Number(p.id)) }))
  const sUndid = new Map<number, number[]>()
  for (const h of r.s.history) if (h.undone_by != null) sUndid.set(Number(h.undone_by), [...(sUndid.get(Number(h.undone_by)) ?? []), Number(h.id)])
  return {
    m: r.m,
    sPlates: new Map(r.s.plates.map((p) => [Number(p.id), p])),
    tPlates: new Map(r.t.plates.map((p) => [Number(p.id), p])),
    sByPlate: groupBy(r.s.history, 'plate_id'),
    tByPlate: groupBy(r.t.history, 'plate_id'),
    tById: new Map(r.t.history.map((h) => [Number(h.id), h])),
    sUndid
  }
}

/**
 * One batch of source history rows (in source id order, so the target's ids keep their order and
 * "undo the latest" still picks the latest): each row added unless the target holds (plate, action, at,
 * by, values) already, undo links set, and each touched plate both sides hold takes the source's review
 * state when the newest entry on the target is the source's newest.
 */
function copyHistory(
  src: Prepared,
  dst: Prepared,
  tracks: TrackWriter,
  rows: Row[],
  hMap: Map<number, number>,
  added: Map<number, IdMaps>,
  sum: CopySummary
): void {
  const ctxs = new Map<number, HistoryContext | null>()
  const ctxOf = (mediaId: number) => {
    if (!ctxs.has(mediaId)) ctxs.set(mediaId, historyContext(src, dst, mediaId, added.get(mediaId)))
    return ctxs.get(mediaId)!
  }
  const touched = new Map<number, { c: HistoryContext; plate: number }>() // by source plate
  for (const row of rows) {
    const { copy_media_id: mediaId, ...h } = row
    const c = ctxOf(Number(mediaId))
    const plateId = c?.m.plates.get(Number(h.plate_id))
    if (!c || plateId == null) continue // media added to the source after the media pass: the next run takes it
    let list = c.tByPlate.get(plateId)
    if (!list) c.tByPlate.set(plateId, (list = []))
    const have = list.find((t) => String(t.action) === String(h.action) && String(t.at) === String(h.at) && String(t.by) === String(h.by) && valuesKey(t) === valuesKey(h))
    let id: number
    if (have) {
      id = Number(have.id)
      sum.history.present++
    } else {
      const added: Row = { ...h, plate_id: plateId, old_value: remapValue(h.old_value, c.m), new_value: remapValue(h.new_value, c.m), undone_by: null }
      id = dst.insert('history', added)
      added.id = id
      list.push(added)
      c.tById.set(id, added)
      sum.history.added++
    }
    hMap.set(Number(h.id), id)
    touched.set(Number(h.plate_id), { c, plate: plateId })
    // the entries this one undid came before it, so they are on the target already; a link the target
    // set itself (it undid the same entry) stays
    for (const u of c.sUndid.get(Number(h.id)) ?? []) {
      const target = hMap.get(u)
      const t = target != null ? c.tById.get(target) : undefined
      if (target == null || (t && t.undone_by != null)) continue
      sum.history.undoLinks += dst.stmt('UPDATE history SET undone_by = ? WHERE id = ? AND undone_by IS NULL').run(id, target).changes
      if (t) t.undone_by = id
    }
  }
  for (const [sPlate, { c, plate }] of touched) {
    if (entryKey(newestOf(c.tByPlate.get(plate))) !== entryKey(newestOf(c.sByPlate.get(sPlate)))) continue
    const sRow = c.sPlates.get(sPlate)
    const tRow = c.tPlates.get(plate)
    if (!sRow || !tRow || REVIEW_COLUMNS.every((col) => sameValue(sRow[col], tRow[col]))) continue
    dst.stmt(`UPDATE plates SET ${REVIEW_COLUMNS.map((col) => `${q(col)} = ?`).join(', ')} WHERE id = ?`).run(...REVIEW_COLUMNS.map((col) => sRow[col]), plate)
    for (const col of REVIEW_COLUMNS) tRow[col] = sRow[col]
    sum.plates.updated++
    // a track's plate reviews the track: its text reaches the track as after any review
    if (tRow.track_id != null) tracks.sync(Number(tRow.track_id))
  }
}

const sameValue = (a: unknown, b: unknown) => (a == null ? b == null : typeof a === 'number' || typeof b === 'number' ? Number(a) === Number(b) : String(a) === String(b))

/**
 * Copies every media of `source` (with its frames, detections, reads, tracks, plates and history) and the
 * settings the target lacks into `target`, merging what the target already holds. Two passes: the media
 * (in batches of media), then the history in the source's order (in batches of entries). Between them a
 * new plate already has its state but not yet its history; a re-run after a crash or a cancel finishes
 * the job, and running it again adds nothing.
 */
export async function copyLibrary(source: Db, target: Db, opts: CopyOptions = {}): Promise<CopySummary> {
  const src = new Prepared(source)
  const dst = new Prepared(target)
  const tracks = new TrackWriter(target, () => {
    throw new Error('a copy never writes track edits')
  })
  const sum = emptySummary()
  const batchSize = Math.max(1, Math.trunc(opts.batchSize ?? 50))
  const historyBatch = batchSize * 10

  writeTransaction(target, () => {
    for (const r of src.all('SELECT key, value FROM settings ORDER BY key')) {
      sum.settings.added += dst.stmt('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING').run(r.key, r.value).changes
    }
  })

  const mediaIds = src.all('SELECT id FROM media ORDER BY id').map((r) => Number(r.id))
  const historyIds = src.all('SELECT id FROM history ORDER BY id').map((r) => Number(r.id))
  sum.media.total = mediaIds.length
  sum.history.total = historyIds.length
  const passes: { phase: CopyProgress['phase']; ids: number[]; size: number; run: (ids: number[], b: CopySummary) => void }[] = [
    { phase: 'media', ids: mediaIds, size: batchSize, run: (ids, b) => {
        for (const id of ids) {
          const r = copyMedia(src, dst, id, b)
          // kept for the history pass (only media with history: a library's reviewed part)
          if (r?.added && r.history) added.set(id, r.maps)
        }
      }
    },
    {
      phase: 'history',
      ids: historyIds,
      size: historyBatch,
      run: (ids, b) => {
        const rows = src.all(
          `SELECT h.*, p.media_id AS copy_media_id FROM history h JOIN plates p ON p.id = h.plate_id WHERE h.id >= ? AND h.id <= ? ORDER BY h.id`,
          ids[0],
          ids[ids.length - 1]
        )
        copyHistory(src, dst, tracks, rows, hMap, added, b)
      }
    }
  ]
  const hMap = new Map<number, number>()
  const added = new Map<number, IdMaps>()
  for (const pass of passes) {
    for (let i = 0; i < pass.ids.length; i += pass.size) {
      if (opts.signal?.aborted) {
        sum.cancelled = true
        return sum
      }
      const batch = pass.ids.slice(i, i + pass.size)
      // counted per attempt: a transaction retried after BUSY starts its counts again
      const counts = writeTransaction(target, () => {
        const b = emptySummary()
        pass.run(batch, b)
        return b
      })
      addCounts(sum, counts)
      opts.onProgress?.({ phase: pass.phase, done: i + batch.length, total: pass.ids.length })
      // let the event loop run (a Ctrl-C handler, a cancel request) between batches
      await new Promise((r) => setImmediate(r))
    }
  }
  return sum
}
