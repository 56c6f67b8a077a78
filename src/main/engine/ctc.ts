// CTC decoding for sequence recognisers (e.g. LPRNet): per-time-step class probabilities, one class
// being the blank. The text is the greedy (best path) decoding; the alternatives come from a prefix
// beam search; every probability quoted is the exact CTC probability of that text (forward algorithm),
// so confidence and candidates tell the same story and compare across plates of different lengths.
import type { Candidate, PlateRead } from '../../shared/types'

/** Class probabilities of one crop: probs[t * classes + c], rows summing to 1. */
export interface CtcProbs {
  probs: Float32Array
  steps: number
  /** one entry per class (a Unicode character; the blank's entry is never emitted) */
  alphabet: string[]
  blank: number
}

/**
 * Turns one crop's raw output into CtcProbs. `axes`: 'NCT' = data[c * T + t], 'NTC' = data[t * C + c];
 * logits go through a softmax per time step, probabilities are copied.
 */
export function toCtcProbs(
  data: Float32Array,
  axes: 'NCT' | 'NTC',
  classes: number,
  steps: number,
  alphabet: string[],
  blank: number,
  scores: 'logits' | 'probs' = 'logits'
): CtcProbs {
  const probs = new Float32Array(steps * classes)
  for (let t = 0; t < steps; t++) {
    const row = t * classes
    let max = -Infinity
    for (let c = 0; c < classes; c++) {
      const v = axes === 'NCT' ? data[c * steps + t]! : data[t * classes + c]!
      probs[row + c] = v
      if (v > max) max = v
    }
    if (scores === 'logits') {
      let sum = 0
      for (let c = 0; c < classes; c++) sum += probs[row + c] = Math.exp(probs[row + c]! - max)
      for (let c = 0; c < classes; c++) probs[row + c]! /= sum
    }
  }
  return { probs, steps, alphabet, blank }
}

/** Best-path decoding: the top class per step, repeats collapsed, blanks dropped. A character's
 *  confidence is its highest probability over the steps it spans. */
export function greedyCtc(p: CtcProbs): { labels: number[]; charConfidences: number[] } {
  const k = p.alphabet.length
  const labels: number[] = []
  const charConfidences: number[] = []
  let prev = -1
  for (let t = 0; t < p.steps; t++) {
    let best = 0
    for (let c = 1; c < k; c++) if (p.probs[t * k + c]! > p.probs[t * k + best]!) best = c
    const prob = p.probs[t * k + best]!
    if (best !== p.blank) {
      if (best !== prev) {
        labels.push(best)
        charConfidences.push(prob)
      } else if (prob > charConfidences[charConfidences.length - 1]!) {
        charConfidences[charConfidences.length - 1] = prob
      }
    }
    prev = best
  }
  return { labels, charConfidences }
}

/** p(labels | crop): the sum over every alignment of the labels (CTC forward algorithm, linear space;
 *  18 steps of probabilities cannot underflow a double). */
export function ctcLabelProb(p: CtcProbs, labels: number[]): number {
  const k = p.alphabet.length
  const S = 2 * labels.length + 1
  const ext = (s: number): number => (s % 2 === 0 ? p.blank : labels[(s - 1) / 2]!)
  let alpha = new Float64Array(S)
  alpha[0] = p.probs[p.blank]!
  if (S > 1) alpha[1] = p.probs[ext(1)]!
  for (let t = 1; t < p.steps; t++) {
    const next = new Float64Array(S)
    for (let s = 0; s < S; s++) {
      let a = alpha[s]!
      if (s > 0) a += alpha[s - 1]!
      // skipping the blank in between is allowed unless it would merge two equal labels
      if (s > 1 && s % 2 === 1 && ext(s) !== ext(s - 2)) a += alpha[s - 2]!
      next[s] = a * p.probs[t * k + ext(s)]!
    }
    alpha = next
  }
  return S > 1 ? alpha[S - 1]! + alpha[S - 2]! : alpha[0]!
}

/**
 * Prefix beam search: the `topN` most probable label sequences, each with its exact probability.
 * At each step only the `perStep` likeliest classes extend a prefix (plate models are peaked).
 */
export function ctcBeamSearch(p: CtcProbs, topN = 10, beamWidth = Math.max(16, topN * 3), perStep = 6): Candidate[] {
  const k = p.alphabet.length
  type Beam = { labels: number[]; pb: number; pnb: number }
  let beams = new Map<string, Beam>([['', { labels: [], pb: 1, pnb: 0 }]])
  for (let t = 0; t < p.steps; t++) {
    const row = p.probs.subarray(t * k, (t + 1) * k)
    const top = Array.from({ length: k }, (_, i) => i)
      .sort((a, b) => row[b]! - row[a]!)
      .slice(0, perStep)
    if (!top.includes(p.blank)) top.push(p.blank)
    const next = new Map<string, Beam>()
    const at = (labels: number[]): Beam => {
      const key = labels.join(',')
      let b = next.get(key)
      if (!b) next.set(key, (b = { labels, pb: 0, pnb: 0 }))
      return b
    }
    for (const b of beams.values()) {
      const last = b.labels.length ? b.labels[b.labels.length - 1]! : -1
      for (const c of top) {
        const pc = row[c]!
        if (c === p.blank) {
          at(b.labels).pb += (b.pb + b.pnb) * pc
        } else if (c === last) {
          at(b.labels).pnb += b.pnb * pc // the repeat collapses into the same label
          at([...b.labels, c]).pnb += b.pb * pc // a blank in between: a second, equal label
        } else {
          at([...b.labels, c]).pnb += (b.pb + b.pnb) * pc
        }
      }
    }
    beams = new Map(
      [...next.entries()].sort((a, b) => b[1].pb + b[1].pnb - (a[1].pb + a[1].pnb)).slice(0, beamWidth)
    )
  }
  const out: Candidate[] = []
  for (const b of beams.values()) {
    if (!b.labels.length) continue
    out.push({ plate: b.labels.map((c) => p.alphabet[c]).join(''), confidence: Math.min(1, ctcLabelProb(p, b.labels)) })
  }
  return out.sort((a, b) => b.confidence - a.confidence).slice(0, topN)
}

/** One crop's reading: greedy text, per-character confidences, the text's CTC probability, top-N. */
export function decodeCtc(p: CtcProbs, modelId: string, topN = 10): PlateRead {
  const { labels, charConfidences } = greedyCtc(p)
  const text = labels.map((c) => p.alphabet[c]).join('')
  return {
    text,
    confidence: text ? Math.min(1, ctcLabelProb(p, labels)) : 0,
    charConfidences,
    candidates: topN > 0 ? ctcBeamSearch(p, topN) : [],
    region: null,
    regionConfidence: null,
    modelId
  }
}
