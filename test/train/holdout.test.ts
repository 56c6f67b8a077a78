// The held-back plates judge base vs new, so they must never reach the trainer, be the same plates on
// every run (a plate evaluated on today was not trained on yesterday) and be about a fifth of them.
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Library } from '../../src/main/db/index'
import { parseCsvLine, plateIdOfCrop, prepareTrainingData, type TrainingData } from '../../src/main/train/dataset'
import { HOLDOUT_FRACTION, holdoutKey, isHeldOut, splitHoldout } from '../../src/main/train/holdout'
import { skipReason } from '../helpers/models'
import { CROPS_SKIP_REASON, cropLibrary, cropsDir } from './crop-library'

describe('hold-back split by plate id', () => {
  const ids = Array.from({ length: 20_000 }, (_, i) => i + 1)

  it('holds back about 20% of the plates', () => {
    const { train, holdout } = splitHoldout(ids, (i) => i)
    const share = holdout.length / ids.length
    expect(share).toBeGreaterThan(HOLDOUT_FRACTION - 0.01)
    expect(share).toBeLessThan(HOLDOUT_FRACTION + 0.01)
    expect(train.length + holdout.length).toBe(ids.length)
  })

  it('is disjoint and depends on the id alone (order, neighbours and library size do not matter)', () => {
    const a = splitHoldout(ids, (i) => i)
    const shuffled = [...ids].reverse().filter((i) => i % 3 !== 0)
    const b = splitHoldout(shuffled, (i) => i)
    const inA = new Set(a.holdout)
    expect(a.train.some((i) => inA.has(i))).toBe(false)
    for (const i of b.holdout) expect(inA.has(i)).toBe(true)
    for (const i of b.train) expect(inA.has(i)).toBe(false)
  })

  it('gives the same plates on every run (a fixed hash, not a random draw)', () => {
    // pinned: a change here moves plates that earlier runs evaluated on into training
    expect(ids.slice(0, 40).filter((i) => isHeldOut(i))).toEqual(ids.slice(0, 40).filter((i) => holdoutKey(i) < 0.2))
    expect(holdoutKey(1)).toBe(holdoutKey(1))
    expect(ids.slice(0, 30).filter((i) => isHeldOut(i))).toMatchInlineSnapshot(`
      [
        5,
        11,
        12,
        25,
        30,
      ]
    `)
  })
})

describe('CSV rows of the OCR export', () => {
  it('reads quoted fields and crop names', () => {
    expect(parseCsvLine('crops/p12_f3.jpg,"A,B""C",Germany')).toEqual(['crops/p12_f3.jpg', 'A,B"C', 'Germany'])
    expect(parseCsvLine('crops/p1_f0.jpg,京PL3N67')).toEqual(['crops/p1_f0.jpg', '京PL3N67'])
    expect(plateIdOfCrop('crops/p12_f3.jpg')).toBe(12)
    expect(plateIdOfCrop('crops/x.jpg')).toBeNull()
  })
})

describe.skipIf(skipReason(!cropsDir() && CROPS_SKIP_REASON))('training data of a real library', () => {
  let dir: string
  let lib: Library
  let texts: Map<number, string>
  let first: TrainingData
  let second: TrainingData

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'platedesk-holdout-'))
    ;({ lib, texts } = await cropLibrary(join(dir, 'lib.db'), 80))
    first = await prepareTrainingData(lib.db, join(dir, 'run1'))
    second = await prepareTrainingData(lib.db, join(dir, 'run2'))
  }, 120_000)

  afterAll(() => {
    lib?.close()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  const listed = (file: string): number[] =>
    readFileSync(file, 'utf8')
      .split('\n')
      .slice(1)
      .filter(Boolean)
      .map((l) => plateIdOfCrop(parseCsvLine(l)[0])!)

  it('gives the trainer no held-back plate: not in any list, not among its crops', () => {
    const held = new Set(first.holdout.map((h) => h.plateId))
    expect(held.size).toBeGreaterThan(0)
    for (const list of ['labels.csv', 'train.csv', 'val.csv', 'test.csv']) {
      for (const id of listed(join(first.dataDir, list))) expect(held.has(id)).toBe(false)
    }
    for (const f of readdirSync(join(first.dataDir, 'crops'))) expect(held.has(plateIdOfCrop(`crops/${f}`)!)).toBe(false)
    // every plate is on exactly one side, and the trainer's splits cover its part
    const train = listed(join(first.dataDir, 'labels.csv'))
    expect(train.length).toBe(first.trainCount)
    expect(new Set([...train, ...held]).size).toBe(texts.size)
    const splits = ['train.csv', 'val.csv', 'test.csv'].flatMap((l) => listed(join(first.dataDir, l)))
    expect(splits.sort()).toEqual([...train].sort())
    // the held-back plates are the test set: the export's test rows train
    expect(listed(join(first.dataDir, 'test.csv'))).toEqual([])
  })

  it('holds back the plates whose id hashes under 20%, with their crops and reviewed texts', () => {
    const expected = [...texts.keys()].filter((id) => isHeldOut(id)).sort((a, b) => a - b)
    expect(first.holdout.map((h) => h.plateId).sort((a, b) => a - b)).toEqual(expected)
    for (const h of first.holdout) {
      expect(h.text).toBe(texts.get(h.plateId))
      expect(existsSync(h.path)).toBe(true)
    }
    expect(listed(join(first.holdoutDir, 'labels.csv')).sort((a, b) => a - b)).toEqual(expected)
  })

  it('holds back the same plates on the next run', () => {
    expect(second.holdout.map((h) => h.plateId)).toEqual(first.holdout.map((h) => h.plateId))
    expect(second.trainCount).toBe(first.trainCount)
  })
})
