// Multi-object tracking figures for a video whose tracks are labelled (test/data/clip-tracks.json):
// CLEAR-MOT's MOTA (misses, false tracks and identity switches against the labelled detections), IDF1
// (the share of detections whose track id agrees with the label under the best one-to-one id mapping)
// and track precision/recall (how many output tracks are a labelled plate, how many labelled plates come
// out as one track). Pure functions, no I/O.
import type { Box } from '../../shared/types'
import { IOU_THRESHOLD, matchBoxes } from './metrics'

export interface LabelledDetection {
  /** a frame key shared by labels and output (e.g. the source frame index) */
  frame: number
  box: Box
  /** the labelled plate (ground truth) or the output track (null: not in any track) */
  id: string | number | null
}

export interface TrackingFigures {
  /** labelled detections, output detections in a track */
  gt: number
  pred: number
  misses: number
  falsePositives: number
  idSwitches: number
  mota: number
  idf1: number
  /** output tracks, labelled tracks */
  tracks: number
  gtTracks: number
  /** output tracks that are the best match of a labelled plate / output tracks */
  trackPrecision: number
  /** labelled plates with at least half their detections in their matched output track / labelled plates */
  trackRecall: number
}

/** maximum-weight one-to-one assignment (Hungarian method on the negated weights); returns col per row or -1 */
export function assignMax(w: number[][]): number[] {
  const n = w.length
  const m = n ? w[0].length : 0
  if (!n || !m) return new Array(n).fill(-1)
  const size = Math.max(n, m)
  const max = Math.max(0, ...w.flat())
  const cost = (i: number, j: number) => (i < n && j < m ? max - w[i][j] : max)
  const u = new Array(size + 1).fill(0)
  const v = new Array(size + 1).fill(0)
  const p = new Array(size + 1).fill(0)
  const way = new Array(size + 1).fill(0)
  for (let i = 1; i <= size; i++) {
    p[0] = i
    let j0 = 0
    const minv = new Array(size + 1).fill(Infinity)
    const used = new Array(size + 1).fill(false)
    do {
      used[j0] = true
      const i0 = p[j0]
      let delta = Infinity
      let j1 = 0
      for (let j = 1; j <= size; j++) {
        if (used[j]) continue
        const cur = cost(i0 - 1, j - 1) - u[i0] - v[j]
        if (cur < minv[j]) (minv[j] = cur), (way[j] = j0)
        if (minv[j] < delta) (delta = minv[j]), (j1 = j)
      }
      for (let j = 0; j <= size; j++) {
        if (used[j]) (u[p[j]] += delta), (v[j] -= delta)
        else minv[j] -= delta
      }
      j0 = j1
    } while (p[j0] !== 0)
    do {
      const j1 = way[j0]
      p[j0] = p[j1]
      j0 = j1
    } while (j0)
  }
  const out = new Array(n).fill(-1)
  for (let j = 1; j <= size; j++) if (p[j] - 1 < n && j - 1 < m && w[p[j] - 1][j - 1] > 0) out[p[j] - 1] = j - 1
  return out
}

/** Compares output tracks with labelled ones; output detections with id null are not counted (dropped). */
export function trackingFigures(labels: LabelledDetection[], output: LabelledDetection[], iouThreshold = IOU_THRESHOLD): TrackingFigures {
  const pred = output.filter((d) => d.id != null)
  const frames = [...new Set([...labels, ...pred].map((d) => d.frame))].sort((a, b) => a - b)
  const byFrame = (ds: LabelledDetection[]) => {
    const m = new Map<number, LabelledDetection[]>()
    for (const d of ds) m.set(d.frame, [...(m.get(d.frame) ?? []), d])
    return m
  }
  const gtF = byFrame(labels)
  const prF = byFrame(pred)
  const gtIds = [...new Set(labels.map((d) => String(d.id)))]
  const prIds = [...new Set(pred.map((d) => String(d.id)))]
  const gi = new Map(gtIds.map((k, i) => [k, i]))
  const pi = new Map(prIds.map((k, i) => [k, i]))
  const pairs = gtIds.map(() => new Array<number>(prIds.length).fill(0))
  const lastTrack = new Map<string, string>()
  let misses = 0
  let fps = 0
  let sw = 0
  for (const f of frames) {
    const g = gtF.get(f) ?? []
    const p = prF.get(f) ?? []
    const r = matchBoxes(
      g.map((d) => d.box),
      p.map((d) => d.box),
      iouThreshold
    )
    misses += r.unmatchedGt.length
    fps += r.unmatchedPred.length
    for (const mt of r.matches) {
      const gk = String(g[mt.gt].id)
      const pk = String(p[mt.pred].id)
      pairs[gi.get(gk)!][pi.get(pk)!]++
      const prev = lastTrack.get(gk)
      if (prev != null && prev !== pk) sw++
      lastTrack.set(gk, pk)
    }
  }
  const assign = assignMax(pairs)
  const idtp = assign.reduce((s, j, i) => s + (j >= 0 ? pairs[i][j] : 0), 0)
  const gtCount = (i: number) => labels.filter((d) => String(d.id) === gtIds[i]).length
  const found = assign.filter((j, i) => j >= 0 && pairs[i][j] * 2 >= gtCount(i)).length
  const matchedTracks = assign.filter((j) => j >= 0).length
  return {
    gt: labels.length,
    pred: pred.length,
    misses,
    falsePositives: fps,
    idSwitches: sw,
    mota: labels.length ? 1 - (misses + fps + sw) / labels.length : 0,
    idf1: labels.length + pred.length ? (2 * idtp) / (labels.length + pred.length) : 0,
    tracks: prIds.length,
    gtTracks: gtIds.length,
    trackPrecision: prIds.length ? matchedTracks / prIds.length : 0,
    trackRecall: gtIds.length ? found / gtIds.length : 0
  }
}
