import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Pipeline } from '../../src/main/engine/pipeline'
import { averageSlots, beamCandidates, decodeSlots } from '../../src/main/engine/recognizer'
import { decodeImageFile } from '../../src/main/media/images'
import { readPlatesTsv } from '../helpers/fixtures'
import { FIXTURES_SKIP_REASON, MODELS_SKIP_REASON, fixturesDir, modelsDir, skipReason } from '../helpers/models'
import { renderPlate, type SynthPlate } from '../helpers/synth'
import { slots } from '../helpers/slots'


describe('slot decoding', () => {
  it('strips pads, reports per-character confidences and the joint probability', () => {
    const r = decodeSlots(slots([{ B: 0.9 }, { '2': 0.8 }, { _: 0.99 }, { _: 1 }]), 'm')
    expect(r.text).toBe('B2')
    expect(r.charConfidences.map((c) => Number(c.toFixed(2)))).toEqual([0.9, 0.8])
    expect(r.confidence).toBeCloseTo(0.9 * 0.8 * 0.99 * 1, 4)
    expect(r.candidates[0]).toEqual({ plate: 'B2', confidence: expect.closeTo(r.confidence, 3) })
  })

  it('beam candidates are ordered by joint probability and include the runner-up characters', () => {
    const p = slots([{ B: 0.6, '8': 0.4 }, { '1': 0.7, I: 0.3 }, { _: 1 }])
    const c = beamCandidates(p, 4)
    expect(c.map((x) => x.plate)).toEqual(['B1', '81', 'BI', '8I'])
    expect(c[0]!.confidence).toBeCloseTo(0.42, 3)
    expect(c[3]!.confidence).toBeCloseTo(0.12, 3)
  })

  it('paths that differ only in pad position merge into one candidate', () => {
    // "A" then pad, or pad then "A": both read "A"
    const p = slots([{ A: 0.5, _: 0.5 }, { A: 0.5, _: 0.5 }])
    const c = beamCandidates(p, 3)
    expect(c[0]).toEqual({ plate: 'A', confidence: expect.closeTo(0.5, 3) })
    expect(c[1]).toEqual({ plate: 'AA', confidence: expect.closeTo(0.25, 3) })
  })

  it('averaging two models aligns slots from the left and keeps the longer tail', () => {
    const a = slots([{ B: 0.4, '8': 0.6 }, { _: 1 }])
    const b = slots([{ B: 0.9, '8': 0.1 }, { _: 1 }, { _: 1 }])
    const m = averageSlots(a, b)
    expect(m.slots).toBe(3)
    expect(decodeSlots(m, 'e').text).toBe('B')
  })
})

const FIX = fixturesDir()
const MODELS = modelsDir()

describe.skipIf(skipReason(!MODELS && MODELS_SKIP_REASON, !FIX && FIXTURES_SKIP_REASON))('OCR on real fixture crops', () => {
  let v2: Pipeline
  let cascade: Pipeline
  beforeAll(async () => {
    v2 = await Pipeline.create({ recognizerId: 'cct-xs-v2-global', threads: 1 })
    cascade = await Pipeline.create({ threads: 1 })
  })
  afterAll(async () => {
    await v2?.close()
    await cascade?.close()
  })

  it('reads the clear plates of plates.tsv from their labelled boxes', async () => {
    const clear = readPlatesTsv(FIX!).filter((p) => p.legibility === 'clear')
    expect(clear).toHaveLength(23)
    let exact = 0
    let inCandidates = 0
    const misses: string[] = []
    for (const plate of clear) {
      const img = await decodeImageFile(plate.image)
      const [read] = await v2.recognizers[0]!.recognize(img, [plate.box], { topN: 5 })
      if (read!.text === plate.text) exact++
      else misses.push(`${plate.text}→${read!.text}`)
      if (read!.candidates.some((c) => c.plate === plate.text)) inCandidates++
      expect(read!.region).toBeTruthy()
    }
    console.log(`v2 on labelled boxes: ${exact}/23 exact, ${inCandidates}/23 in top-5; misses: ${misses.join(' ') || 'none'}`)
    expect(exact).toBeGreaterThanOrEqual(21)
    expect(inCandidates).toBeGreaterThanOrEqual(22)
  })

  it('end-to-end (detector boxes, default v2→v1 cascade) reads >= 22 of the 23 clear plates, region Romania', async () => {
    const rows = readPlatesTsv(FIX!).filter((p) => p.legibility === 'clear')
    let exact = 0
    let romania = 0
    for (const image of new Set(rows.map((r) => r.image))) {
      const res = await cascade.recognizeFile(image)
      for (const g of rows.filter((r) => r.image === image)) {
        const hit = res.plates.find((p) => {
          const b = p.detection.box
          const ix = Math.max(0, Math.min(b.x2, g.box.x2) - Math.max(b.x1, g.box.x1))
          const iy = Math.max(0, Math.min(b.y2, g.box.y2) - Math.max(b.y1, g.box.y1))
          return ix * iy > 0.5 * (g.box.x2 - g.box.x1) * (g.box.y2 - g.box.y1)
        })
        if (hit?.read?.text === g.text) exact++
        if (hit?.read?.region === 'Romania') romania++
      }
    }
    console.log(`end-to-end cascade: ${exact}/23 exact, region Romania ${romania}/23`)
    expect(exact).toBeGreaterThanOrEqual(22)
    expect(romania).toBeGreaterThanOrEqual(18)
  })
})

describe.skipIf(skipReason(!MODELS && MODELS_SKIP_REASON))('OCR on synthetic plates', () => {
  const cases: SynthPlate[] = [
    { text: 'B21GSB', font: 'DejaVu Sans', euBand: true },
    { text: 'CJ07XYZ', font: 'DejaVu Sans Mono', euBand: true, blur: 1 },
    { text: 'IF10KAX', font: 'DejaVu Sans', condensed: true, euBand: true, rotate: 4 },
    { text: 'TM42ABC', font: 'DejaVu Serif', euBand: true, shear: 0.15 },
    { text: 'B123XYZ', font: 'DejaVu Sans', euBand: true, finalWidth: 110, blur: 0.6 },
    { text: 'AB12CDE', font: 'DejaVu Sans', bold: true, rotate: -3 },
    { text: 'KL5834', font: 'DejaVu Sans Mono' },
    { text: 'MH09PQR', font: 'DejaVu Sans', condensed: true, euBand: true, blur: 1.2, shear: -0.1 },
    { text: 'SB014882', font: 'DejaVu Sans', euBand: true },
    { text: 'GJ88TUV', font: 'DejaVu Serif', bold: true, euBand: true, rotate: 2, finalWidth: 160 }
  ]
  let p: Pipeline
  beforeAll(async () => {
    p = await Pipeline.create({ recognizerId: 'cct-xs-v2-global', threads: 1 })
  })
  afterAll(async () => p?.close())

  it('reads most exactly, and the truth is among the candidates for nearly all', async () => {
    let exact = 0
    let inCandidates = 0
    const log: string[] = []
    for (const c of cases) {
      const img = await renderPlate(c)
      const [read] = await p.recognizers[0]!.recognize(img, [{ x1: 0, y1: 0, x2: img.width, y2: img.height }], { topN: 5, padX: 0, padY: 0 })
      exact += Number(read!.text === c.text)
      inCandidates += Number(read!.candidates.some((x) => x.plate === c.text))
      log.push(`${c.text}→${read!.text}(${read!.confidence.toFixed(2)})`)
    }
    console.log(`synthetic: ${exact}/${cases.length} exact, ${inCandidates} in top-5: ${log.join(' ')}`)
    expect(exact).toBeGreaterThanOrEqual(7)
    expect(inCandidates).toBeGreaterThanOrEqual(8)
  })

  it('confidence ranks wrong readings low (80 randomly degraded plates)', async () => {
    let seed = 11
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648
    const pick = <T,>(a: readonly T[]) => a[Math.floor(rnd() * a.length)]!
    const reads: { conf: number; ok: boolean }[] = []
    for (let i = 0; i < 80; i++) {
      const text =
        pick(['B', 'CJ', 'IF', 'TM', 'SB']) +
        Array.from({ length: pick([2, 3]) }, () => pick([...'0123456789'])).join('') +
        Array.from({ length: 3 }, () => pick([...'ABCDEFGHJKLMNPRSTUVWXYZ'])).join('')
      const img = await renderPlate({
        text,
        font: pick(['DejaVu Sans', 'DejaVu Sans Mono', 'DejaVu Serif']),
        euBand: rnd() < 0.8,
        blur: rnd() * 2.2,
        rotate: (rnd() - 0.5) * 12,
        shear: (rnd() - 0.5) * 0.4,
        finalWidth: Math.round(60 + rnd() * 160)
      })
      const [read] = await p.recognizers[0]!.recognize(img, [{ x1: 0, y1: 0, x2: img.width, y2: img.height }], { topN: 0, padX: 0, padY: 0 })
      if (read!.text) reads.push({ conf: read!.confidence, ok: read!.text === text })
    }
    const right = reads.filter((r) => r.ok)
    const wrong = reads.filter((r) => !r.ok)
    let above = 0
    for (const a of right) for (const b of wrong) above += a.conf > b.conf ? 1 : a.conf === b.conf ? 0.5 : 0
    const auc = above / (right.length * wrong.length)
    console.log(`confidence AUC ${auc.toFixed(3)} over ${right.length} right / ${wrong.length} wrong synthetic reads`)
    // the degradations make both groups sizeable; a confidence unrelated to correctness gives ~0.5
    expect(right.length).toBeGreaterThan(15)
    expect(wrong.length).toBeGreaterThan(15)
    expect(auc).toBeGreaterThan(0.85)
  })
})
