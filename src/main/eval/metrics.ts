// Evaluation arithmetic: box matching, text distances, and accumulators that both `eval DIR` (engine vs
// label files) and `eval --db` (model reads vs reviewed plates) feed. Pure functions, no I/O.
import { area, iou } from '../../shared/geometry'
import type { Box } from '../../shared/types'
import { ROW_BREAK, singleLine } from '../../shared/plate-text'

export const IOU_THRESHOLD = 0.5

export { area, iou }

export interface BoxMatch {
  gt: number
  pred: number
  iou: number
}

export interface MatchResult {
  matches: BoxMatch[]
  unmatchedGt: number[]
  unmatchedPred: number[]
}

/** Greedy one-to-one matching: all pairs with IoU >= threshold, best IoU first (ties: lower indices). */
export function matchBoxes(gt: Box[], pred: Box[], threshold = IOU_THRESHOLD): MatchResult {
  const pairs: BoxMatch[] = []
  for (let g = 0; g < gt.length; g++) {
    for (let p = 0; p < pred.length; p++) {
      const v = iou(gt[g], pred[p])
      if (v >= threshold && v > 0) pairs.push({ gt: g, pred: p, iou: v })
    }
  }
  pairs.sort((a, b) => b.iou - a.iou || a.gt - b.gt || a.pred - b.pred)
  const gUsed = new Set<number>()
  const pUsed = new Set<number>()
  const matches: BoxMatch[] = []
  for (const m of pairs) {
    if (gUsed.has(m.gt) || pUsed.has(m.pred)) continue
    gUsed.add(m.gt)
    pUsed.add(m.pred)
    matches.push(m)
  }
  return {
    matches,
    unmatchedGt: gt.map((_, i) => i).filter((i) => !gUsed.has(i)),
    unmatchedPred: pred.map((_, i) => i).filter((i) => !pUsed.has(i))
  }
}

/** Levenshtein distance (unit costs). */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const cur = [i]
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
    prev = cur
  }
  return prev[b.length]
}

/**
 * Character alignment of truth vs read from the edit-distance table: [truthChar, readChar] per step,
 * '' standing for a gap (a missed or an extra character). Substitutions are preferred over gap pairs.
 */
export function alignChars(truth: string, read: string): [string, string][] {
  const n = truth.length
  const m = read.length
  const d: number[][] = Array.from({ length: n + 1 }, (_, i) => Array.from({ length: m + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)))
  for (let i = 1; i <= n; i++) {
    for (let j = 1; j <= m; j++) {
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (truth[i - 1] === read[j - 1] ? 0 : 1))
    }
  }
  const out: [string, string][] = []
  let i = n
  let j = m
  while (i > 0 || j > 0) {
    if (i > 0 && j > 0 && d[i][j] === d[i - 1][j - 1] + (truth[i - 1] === read[j - 1] ? 0 : 1)) {
      out.push([truth[i - 1], read[j - 1]])
      i--
      j--
    } else if (i > 0 && d[i][j] === d[i - 1][j] + 1) {
      out.push([truth[i - 1], ''])
      i--
    } else {
      out.push(['', read[j - 1]])
      j--
    }
  }
  return out.reverse()
}

/** 1 - editDistance / len(truth), floored at 0. An empty truth gives 1 for an empty read, else 0. */
export function charAccuracy(truth: string, read: string): number {
  if (truth.length === 0) return read.length === 0 ? 1 : 0
  return Math.max(0, 1 - editDistance(truth, read) / truth.length)
}

export interface ConfusionPair {
  truth: string
  read: string
  count: number
}

export interface GroupAccuracy {
  key: string
  plates: number
  exactAccuracy: number
}

/** Text accuracy over (truth, read) pairs, with confusion pairs and optional group keys. */
export class TextStats {
  count = 0
  exact = 0
  charSum = 0
  private confusion = new Map<string, number>()
  private groups = new Map<string, Map<string, { n: number; exact: number }>>()

  add(truth: string, read: string | null, groups: Record<string, string> = {}): void {
    // a one-line truth (a file name, a plates.tsv label) says nothing of rows: the read's break is not an error
    const r = truth.includes(ROW_BREAK) ? (read ?? '') : singleLine(read ?? '')
    this.count++
    const ok = truth === r
    if (ok) this.exact++
    this.charSum += charAccuracy(truth, r)
    if (!ok) {
      for (const [t, x] of alignChars(truth, r)) {
        if (t === x) continue
        const k = `${t}\u0000${x}`
        this.confusion.set(k, (this.confusion.get(k) ?? 0) + 1)
      }
    }
    for (const [g, key] of Object.entries(groups)) {
      let m = this.groups.get(g)
      if (!m) this.groups.set(g, (m = new Map()))
      const s = m.get(key) ?? { n: 0, exact: 0 }
      s.n++
      if (ok) s.exact++
      m.set(key, s)
    }
  }

  get exactAccuracy(): number {
    return this.count ? this.exact / this.count : 0
  }

  get charAccuracy(): number {
    return this.count ? this.charSum / this.count : 0
  }

  /** Most frequent first; '' = gap. */
  confusionPairs(limit = 50): ConfusionPair[] {
    return [...this.confusion.entries()]
      .map(([k, count]) => {
        const [truth, read] = k.split('\u0000')
        return { truth, read, count }
      })
      .sort((a, b) => b.count - a.count || a.truth.localeCompare(b.truth) || a.read.localeCompare(b.read))
      .slice(0, limit)
  }

  group(name: string): GroupAccuracy[] {
    return [...(this.groups.get(name)?.entries() ?? [])]
      .map(([key, s]) => ({ key, plates: s.n, exactAccuracy: s.n ? s.exact / s.n : 0 }))
      .sort((a, b) => b.plates - a.plates || a.key.localeCompare(b.key))
  }
}

export interface DetectionSummary {
  precision: number
  recall: number
  truePositives: number
  falsePositives: number
  falseNegatives: number
}

export class DetectionStats {
  tp = 0
  fp = 0
  fn = 0

  addMatch(m: MatchResult): void {
    this.tp += m.matches.length
    this.fp += m.unmatchedPred.length
    this.fn += m.unmatchedGt.length
  }

  summary(): DetectionSummary {
    return {
      // no predictions at all: precision is vacuously 1 only when nothing was missed either
      precision: this.tp + this.fp ? this.tp / (this.tp + this.fp) : this.fn ? 0 : 1,
      recall: this.tp + this.fn ? this.tp / (this.tp + this.fn) : 1,
      truePositives: this.tp,
      falsePositives: this.fp,
      falseNegatives: this.fn
    }
  }
}

export interface TimingSummary {
  count: number
  meanMs: number
  medianMs: number
  p95Ms: number
  maxMs: number
}

export function timingSummary(values: number[]): TimingSummary {
  if (values.length === 0) return { count: 0, meanMs: 0, medianMs: 0, p95Ms: 0, maxMs: 0 }
  const s = [...values].sort((a, b) => a - b)
  const q = (p: number): number => s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))]
  return {
    count: s.length,
    meanMs: s.reduce((a, b) => a + b, 0) / s.length,
    medianMs: q(0.5),
    p95Ms: q(0.95),
    maxMs: s[s.length - 1]
  }
}
