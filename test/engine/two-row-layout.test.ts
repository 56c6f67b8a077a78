// Two-row plates found by their shape alone (layout.ts TWO_ROW_ASPECT): a box-only detection or a whole
// plate crop narrower than 2.3:1 is also read row by row, so a user's two-row plate comes back "TOP\nBOTTOM"
// through the real product paths (crop import, detect + read), while wide single-row plates are untouched.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Pipeline } from '../../src/main/engine/pipeline'
import { TWO_ROW_ASPECT, layoutRead } from '../../src/main/engine/layout'
import type { PlateRead } from '../../src/shared/types'
import { TextStats } from '../../src/main/eval/metrics'
import { plateRead as rd } from '../helpers/reads'
import { MODELS_SKIP_REASON, fixturesDir, modelsDir, skipReason } from '../helpers/models'
import { renderTwoRowPlate } from '../helpers/synth-rows'

const MODELS = modelsDir()

describe('a row break guessed from the shape', () => {
  it('needs row reads that split the plate read; halves that each read the whole plate leave it one row', () => {
    const l = (p: PlateRead, t: PlateRead, b: PlateRead) =>
      layoutRead([{ role: 'plate', read: p }, { role: 'top', read: t, guess: true }, { role: 'bottom', read: b, guess: true }]).text
    expect(l(rd('MP407B', 0.46), rd('MP', 0.99), rd('47', 0.03))).toBe('MP\n407B')
    expect(l(rd('QW9K31', 0.41), rd('OW', 0.01), rd('955', 0.01))).toBe('QW\n9K31')
    // a single-row plate cut in two: each half reads (most of) the text, or one reads nothing
    expect(l(rd('B305CIL', 0.9), rd('B305CI', 0.2), rd('B3O5CIL', 0.3))).toBe('B305CIL')
    expect(l(rd('B305CIL', 0.9), rd('B', 0.2), rd('', 0))).toBe('B305CIL')
    // surer row reads replace the plate read only when the detector said two rows, not on a guess
    expect(l(rd('AB12', 0.3), rd('XY', 0.9), rd('34', 0.9))).toBe('AB\n12')
  })

  it('a one-line truth (crop file name, plates.tsv) scores a two-row read by its characters; a two-row truth by its rows', () => {
    const s = new TextStats()
    s.add('ABC1234', 'ABC\n1234')
    s.add('ABC\n1234', 'ABC\n1234')
    s.add('AB\nC1234', 'ABC\n1234')
    expect([s.count, s.exact]).toEqual([3, 2])
  })
})

// top row letters, bottom row digits and letters, as on many motorcycle plates; sizes 1.2:1 to 2:1
const cases = [
  { top: 'ABC', bottom: '1234', w: 300, h: 200 },
  { top: 'KL', bottom: '5678', w: 240, h: 180 },
  { top: 'XYZ', bottom: '1D23', w: 280, h: 160 },
  { top: 'MP', bottom: '407B', w: 200, h: 150 },
  { top: 'QW', bottom: '9K31', w: 260, h: 200 },
  { top: 'BBC', bottom: '2E45', w: 320, h: 180 },
  { top: 'TR', bottom: '8841', w: 220, h: 170 },
  { top: 'HN', bottom: '3307', w: 300, h: 150 },
  { top: 'DEF', bottom: '6729', w: 250, h: 190 },
  { top: 'SV', bottom: '1562', w: 180, h: 150 }
]

describe.skipIf(skipReason(!MODELS && MODELS_SKIP_REASON))('two-row plates detected by shape (real OCR)', () => {
  let pipe: Pipeline
  let dir: string
  beforeAll(async () => {
    pipe = await Pipeline.create({ threads: 1 })
    dir = mkdtempSync(join(tmpdir(), 'platedesk-rows-'))
  })
  afterAll(async () => {
    await pipe?.close()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  const png = async (p: { data: Uint8Array; width: number; height: number }, path: string) =>
    sharp(Buffer.from(p.data), { raw: { width: p.width, height: p.height, channels: 3 } }).png().toFile(path)

  it('plate crop files (crop mode, as `recognize --crops`) read top row, row break, bottom row', async () => {
    const out: string[] = []
    for (const [i, c] of cases.entries()) {
      expect(c.w / c.h).toBeLessThan(TWO_ROW_ASPECT)
      const path = join(dir, `crop-${i}.png`)
      await png(await renderTwoRowPlate(c.top, c.bottom, c.w, c.h), path)
      const r = await pipe.recognizeFile(path, { crop: true })
      expect(r.plates).toHaveLength(1)
      out.push(r.plates[0]!.read?.text ?? '')
    }
    const want = cases.map((c) => `${c.top}\n${c.bottom}`)
    const right = out.filter((t, i) => t === want[i]).length
    // every read that has a break has the top row first (never "1234\nABC")
    const broken = out.filter((t) => t.includes('\n'))
    for (const t of broken) expect(t.split('\n')[0]).toMatch(/^[A-Z]+$/)
    console.log(`two-row crops: ${right}/${cases.length} exact, ${broken.length} with a row break:`, JSON.stringify(out))
    // measured: 10/10 with the break, 9/10 exact ("SV\nL562": the OCR reads the 1 as L); main: 0/10 with a break
    expect(broken.length).toBeGreaterThanOrEqual(9)
    expect(right).toBeGreaterThanOrEqual(8)
  }, 120_000)

  it('the same plates pasted into a road scene: detect + read (as a photo import)', async () => {
    const out: { want: string; got: string[] }[] = []
    for (const [i, c] of cases.entries()) {
      const p = await renderTwoRowPlate(c.top, c.bottom, c.w, c.h)
      const path = join(dir, `scene-${i}.jpg`)
      await sharp({ create: { width: 1280, height: 720, channels: 3, background: '#5a5e62' } })
        .composite([{ input: Buffer.from(p.data), raw: { width: p.width, height: p.height, channels: 3 }, left: 500, top: 300 }])
        .jpeg({ quality: 92 })
        .toFile(path)
      const r = await pipe.recognizeFile(path)
      out.push({ want: `${c.top}\n${c.bottom}`, got: r.plates.map((pl) => pl.read?.text ?? '') })
    }
    const found = out.filter((o) => o.got.length > 0)
    const right = out.filter((o) => o.got.includes(o.want)).length
    console.log(`two-row scenes: detector found ${found.length}/${cases.length}, ${right} read exactly:`, JSON.stringify(out.map((o) => o.got)))
    // the detector was trained on single-row plates; what it finds must read in two rows, top first
    // measured: found 10/10, all with the break, 8 exact ("WN\n3307", "SV\nL562": OCR misreads)
    for (const o of found) for (const t of o.got) expect(t.split('\n')[0]).toMatch(/^[A-Z]+$/)
    expect(found.length).toBeGreaterThanOrEqual(8)
    expect(found.filter((o) => o.got.some((g) => g.includes('\n'))).length).toBe(found.length)
    expect(right).toBeGreaterThanOrEqual(7)
  }, 120_000)

  it.skipIf(!fixturesDir())('a real single-row photo and its plate crop read as before: no row break', async () => {
    const img = join(fixturesDir()!, 'images', 'dayride_type1_001_t891.jpg')
    const r = await pipe.recognizeFile(img)
    const texts = r.plates.map((p) => p.read?.text ?? '')
    expect(texts).toContain('B305CIL')
    for (const t of texts) expect(t).not.toContain('\n')
    // its crop (plates.tsv 351.6 472.6 589.6 529.2), read through crop mode
    const path = join(dir, 'single.png')
    await sharp(img).extract({ left: 352, top: 473, width: 238, height: 56 }).png().toFile(path)
    const c = await pipe.recognizeFile(path, { crop: true })
    expect(c.plates[0]!.read?.text).toBe('B305CIL')
  }, 120_000)
})
