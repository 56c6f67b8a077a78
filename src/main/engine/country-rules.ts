// Re-ranking a reading by its country's plate syntax (shared/country-rules.ts). When the model's best
// reading fits no format of the country, the most probable reading that fits one is computed from the
// per-slot probabilities (exact for fixed-slot models: per position the best allowed character, per
// format sequence the product, the best sequence overall) and taken when it is not far less probable
// than the model's own; else the model's reading stays, flagged as breaking the country's syntax.
// CTC models have no slots: their top-N alternatives are scanned instead.
import type { PlateRead } from '../../shared/types'
import { matchingFormat, ruleText, type CompiledRule } from '../../shared/country-rules'
import type { SlotProbs } from './recognizer'

/**
 * A syntax-fitting reading replaces the model's when p(fitting) >= MIN_RATIO × p(model's). Measured on
 * synthetic plates (test/engine/measure-rules.ts, README "Country rules"): every threshold from 0.0001 to
 * 0.5 fixed reads without breaking a right one, lower ones fixed more; readings that fit no format
 * (vanity, foreign, special plates) were changed only below 0.003. 0.01 keeps a 3x margin above that.
 */
export const DEFAULT_MIN_RATIO = 0.01
/** the v2 region head must be at least this sure before its country's rule is used */
export const DEFAULT_REGION_MIN = 0.5

export interface RuleOptions {
  rules: CompiledRule[]
  /** the user's default country (Settings), used when neither the region head nor the profile decides */
  defaultCountry?: string | null
  minRatio?: number
  regionMin?: number
}

/** The rule a read falls under: the confident region head's country, else the profile's, else the default. */
export function pickRule(o: RuleOptions, region: string | null, regionConfidence: number | null, profile?: string): CompiledRule | null {
  if (region && (regionConfidence ?? 0) >= (o.regionMin ?? DEFAULT_REGION_MIN)) {
    const r = o.rules.find((x) => x.regions.includes(region))
    if (r) return r
  }
  if (profile) {
    const r = o.rules.find((x) => x.profiles.includes(profile))
    if (r) return r
  }
  if (o.defaultCountry) return o.rules.find((x) => x.country === o.defaultCountry || x.id === o.defaultCountry) ?? null
  return null
}

export interface Constrained {
  text: string
  /** joint probability over all slots (pads included), as decodeSlots' confidence */
  prob: number
  charConfidences: number[]
  format: string
}

/**
 * The most probable reading that fits one of the rule's formats, from the slot probabilities (text
 * left-aligned, pads after it, as fast-plate-ocr models write it). `model`: the argmax characters per
 * slot; with a look-alike map, a slot may only keep its character or become one of its look-alikes.
 */
export function constrainedBest(p: SlotProbs, rule: CompiledRule, model?: string[]): Constrained | null {
  const k = p.alphabet.length
  const pad = p.alphabet.indexOf(p.padChar)
  const idx = new Map(Array.from(p.alphabet).map((c, i) => [c, i]))
  // suffix products of the pad probability: slots n..end all pad
  const padTail = new Float64Array(p.slots + 1).fill(1)
  for (let s = p.slots - 1; s >= 0; s--) padTail[s] = padTail[s + 1]! * (pad >= 0 ? p.probs[s * k + pad]! : 0)
  // the best allowed character per (slot, set) is shared by many sequences: cache it
  const cache = new Map<string, [string, number]>()
  const bestIn = (s: number, set: string): [string, number] => {
    const key = `${s}:${set}`
    let hit = cache.get(key)
    if (!hit) {
      let allowed = set
      const own = model?.[s]
      if (rule.lookalikes && own) allowed = Array.from(set).filter((c) => c === own || rule.lookalikes!.get(own)?.includes(c)).join('')
      hit = ['', 0]
      for (const c of allowed) {
        const i = idx.get(c)
        if (i != null && p.probs[s * k + i]! > hit[1]) hit = [c, p.probs[s * k + i]!]
      }
      cache.set(key, hit)
    }
    return hit
  }
  let best: Constrained | null = null
  for (const f of rule.formats) {
    for (const seq of f.seqs) {
      if (seq.length > p.slots) continue
      let prob = padTail[seq.length]!
      if (best && prob <= best.prob) continue
      let text = ''
      const confs: number[] = []
      for (let s = 0; s < seq.length && prob > 0; s++) {
        const [c, q] = bestIn(s, seq[s]!)
        prob *= q
        text += c
        confs.push(q)
      }
      if (prob > 0 && (!best || prob > best.prob)) best = { text, prob, charConfidences: confs, format: f.name }
    }
  }
  return best
}

/** The argmax character per slot ('' for a pad), the model's own reading slot by slot. */
function argmaxChars(p: SlotProbs): string[] {
  const k = p.alphabet.length
  const out: string[] = []
  for (let s = 0; s < p.slots; s++) {
    let b = 0
    for (let c = 1; c < k; c++) if (p.probs[s * k + c]! > p.probs[s * k + b]!) b = c
    out.push(p.alphabet[b] === p.padChar ? '' : p.alphabet[b]!)
  }
  return out
}

/**
 * Applies `rule` to one read. Returns the read unchanged when it fits (or is empty); the fitting reading
 * with `modelText` (the model's own) and `rule` set when one is probable enough; else the model's read
 * with `rule` set and no change (it breaks the country's syntax). `probs`: the read's slot probabilities
 * (fixed-slot models); without them the read's candidates are scanned.
 */
export function applyRule(read: PlateRead, rule: CompiledRule, probs: SlotProbs | null, minRatio = DEFAULT_MIN_RATIO): PlateRead {
  if (!read.text || matchingFormat(rule, read.text)) return read
  let alt: { text: string; prob: number; charConfidences: number[] } | null = null
  if (probs && !read.text.includes('\n')) {
    const own = argmaxChars(probs)
    const c = constrainedBest(probs, rule, rule.lookalikes ? own : undefined)
    if (c) alt = c
  } else {
    for (const cand of read.candidates) {
      if (!matchingFormat(rule, cand.plate)) continue
      if (rule.lookalikes && !lookalikeOf(rule, read.text, cand.plate)) continue
      alt = { text: cand.plate, prob: cand.confidence, charConfidences: read.charConfidences }
      break
    }
  }
  const flagged: PlateRead = { ...read, modelText: read.text, rule: rule.country }
  if (!alt || alt.prob < minRatio * read.confidence) return flagged
  const others = read.candidates.filter((c) => c.plate !== alt!.text)
  return {
    ...read,
    text: alt.text,
    confidence: Math.min(1, alt.prob),
    charConfidences: alt.charConfidences.length === Array.from(ruleText(alt.text)).length ? alt.charConfidences : read.charConfidences,
    candidates: [{ plate: alt.text, confidence: Math.min(1, alt.prob) }, ...others].slice(0, Math.max(1, read.candidates.length)),
    modelText: read.text,
    rule: rule.country
  }
}

/** Same length, and every changed character became one of its look-alikes. */
function lookalikeOf(rule: CompiledRule, from: string, to: string): boolean {
  const a = Array.from(ruleText(from))
  const b = Array.from(ruleText(to))
  return a.length === b.length && a.every((c, i) => c === b[i] || !!rule.lookalikes!.get(c)?.includes(b[i]!))
}
