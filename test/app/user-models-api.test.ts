// The API of models you bring, through the real backend (validated channels, real files, real engine):
// models.add / models.status / settings.set / library.import with the added recogniser / models.remove
// (refused while selected) / eval.compare.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BackendError, createBackend, type Backend } from '../../src/main/services/app'
import { FIXTURES_SKIP_REASON, MODELS_SKIP_REASON, fixturesDir, modelsDir, skipReason } from '../helpers/models'

const MODELS = modelsDir()
const FIX = fixturesDir()

describe.skipIf(skipReason(!MODELS && MODELS_SKIP_REASON, !FIX && FIXTURES_SKIP_REASON))('models.add / models.remove / eval.compare over the API', () => {
  let dir: string
  let backend: Backend
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pd-usermodels-api-'))
    backend = await createBackend({ dbPath: join(dir, 'library.db'), userDataDir: join(dir, 'userData'), mode: 'web', user: 'tester' })
  })
  afterAll(async () => {
    await backend?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  const codeOf = async (p: Promise<unknown>): Promise<[string, string]> => {
    try {
      await p
    } catch (err) {
      const e = err as BackendError
      return [e.code, e.message]
    }
    return ['ok', '']
  }

  it('adds a fast-plate-ocr model, imports with it, refuses to remove it while selected, compares, removes', async () => {
    const onnx = join(dir, 'mine.onnx')
    copyFileSync(join(MODELS!, 'cct_xs_v1_global.onnx'), onnx)
    const cfg = join(dir, 'plate_config.yaml')
    writeFileSync(cfg, readFileSync(join(MODELS!, 'cct_xs_v1_global_plate_config.yaml')))
    const bad = join(dir, 'bad.yaml')
    writeFileSync(bad, 'max_plate_slots: [unclosed\n')

    expect(await codeOf(backend.call('models.add', { path: onnx, config: bad }))).toEqual(['invalid-request', expect.stringMatching(new RegExp(`^${bad}: not valid YAML`))])
    expect(await codeOf(backend.call('models.add', { path: 'relative.onnx', id: 'x' }))).toEqual(['invalid-request', expect.stringMatching(/relative\.onnx: no such file/)])

    const st = await backend.call('models.add', { path: onnx, config: cfg, id: 'mine' })
    expect(st).toMatchObject({ id: 'mine', task: 'recognizer', state: 'ok', user: true, path: join(dir, 'userData', 'models', 'mine.onnx') })
    expect((await backend.call('models.status', {})).find((m) => m.id === 'mine')).toMatchObject({ user: true, state: 'ok' })

    // an import with the added recogniser: its reads record it
    const photos = join(dir, 'photos')
    mkdirSync(photos)
    for (const f of readdirSync(join(FIX!, 'images')).sort().slice(0, 2)) copyFileSync(join(FIX!, 'images', f), join(photos, f))
    expect(await codeOf(backend.call('library.import', { paths: [photos], recognizerId: 'nope' }))).toEqual(['invalid-request', expect.stringMatching(/"nope" is not a recognizer/)])
    const { jobId } = await backend.call('library.import', { paths: [photos], recognizerId: 'mine' })
    for (let i = 0; i < 600; i++) {
      const s = await backend.call('import.status', {})
      if (s?.jobId === jobId && s.state === 'done') break
      await new Promise((r) => setTimeout(r, 100))
    }
    const plates = await backend.call('plates.list', { filter: { state: 'all' } })
    expect(plates.total).toBeGreaterThan(0)
    const db = new Database(join(dir, 'library.db'), { readonly: true })
    try {
      expect(db.prepare('SELECT DISTINCT recognizer FROM reads').all()).toEqual([{ recognizer: 'mine' }])
    } finally {
      db.close()
    }

    // selected in Settings: not removable
    await backend.call('settings.set', { recognizerId: 'mine' })
    expect(await codeOf(backend.call('models.remove', { id: 'mine' }))).toEqual(['conflict', expect.stringMatching(/mine is selected in Settings/)])
    await backend.call('settings.set', { recognizerId: 'cct-xs-v2-global' })

    // review the plates as read, then compare the models on them
    for (const p of plates.items) if (p.text) await backend.call('plates.confirm', { id: p.id })
    const cmp = await backend.call('eval.compare', { recognizers: ['cct-xs-v2-global', 'mine'] })
    expect(cmp.plates).toBeGreaterThan(0)
    expect(cmp.models.map((m) => m.id)).toEqual(['cct-xs-v2-global', 'mine'])
    // the truth is what 'mine' read at import; the comparison re-reads a crop cut at whole pixels, which
    // flips only the plates it was unsure of
    expect(cmp.models[1]!.exactAccuracy).toBeGreaterThanOrEqual(0.6)
    expect(await codeOf(backend.call('eval.compare', { recognizers: ['yolo-v9-t-416-end2end'] }))).toEqual(['invalid-request', expect.stringMatching(/is a detector, not a recogniser/)])

    expect(await codeOf(backend.call('models.remove', { id: 'cct-xs-v1-global' }))).toEqual(['invalid-request', expect.stringMatching(/ships with PlateDesk/)])
    expect(await backend.call('models.remove', { id: 'mine' })).toEqual({ id: 'mine' })
    expect(existsSync(join(dir, 'userData', 'models', 'mine.onnx'))).toBe(false)
    expect((await backend.call('models.status', {})).some((m) => m.id === 'mine')).toBe(false)
    expect(await codeOf(backend.call('models.remove', { id: 'mine' }))).toEqual(['not-found', expect.stringMatching(/mine is not one of your models/)])
  })
})
