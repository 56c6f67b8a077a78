// Hand-made OCR slot outputs for decoding and re-ranking tests.
import type { SlotProbs } from '../../src/main/engine/recognizer'

export const ALPHA = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_'

/** Slot probabilities from a list of {char: p} per slot (the rest of the mass spread evenly). */
export function slots(spec: Record<string, number>[]): SlotProbs {
  const k = ALPHA.length
  const probs = new Float32Array(spec.length * k)
  spec.forEach((s, i) => {
    const rest = 1 - Object.values(s).reduce((a, b) => a + b, 0)
    for (let c = 0; c < k; c++) probs[i * k + c] = s[ALPHA[c]!] ?? rest / (k - Object.keys(s).length)
  })
  return { probs, slots: spec.length, alphabet: ALPHA, padChar: '_', region: null, regionConfidence: null }
}
