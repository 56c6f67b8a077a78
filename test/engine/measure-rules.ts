// What the country rules gain and where they hurt (not a test: prints, never asserts). README "Country rules".
//   ALPR_MODELS_DIR=../shared/models npx tsx test/engine/measure-rules.ts [--n 150]
// Three synthetic sets read by the default v2→v1 cascade (one inference per plate, every threshold
// scored on the same slot probabilities):
//   lookalike: plates of Romania's formats with one character drawn as its look-alike glyph (0→O, 1→I,
//              8→B, 2→Z, 5→S, 4→A, 6→G and back), degraded (blur, rotation, shear, small): the truth is
//              the plate's real text, so only the country's syntax can recover it
//   formats:   plates of 8 countries' formats drawn correctly, degraded the same way; the default
//              country is the plate's own (a user who sets it)
//   vanity:    clearly drawn strings that fit no Romanian format (personalised, foreign, special series)
//              under default country Romania: every change the rule makes is a new error
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseRuleFile, type CompiledRule } from '../../src/shared/country-rules'
import { DEFAULT_MIN_RATIO, applyRule } from '../../src/main/engine/country-rules'
import { Pipeline } from '../../src/main/engine/pipeline'
import { averageSlots, decodeSlots, type SlotProbs } from '../../src/main/engine/recognizer'
import { REPO_ROOT, modelsDir } from '../helpers/models'
import { renderPlate } from '../helpers/synth'

if (!modelsDir()) {
  console.error('needs the models (ALPR_MODELS_DIR or ../shared/models)')
  process.exit(1)
}
const arg = (name: string) => {
  const i = process.argv.indexOf(name)
  return i > 0 ? process.argv[i + 1] : undefined
}
const N = Number(arg('--n') ?? 150)
const rule = (id: string): CompiledRule => parseRuleFile(id, readFileSync(join(REPO_ROOT, 'rules', `${id}.json`), 'utf8')).rule!

let seed = 20261201
const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648
const pick = <T>(a: readonly T[]): T => a[Math.floor(rnd() * a.length)]!

/** a random plate of one of the rule's formats (Netherlands' 14 sidecodes etc. drawn evenly) */
function plateOf(r: CompiledRule): string {
  const seq = pick(pick(r.formats).seqs)
  return seq.map((set) => pick(Array.from(set))).join('')
}

const LOOK: Record<string, string> = { '0': 'O', '1': 'I', '8': 'B', '2': 'Z', '5': 'S', '4': 'A', '6': 'G', O: '0', I: '1', B: '8', Z: '2', S: '5', A: '4', G: '6' }

const degrade = () => ({
  font: pick(['DejaVu Sans', 'DejaVu Sans Mono', 'DejaVu Serif']),
  euBand: rnd() < 0.8,
  blur: rnd() * 1.8,
  rotate: (rnd() - 0.5) * 8,
  shear: (rnd() - 0.5) * 0.3,
  finalWidth: Math.round(80 + rnd() * 160)
})

const p = await Pipeline.create({ threads: 1, detector: false })
const [v2, v1] = p.recognizers

/** the cascade's slot probabilities for one whole-image crop (as Pipeline.read does it) */
async function read(text: string, style: ReturnType<typeof degrade> | Record<string, never>): Promise<SlotProbs> {
  const img = await renderPlate({ text, ...style })
  const batch = v2!.prepare(img, [{ x1: 0, y1: 0, x2: img.width, y2: img.height }], { padX: 0, padY: 0 })
  let probs = (await v2!.runBatch(batch, 1))[0]!
  const first = decodeSlots(probs, '', 0)
  if (v1 && first.text && first.confidence < 0.9) probs = averageSlots(probs, (await v1.runBatch(batch, 1))[0]!)
  return probs
}

const THRESHOLDS = [...new Set([0, 0.0001, 0.0003, 0.001, 0.003, 0.01, DEFAULT_MIN_RATIO, 0.05, 0.1, 0.2, 0.5, Infinity])]
interface Case {
  truth: string
  probs: SlotProbs
  rule: CompiledRule
}

function score(name: string, cases: Case[]): void {
  const base = cases.filter((c) => decodeSlots(c.probs, 'm', 10).text === c.truth).length
  const inTop = cases.filter((c) => decodeSlots(c.probs, 'm', 10).candidates.some((x) => x.plate === c.truth)).length
  console.log(`\n${name}: ${cases.length} plates; model alone ${base} exact (${((100 * base) / cases.length).toFixed(1)}%), truth in its top-10 for ${inTop}`)
  for (const t of [...THRESHOLDS, -DEFAULT_MIN_RATIO]) {
    // -x: the same threshold, scanning the model's top-10 alternatives instead of the constrained best
    const scan = t < 0
    let exact = 0
    let changed = 0
    let fixed = 0
    let broke = 0
    let flagged = 0
    for (const c of cases) {
      const model = decodeSlots(c.probs, 'm', 10)
      const r = t === Infinity ? model : applyRule(model, c.rule, scan ? null : c.probs, Math.abs(t))
      exact += Number(r.text === c.truth)
      if (r.rule && r.text !== model.text) {
        changed++
        if (r.text === c.truth) fixed++
        if (model.text === c.truth) broke++
      } else if (r.rule) flagged++
    }
    const label = scan ? `top-10 scan at ${-t}` : t === Infinity ? 'rules off' : `ratio >= ${t}${t === DEFAULT_MIN_RATIO ? ' (default)' : ''}`
    console.log(
      `  ${label.padEnd(22)} exact ${String(exact).padStart(4)} (${((100 * exact) / cases.length).toFixed(1)}%)  changed ${changed} (fixed ${fixed}, broke a right read ${broke}), flagged ${flagged}`
    )
  }
}

const ro = rule('romania')
const look: Case[] = []
for (let i = 0; i < N; i++) {
  const truth = plateOf(ro)
  const chars = Array.from(truth)
  const at = chars.map((c, j) => (LOOK[c] ? j : -1)).filter((j) => j >= 0)
  if (!at.length) continue
  const j = pick(at)
  chars[j] = LOOK[chars[j]!]!
  look.push({ truth, probs: await read(chars.join(''), degrade()), rule: ro })
}
score('lookalike (Romania, one look-alike glyph per plate, degraded)', look)

const countries = ['romania', 'germany', 'france', 'italy', 'spain', 'united-kingdom', 'netherlands', 'poland'].map(rule)
const formats: Case[] = []
for (let i = 0; i < N; i++) {
  const r = countries[i % countries.length]!
  const truth = plateOf(r)
  formats.push({ truth, probs: await read(truth, degrade()), rule: r })
}
score('formats (8 countries, correct glyphs, degraded; default country = the plate\'s)', formats)

// personalised / foreign / special plates a Romanian user meets; none fits a Romanian format
const VANITY = ['MIHAI1', 'B0SS', 'ANDREEA', 'TAXI42', 'B100', 'CJ0ANA', 'IONUT7', 'HELLO', 'B2OOMAX', 'MAI1234', 'A123', 'TM0DAN',
  'AB12CDE', '1234BCD', 'WA12345', 'M1234AB', 'CD123', 'B0BBY', 'RAZVAN', 'DJ1ZZZ', 'BOB8', 'SB8OSS', 'CT4RUN', 'MM1']
const vanity: Case[] = []
for (const v of VANITY) vanity.push({ truth: v, probs: await read(v, { font: 'DejaVu Sans', euBand: true } as never), rule: ro })
for (const v of VANITY) vanity.push({ truth: v, probs: await read(v, { ...degrade(), blur: rnd() * 0.8 }), rule: ro })
score('vanity (24 strings that fit no Romanian format, clean and mildly degraded; default country Romania)', vanity)
const hurt = vanity.flatMap((c) => {
  const m = decodeSlots(c.probs, 'm', 10)
  const r = applyRule(m, c.rule, c.probs)
  return r.text !== m.text ? [`${m.text}→${r.text}`] : []
})
console.log(`  changed at the default threshold: ${hurt.join(' ') || 'none'}`)
await p.close()
