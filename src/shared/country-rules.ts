// Country rules: which character may stand at which position of a country's plates, per known format.
// A rule file is JSON (rules/README.md documents it); this module validates one and compiles its
// patterns into fixed-length sequences of allowed-character sets, which the engine uses to re-rank a
// reading that breaks its country's syntax (engine/country-rules.ts). Shared so Settings can show the
// same validation errors the engine would.
import { z } from 'zod'

export const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'
export const DIGITS = '0123456789'

export const ruleFileSchema = z.strictObject({
  /** the country's name as shown in Review and chosen as the default country */
  country: z.string().trim().min(1).max(60),
  /** names of the v2 region head (models/manifest.json `regions`) that select this rule */
  regions: z.array(z.string().min(1).max(60)).max(20).default([]),
  /** recognition profiles (shared/profiles.ts ids) whose plates default to this country */
  profiles: z.array(z.string().min(1).max(40)).max(10).optional(),
  description: z.string().max(500).optional(),
  /** where the formats come from (URLs or citations): a rule without a source cannot be checked */
  sources: z.array(z.string().min(1).max(500)).min(1, 'give at least one source for the formats'),
  formats: z
    .array(
      z.strictObject({
        name: z.string().min(1).max(80),
        /** L letter, D digit, A letter or digit, [set], (AB|CD) literal alternatives; {n}, {n,m}, ? repeat */
        pattern: z.string().min(1).max(2000),
        /** real-looking plates of this format; each must match the pattern */
        examples: z.array(z.string().min(1).max(20)).max(20).optional()
      })
    )
    .min(1, 'give at least one format')
    .max(50),
  /** optional: a character may only be replaced by one of these look-alikes (e.g. {"0": "OD", "O": "0"}) */
  lookalikes: z.record(z.string().length(1), z.string().min(1).max(10)).optional()
})

export type RuleFile = z.infer<typeof ruleFileSchema>

/** One format, expanded: every sequence is a fixed-length list of allowed-character sets. */
export interface CompiledFormat {
  name: string
  seqs: string[][]
}

export interface CompiledRule {
  /** file name without .json: what Settings enables / disables and users override */
  id: string
  country: string
  regions: string[]
  profiles: string[]
  formats: CompiledFormat[]
  /** char → the characters it may become; null = any substitution the formats allow */
  lookalikes: Map<string, string> | null
}

/** A format may expand to at most this many fixed-length sequences (the constrained search scans each). */
export const MAX_SEQUENCES = 5000

type Part = string[][] // alternatives, each a list of allowed-character sets

function expandSet(body: string): string {
  const chars = Array.from(body)
  let out = ''
  for (let i = 0; i < chars.length; i++) {
    if (chars[i + 1] === '-' && i + 2 < chars.length) {
      const a = chars[i]!.codePointAt(0)!
      const b = chars[i + 2]!.codePointAt(0)!
      if (b < a) throw new Error(`range ${chars[i]}-${chars[i + 2]} runs backwards`)
      for (let c = a; c <= b; c++) out += String.fromCodePoint(c)
      i += 2
    } else out += chars[i]
  }
  return [...new Set(Array.from(out))].join('')
}

/** Compiles a pattern into its fixed-length sequences; throws an Error saying what is wrong and where. */
export function compilePattern(pattern: string): string[][] {
  const chars = Array.from(pattern)
  const parts: Part[] = []
  let i = 0
  while (i < chars.length) {
    const c = chars[i]!
    let alts: Part
    if (c === ' ') {
      i++
      continue
    } else if (c === 'L' || c === 'D' || c === 'A') {
      alts = [[c === 'L' ? LETTERS : c === 'D' ? DIGITS : LETTERS + DIGITS]]
      i++
    } else if (c === '[') {
      const end = chars.indexOf(']', i)
      if (end < 0) throw new Error(`'[' at ${i + 1} is not closed`)
      const set = expandSet(chars.slice(i + 1, end).join(''))
      if (!set) throw new Error(`empty set at ${i + 1}`)
      alts = [[set]]
      i = end + 1
    } else if (c === '(') {
      const end = chars.indexOf(')', i)
      if (end < 0) throw new Error(`'(' at ${i + 1} is not closed`)
      const words = chars.slice(i + 1, end).join('').split('|')
      if (words.some((w) => !w)) throw new Error(`empty alternative in the group at ${i + 1}`)
      alts = words.map((w) => Array.from(w))
      i = end + 1
    } else {
      throw new Error(`unexpected '${c}' at ${i + 1} (use L, D, A, [set] or (AB|CD); literal characters go in [ ] or ( ))`)
    }
    let min = 1
    let max = 1
    if (chars[i] === '?') {
      min = 0
      i++
    } else if (chars[i] === '{') {
      const end = chars.indexOf('}', i)
      const m = end > 0 ? /^(\d+)(?:,(\d+))?$/.exec(chars.slice(i + 1, end).join('')) : null
      if (!m) throw new Error(`bad repeat at ${i + 1} (write {n} or {n,m})`)
      min = Number(m[1])
      max = m[2] != null ? Number(m[2]) : min
      if (max < min || max > 12) throw new Error(`bad repeat {${m[0]}} at ${i + 1}`)
      i = end + 1
    }
    // a repeat of k copies is every concatenation of k alternatives
    const reps: Part = []
    for (let k = min; k <= max; k++) {
      let seqs: string[][] = [[]]
      for (let j = 0; j < k; j++) seqs = seqs.flatMap((s) => alts.map((a) => [...s, ...a]))
      reps.push(...seqs)
      if (reps.length > MAX_SEQUENCES) throw new Error(`expands to more than ${MAX_SEQUENCES} sequences`)
    }
    parts.push(reps)
  }
  let seqs: string[][] = [[]]
  for (const p of parts) {
    seqs = seqs.flatMap((s) => p.map((a) => [...s, ...a]))
    if (seqs.length > MAX_SEQUENCES) throw new Error(`expands to more than ${MAX_SEQUENCES} sequences`)
  }
  seqs = seqs.filter((s) => s.length > 0)
  if (!seqs.length) throw new Error('matches only the empty plate')
  return seqs
}

/** A plate text as the formats see it: separators (row break, space, dash) dropped, upper case. */
export const ruleText = (text: string): string => text.replace(/[\s\-_.·]/g, '').toUpperCase()

export function seqMatches(seq: string[], text: string): boolean {
  const chars = Array.from(text)
  return chars.length === seq.length && chars.every((c, i) => seq[i]!.includes(c))
}

/** The first format the text fits, or null. */
export function matchingFormat(rule: Pick<CompiledRule, 'formats'>, text: string): string | null {
  const t = ruleText(text)
  for (const f of rule.formats) if (f.seqs.some((s) => seqMatches(s, t))) return f.name
  return null
}

export interface RuleValidation {
  rule: CompiledRule | null
  /** the file as validated (defaults filled in): plain JSON, what the engine's workers are given */
  file: RuleFile | null
  /** each names where in the file the problem is */
  errors: string[]
}

/** Parses, validates and compiles one rule file's text. `id`: its name without .json. */
export function parseRuleFile(id: string, text: string): RuleValidation {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (err) {
    return { rule: null, file: null, errors: [`not valid JSON: ${(err as Error).message}`] }
  }
  const parsed = ruleFileSchema.safeParse(json)
  if (!parsed.success) {
    return { rule: null, file: null, errors: parsed.error.issues.slice(0, 10).map((i) => `${i.path.length ? i.path.join('.') : '(file)'}: ${i.message}`) }
  }
  return compileRule(id, parsed.data)
}

export function compileRule(id: string, file: RuleFile): RuleValidation {
  const errors: string[] = []
  const formats: CompiledFormat[] = []
  file.formats.forEach((f, i) => {
    try {
      const seqs = compilePattern(f.pattern)
      formats.push({ name: f.name, seqs })
      f.examples?.forEach((ex, j) => {
        if (!seqs.some((s) => seqMatches(s, ruleText(ex)))) errors.push(`formats.${i}.examples.${j}: "${ex}" does not match the pattern "${f.pattern}"`)
      })
    } catch (err) {
      errors.push(`formats.${i}.pattern: ${(err as Error).message}`)
    }
  })
  if (errors.length) return { rule: null, file: null, errors }
  const lookalikes = file.lookalikes ? new Map(Object.entries(file.lookalikes)) : null
  return {
    rule: { id, country: file.country, regions: file.regions, profiles: file.profiles ?? [], formats, lookalikes },
    file,
    errors
  }
}

/** A rule file's id from its file name: lower-case letters, digits, '-' and '_' only. */
export const RULE_ID = /^[a-z0-9][a-z0-9_-]{0,59}$/
