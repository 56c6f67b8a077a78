// Base vs new on the held-back plates, with real models on real crops: a "new" model that is the base
// itself must score exactly the same and never be called better (only a real gain may be adopted).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Library } from '../../src/main/db/index'
import { getModel } from '../../src/main/engine/models'
import { compareOnHoldout, isBetter } from '../../src/main/train/compare'
import { prepareTrainingData, type TrainingData } from '../../src/main/train/dataset'
import { REPO_ROOT, skipReason } from '../helpers/models'
import { CROPS_SKIP_REASON, cropLibrary, cropsDir } from './crop-library'

describe('which model is better', () => {
  it('wants more exact reads, or as many and more characters right; a tie keeps the base', () => {
    expect(isBetter({ exactAccuracy: 0.8, charAccuracy: 0.95 }, { exactAccuracy: 0.85, charAccuracy: 0.9 })).toBe(true)
    expect(isBetter({ exactAccuracy: 0.8, charAccuracy: 0.95 }, { exactAccuracy: 0.75, charAccuracy: 0.99 })).toBe(false)
    expect(isBetter({ exactAccuracy: 0.8, charAccuracy: 0.95 }, { exactAccuracy: 0.8, charAccuracy: 0.96 })).toBe(true)
    expect(isBetter({ exactAccuracy: 0.8, charAccuracy: 0.95 }, { exactAccuracy: 0.8, charAccuracy: 0.95 })).toBe(false)
  })
})

describe.skipIf(skipReason(!cropsDir() && CROPS_SKIP_REASON))('base vs new on held-back crops', () => {
  let dir: string
  let lib: Library
  let data: TrainingData

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'platedesk-compare-'))
    ;({ lib } = await cropLibrary(join(dir, 'lib.db'), 60))
    data = await prepareTrainingData(lib.db, join(dir, 'job'))
  }, 120_000)
  afterAll(() => {
    lib?.close()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  it('scores the same model the same, and does not call it better', async () => {
    // the bundled LPRNet as the "new" model, with the CTC config a trainer writes beside its model
    const e = getModel('lprnet-china')
    const config = join(dir, 'config.json')
    writeFileSync(config, JSON.stringify({ input: e.input, output: e.output, alphabet: e.alphabet, blank: e.blank }))
    let progress = 0
    const r = await compareOnHoldout(data.holdout, 'lprnet-china', { model: join(REPO_ROOT, 'models/lprnet_china.onnx'), config }, { onProgress: (d) => (progress = d) })
    expect(r.base.id).toBe('lprnet-china')
    expect(r.base.plates).toBe(data.holdout.length)
    expect(progress).toBe(2 * data.holdout.length)
    // LPRNet reads most of its own dataset's crops
    expect(r.base.exactAccuracy).toBeGreaterThan(0.6)
    expect(r.candidate.exactAccuracy).toBe(r.base.exactAccuracy)
    expect(r.candidate.charAccuracy).toBe(r.base.charAccuracy)
    expect(isBetter(r.base, r.candidate)).toBe(false)
  }, 120_000)
})
