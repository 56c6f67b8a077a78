// CTC decoding on hand-made probabilities: greedy collapse, exact sequence probabilities (checked
// against brute-force enumeration of every alignment), beam-search alternatives, both output layouts.
import { describe, expect, it } from 'vitest'
import { ctcBeamSearch, ctcLabelProb, decodeCtc, greedyCtc, toCtcProbs, type CtcProbs } from '../../src/main/engine/ctc'

// a Unicode alphabet with the blank last, like LPRNet's
const ALPHA = ['皖', 'Ä', 'Ж', 'A', '1', '-']
const BLANK = 5

/** probabilities from a list of {char: p} per step, the rest spread evenly over the other classes */
function steps(spec: Record<string, number>[]): CtcProbs {
  const k = ALPHA.length
  const probs = new Float32Array(spec.length * k)
  spec.forEach((s, t) => {
    const rest = 1 - Object.values(s).reduce((a, b) => a + b, 0)
    for (let c = 0; c < k; c++) probs[t * k + c] = s[ALPHA[c]!] ?? rest / (k - Object.keys(s).length)
  })
  return { probs, steps: spec.length, alphabet: ALPHA, blank: BLANK }
}

/** p(text) by summing over every path of classes that collapses to it (k^T paths: tiny inputs only) */
function bruteForce(p: CtcProbs): Map<string, number> {
  const k = p.alphabet.length
  const out = new Map<string, number>()
  const walk = (t: number, path: number[], prob: number): void => {
    if (t === p.steps) {
      let s = ''
      let prev = -1
      for (const c of path) {
        if (c !== prev && c !== p.blank) s += p.alphabet[c]
        prev = c
      }
      out.set(s, (out.get(s) ?? 0) + prob)
      return
    }
    for (let c = 0; c < k; c++) walk(t + 1, [...path, c], prob * p.probs[t * k + c]!)
  }
  walk(0, [], 1)
  return out
}

describe('CTC decoding', () => {
  it('greedy: collapses repeats, drops blanks, keeps a doubled character split by a blank', () => {
    const p = steps([{ 皖: 0.9 }, { 皖: 0.7 }, { '-': 0.8 }, { '1': 0.6 }, { '-': 0.9 }, { '1': 0.95 }, { Ж: 0.5 }])
    const g = greedyCtc(p)
    expect(g.labels.map((c) => ALPHA[c]).join('')).toBe('皖11Ж')
    // a character's confidence: its best step
    expect(g.charConfidences.map((c) => Number(c.toFixed(2)))).toEqual([0.9, 0.6, 0.95, 0.5])
    const r = decodeCtc(p, 'm')
    expect(r.text).toBe('皖11Ж')
    expect(r.modelId).toBe('m')
  })

  it('the probability of a text is the sum over all its alignments (forward algorithm = brute force)', () => {
    const p = steps([{ Ä: 0.5, '-': 0.3 }, { Ä: 0.4, A: 0.3 }, { '-': 0.6 }, { Ä: 0.35, Ж: 0.3 }, { '1': 0.4, '-': 0.4 }])
    const all = bruteForce(p)
    let total = 0
    for (const [text, prob] of all) {
      total += prob
      const labels = Array.from(text).map((ch) => ALPHA.indexOf(ch))
      expect(ctcLabelProb(p, labels)).toBeCloseTo(prob, 6)
    }
    expect(total).toBeCloseTo(1, 6)
    expect(ctcLabelProb(p, [])).toBeCloseTo(all.get('') ?? 0, 6)
  })

  it('beam search: the top-N texts in order, each with its exact probability; confidence = p(greedy text)', () => {
    const p = steps([{ 皖: 0.6, Ж: 0.3 }, { '-': 0.7 }, { A: 0.5, Ä: 0.4 }, { '-': 0.6 }, { '1': 0.8 }])
    const truth = [...bruteForce(p).entries()].filter(([t]) => t).sort((a, b) => b[1] - a[1])
    const beam = ctcBeamSearch(p, 5)
    expect(beam.map((c) => c.plate)).toEqual(truth.slice(0, 5).map(([t]) => t))
    beam.forEach((c, i) => expect(c.confidence).toBeCloseTo(truth[i]![1], 6))
    const r = decodeCtc(p, 'm', 5)
    expect(r.text).toBe('皖A1')
    expect(r.confidence).toBeCloseTo(bruteForce(p).get('皖A1')!, 6)
    expect(r.candidates[0]).toEqual({ plate: '皖A1', confidence: expect.closeTo(r.confidence, 6) })
  })

  it('all blanks: empty text, confidence 0, no candidates with empty text', () => {
    const r = decodeCtc(steps([{ '-': 0.9 }, { '-': 0.95 }, { '-': 0.99 }]), 'm')
    expect(r.text).toBe('')
    expect(r.confidence).toBe(0)
    expect(r.candidates.every((c) => c.plate.length > 0)).toBe(true)
  })

  it('reads both output layouts ([N, classes, T] and [N, T, classes]) and softmaxes logits', () => {
    const T = 3
    const C = ALPHA.length
    // logits favouring Ж, blank, 1
    const want = [2, BLANK, 4]
    const ntc = new Float32Array(T * C)
    const nct = new Float32Array(T * C)
    for (let t = 0; t < T; t++) {
      for (let c = 0; c < C; c++) {
        const v = c === want[t] ? 5 : c * 0.1
        ntc[t * C + c] = v
        nct[c * T + t] = v
      }
    }
    const a = toCtcProbs(ntc, 'NTC', C, T, ALPHA, BLANK)
    const b = toCtcProbs(nct, 'NCT', C, T, ALPHA, BLANK)
    expect(Array.from(a.probs)).toEqual(Array.from(b.probs))
    for (let t = 0; t < T; t++) expect(a.probs.subarray(t * C, (t + 1) * C).reduce((x, y) => x + y, 0)).toBeCloseTo(1, 5)
    expect(decodeCtc(a, 'm').text).toBe('Ж1')
    // probabilities pass through unchanged
    const probs = toCtcProbs(a.probs, 'NTC', C, T, ALPHA, BLANK, 'probs')
    expect(Array.from(probs.probs)).toEqual(Array.from(a.probs))
  })
})
