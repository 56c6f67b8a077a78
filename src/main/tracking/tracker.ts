// Multi-object tracker over the sampled frames of a video, in the spirit of SORT/ByteTrack:
// - each track predicts its box with a constant-velocity model (centre and size, per frame);
// - detections are associated greedily by IoU with the predicted box or the last box (whichever
//   overlaps more: a video sampled above its source rate repeats frames, so the velocity alternates
//   between zero and a jump and the prediction alone misses), high-score detections first, then the
//   low-score ones against the tracks still unmatched;
// - the plate text re-associates when motion alone fails (a jump, a missed frame): a detection whose
//   read is similar to the track's text and lies within a few box sizes of the prediction still matches;
// - a detection right next to a track's box (within one box diagonal, similar size) matches when nothing
//   overlaps, unless the track reads confidently and the detection reads something else (a plate that
//   leaves is not replaced by the next one showing up at the same place);
// - tracks unseen for more than maxAge frames end; at the end, tracks that follow each other in time
//   with near-identical text are merged (the same plate after an occlusion).
// Every detection ends in exactly one track (a plate seen once is a track of one).
import type { Box } from '../../shared/types'
import { jaroWinkler } from './vote'
import { iou } from '../../shared/geometry'

export { iou }

export interface TrackDetection {
  box: Box
  score: number
  text?: string | null
  confidence?: number | null
}

export interface TrackFrameInput {
  /** position in the sampled sequence (gaps allowed) */
  frame: number
  detections: TrackDetection[]
}

export interface TrackerOptions {
  /** detections at or above this score are associated first (ByteTrack's high set) */
  highScore?: number
  /** minimum IoU between a predicted box and a detection */
  iouThreshold?: number
  /** frames a track may go unseen before it ends */
  maxAge?: number
  /** Jaro-Winkler similarity at which a read re-associates a detection to a track */
  textThreshold?: number
  /** how far (in box diagonals of the prediction) text re-association may reach */
  textMaxDistance?: number
  /** post-merge: largest gap in frames between two tracks with the same text */
  mergeGap?: number
  mergeTextThreshold?: number
  /** below this similarity two confident reads veto an overlap match */
  textVeto?: number
  /** OCR confidence from which a read counts as confident */
  confidentRead?: number
  /** proximity match: largest centre distance, in diagonals of the larger box */
  proximity?: number
  /** proximity match: largest ratio between the two boxes' diagonals */
  maxSizeRatio?: number
}

export interface TrackMember {
  /** index into the input frames array */
  frameIndex: number
  /** index into that frame's detections */
  detection: number
}

export interface TrackOutput {
  id: number
  members: TrackMember[]
}

const DEFAULTS: Required<TrackerOptions> = {
  highScore: 0.5,
  iouThreshold: 0.1,
  maxAge: 4,
  textThreshold: 0.85,
  textMaxDistance: 6,
  mergeGap: 12,
  mergeTextThreshold: 0.9,
  textVeto: 0.6,
  confidentRead: 0.8,
  proximity: 1,
  maxSizeRatio: 2.5
}


interface State {
  cx: number
  cy: number
  w: number
  h: number
}

const toState = (b: Box): State => ({ cx: (b.x1 + b.x2) / 2, cy: (b.y1 + b.y2) / 2, w: b.x2 - b.x1, h: b.y2 - b.y1 })
const toBox = (s: State): Box => ({ x1: s.cx - s.w / 2, y1: s.cy - s.h / 2, x2: s.cx + s.w / 2, y2: s.cy + s.h / 2 })

class Track {
  members: TrackMember[] = []
  state: State
  lastBox: Box
  vel: State = { cx: 0, cy: 0, w: 0, h: 0 }
  lastFrame: number
  readonly firstSeen: number
  hits = 0
  /** text of the most confident read so far, and its weight */
  text: string | null = null
  textWeight = 0
  /** best OCR confidence among the reads of `text` */
  textConfidence = 0
  /** the texts seen, with their accumulated weight (for merging) */
  texts = new Map<string, number>()

  constructor(
    readonly id: number,
    frame: number,
    frameIndex: number,
    det: number,
    d: TrackDetection
  ) {
    this.state = toState(d.box)
    this.lastBox = d.box
    this.lastFrame = frame
    this.firstSeen = frame
    this.add(frame, frameIndex, det, d)
  }

  predict(frame: number): Box {
    const dt = frame - this.lastFrame
    const s = this.state
    const v = this.vel
    return toBox({ cx: s.cx + v.cx * dt, cy: s.cy + v.cy * dt, w: Math.max(1, s.w + v.w * dt), h: Math.max(1, s.h + v.h * dt) })
  }

  add(frame: number, frameIndex: number, det: number, d: TrackDetection): void {
    const next = toState(d.box)
    const dt = frame - this.lastFrame
    if (this.hits > 0 && dt > 0) {
      const a = this.hits === 1 ? 1 : 0.6 // first velocity estimate taken as is, then smoothed
      const upd = (k: keyof State) => (this.vel[k] = a * ((next[k] - this.state[k]) / dt) + (1 - a) * this.vel[k])
      upd('cx')
      upd('cy')
      upd('w')
      upd('h')
    }
    this.state = next
    this.lastBox = d.box
    this.lastFrame = frame
    this.hits++
    this.members.push({ frameIndex, detection: det })
    if (d.text) {
      const w = d.score * (d.confidence ?? 0.5)
      this.texts.set(d.text, (this.texts.get(d.text) ?? 0) + w)
      const tw = this.texts.get(d.text)!
      if (tw > this.textWeight) {
        if (this.text !== d.text) this.textConfidence = 0
        this.text = d.text
        this.textWeight = tw
      }
      if (d.text === this.text) this.textConfidence = Math.max(this.textConfidence, d.confidence ?? 0)
    }
  }
}

export class Tracker {
  private readonly o: Required<TrackerOptions>
  private active: Track[] = []
  private ended: Track[] = []
  private nextId = 1

  constructor(opts: TrackerOptions = {}) {
    this.o = { ...DEFAULTS, ...opts }
  }

  /** feeds one frame (frames in increasing order); returns the track id of each detection */
  update(frame: number, frameIndex: number, dets: TrackDetection[]): number[] {
    const o = this.o
    // retire tracks unseen for too long
    const still: Track[] = []
    for (const t of this.active) (frame - t.lastFrame > o.maxAge + 1 ? this.ended : still).push(t)
    this.active = still

    const assigned = new Array<number>(dets.length).fill(0)
    const free = new Set(this.active)
    const preds = new Map(this.active.map((t) => [t, t.predict(frame)]))

    const associate = (idxs: number[], useText: boolean) => {
      const pairs: { t: Track; d: number; s: number }[] = []
      for (const di of idxs) {
        const d = dets[di]
        for (const t of free) {
          const p = preds.get(t)!
          const ov = Math.max(iou(p, d.box), iou(t.lastBox, d.box))
          let s = ov >= o.iouThreshold ? ov : 0
          const sim = useText && d.text && t.text ? jaroWinkler(d.text, t.text) : 0
          const confidentTrack = t.text != null && t.textConfidence >= o.confidentRead
          if (sim >= o.textThreshold) {
            const ds = toState(d.box)
            const away = (b: Box) => {
              const ps = toState(b)
              return Math.hypot(ps.cx - ds.cx, ps.cy - ds.cy) / Math.max(1, Math.hypot(ps.w, ps.h))
            }
            const dist = Math.min(away(p), away(t.lastBox))
            if (dist <= o.textMaxDistance) s = Math.max(s, 0.05) + 0.5 * sim
          } else if (useText && d.text && t.text && s > 0) {
            // overlapping but reading differently: two confident, unrelated reads are two plates
            if (sim < o.textVeto && (d.confidence ?? 0) >= o.confidentRead && confidentTrack) s = 0
            else s *= 0.8
          }
          if (s === 0 && !(confidentTrack && d.text)) {
            const a = toState(t.lastBox)
            const b = toState(d.box)
            const da = Math.hypot(a.w, a.h)
            const db = Math.hypot(b.w, b.h)
            const dist = Math.hypot(a.cx - b.cx, a.cy - b.cy) / Math.max(1, da, db)
            if (dist <= o.proximity && Math.max(da, db) / Math.max(1, Math.min(da, db)) <= o.maxSizeRatio) s = 0.01 + 0.04 * (1 - dist / o.proximity)
          }
          if (s > 0) pairs.push({ t, d: di, s })
        }
      }
      pairs.sort((a, b) => b.s - a.s)
      for (const p of pairs) {
        if (assigned[p.d] || !free.has(p.t)) continue
        free.delete(p.t)
        assigned[p.d] = p.t.id
        p.t.add(frame, frameIndex, p.d, dets[p.d])
      }
    }

    const high = dets.map((_, i) => i).filter((i) => dets[i].score >= o.highScore)
    const low = dets.map((_, i) => i).filter((i) => dets[i].score < o.highScore)
    associate(high, true)
    associate(low, true)
    // unmatched detections start tracks (high first so their ids come first)
    for (const di of [...high, ...low]) {
      if (assigned[di]) continue
      const t = new Track(this.nextId++, frame, frameIndex, di, dets[di])
      this.active.push(t)
      assigned[di] = t.id
    }
    return assigned
  }

  /** ends all tracks and merges same-text tracks separated by a short gap */
  finish(): TrackOutput[] {
    const all = [...this.ended, ...this.active].sort((a, b) => a.firstSeen - b.firstSeen || a.id - b.id)
    this.ended = []
    this.active = []
    const o = this.o
    const out: Track[] = []
    for (const t of all) {
      const host = t.text
        ? out.find(
            (h) =>
              h.text != null &&
              h.lastFrame < t.firstSeen &&
              t.firstSeen - h.lastFrame <= o.mergeGap &&
              jaroWinkler(h.text, t.text!) >= o.mergeTextThreshold
          )
        : undefined
      if (host) {
        host.members.push(...t.members)
        for (const [k, v] of t.texts) host.texts.set(k, (host.texts.get(k) ?? 0) + v)
        host.lastFrame = t.lastFrame
      } else out.push(t)
    }
    return out.map((t, i) => ({ id: i + 1, members: t.members }))
  }
}

/** Tracks a whole sequence at once. */
export function trackSequence(frames: TrackFrameInput[], opts: TrackerOptions = {}): TrackOutput[] {
  const tr = new Tracker(opts)
  frames.forEach((f, i) => tr.update(f.frame, i, f.detections))
  return tr.finish()
}
