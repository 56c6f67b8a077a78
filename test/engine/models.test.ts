import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  modelUrl,
  defaultModel,
  downloadModel,
  getModel,
  loadManifest,
  modelSearchDirs,
  bundledModelsDir,
  resolveModelPath,
  sha256File,
  userModelsDir,
  verifyModel,
  verifyModels,
  ModelError,
  type DownloadProgress
} from '../../src/main/engine/models'
import { MODELS_SKIP_REASON, modelsDir, skipReason } from '../helpers/models'

const MODELS = modelsDir()

describe('manifest', () => {
  it('lists a default detector and recognizer with checksums and input specs', () => {
    const m = loadManifest()
    expect(defaultModel('detector').input).toMatchObject({ width: 416, height: 416, layout: 'NCHW' })
    const rec = defaultModel('recognizer')
    expect(rec.slots).toBeGreaterThan(0)
    expect(rec.alphabet).toContain(rec.padChar)
    for (const e of m.models) expect(e.sha256).toMatch(/^[0-9a-f]{64}$/)
  })

  it('finds models by id or by file name (settings may hold either)', () => {
    expect(getModel('cct_xs_v2_global').id).toBe('cct-xs-v2-global')
    expect(getModel('cct_xs_v2_global.onnx').id).toBe('cct-xs-v2-global')
    expect(() => getModel('nope')).toThrow(/unknown model id "nope"/)
  })

  it('searches an explicit dir, then ALPR_MODELS_DIR, then the user-data dir', () => {
    const old = process.env.ALPR_MODELS_DIR
    process.env.ALPR_MODELS_DIR = '/env/models'
    try {
      // then the manifest's folder (repo models/, packaged resources/models), which holds the bundled models
      expect(modelSearchDirs({ modelsDir: '/explicit', userDataDir: '/ud' })).toEqual(['/explicit', '/env/models', '/ud/models', bundledModelsDir()])
      expect(bundledModelsDir()).toMatch(/models$/)
    } finally {
      if (old === undefined) delete process.env.ALPR_MODELS_DIR
      else process.env.ALPR_MODELS_DIR = old
    }
    if (process.platform === 'linux') expect(userModelsDir()).toMatch(/PlateDesk\/models$/)
  })
})

describe.skipIf(skipReason(!MODELS && MODELS_SKIP_REASON))('verify', () => {
  let dir: string
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'pd-models-'))
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('reports ok for the real models', async () => {
    const st = await verifyModels({ modelsDir: MODELS! })
    expect(st.filter((s) => s.state === 'ok').map((s) => s.id)).toEqual(loadManifest().models.map((m) => m.id))
  })

  it('missing: names the file, the dirs searched and how to get it; the bundled default detector needs no download', async () => {
    const entry = getModel('yolo-v9-t-416-end2end')
    const old = process.env.ALPR_MODELS_DIR
    delete process.env.ALPR_MODELS_DIR
    try {
      const st = await verifyModel(entry, { modelsDir: dir, userDataDir: join(dir, 'ud') })
      expect(st.state).toBe('missing')
      expect(st.message).toContain(entry.file)
      expect(st.message).toContain(dir)
      expect(st.message).toContain('ALPR_MODELS_DIR')
      expect(st.message).toContain(entry.url)
      await expect(resolveModelPath('detector', entry.id, { modelsDir: dir, userDataDir: join(dir, 'ud') })).rejects.toBeInstanceOf(ModelError)
      const bundled = await resolveModelPath('detector', undefined, { modelsDir: dir, userDataDir: join(dir, 'ud') })
      expect(bundled.entry).toMatchObject({ id: 'yolo-v9-t-416-end2end-qdq', bundled: true })
    } finally {
      if (old !== undefined) process.env.ALPR_MODELS_DIR = old
    }
  })

  it('corrupt: wrong size and wrong checksum are told apart', async () => {
    const entry = getModel('cct-xs-v1-global')
    const real = readFileSync(join(MODELS!, entry.file))
    const sub = mkdtempSync(join(dir, 'c-'))
    writeFileSync(join(sub, entry.file), real.subarray(0, 1000))
    let st = await verifyModel(entry, { modelsDir: sub })
    expect(st.state).toBe('corrupt')
    expect(st.message).toMatch(/size 1000 bytes, expected/)
    const flipped = Buffer.from(real)
    flipped[flipped.length - 10]! ^= 0xff
    writeFileSync(join(sub, entry.file), flipped)
    st = await verifyModel(entry, { modelsDir: sub })
    expect(st.state).toBe('corrupt')
    expect(st.message).toMatch(/sha256 [0-9a-f]{64} does not match/)
  })

  it('caches the hash by path, mtime and size (and notices a rewrite)', async () => {
    const entry = getModel('cct-xs-v1-global')
    const p = join(dir, 'copy.onnx')
    copyFileSync(join(MODELS!, entry.file), p)
    const t0 = performance.now()
    expect(await sha256File(p)).toBe(entry.sha256)
    const first = performance.now() - t0
    const t1 = performance.now()
    expect(await sha256File(p)).toBe(entry.sha256)
    expect(performance.now() - t1).toBeLessThan(Math.max(first, 1))
    writeFileSync(p, 'changed')
    expect(await sha256File(p)).not.toBe(entry.sha256)
  })
})

describe.skipIf(skipReason(!MODELS && MODELS_SKIP_REASON))('download on loopback', () => {
  let server: http.Server
  let base: string
  let dir: string
  const entry = () => getModel('cct-xs-v1-global')
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pd-dl-'))
    const body = readFileSync(join(MODELS!, entry().file))
    server = http.createServer((req, res) => {
      if (req.url === '/redirect') {
        res.writeHead(302, { location: '/model.onnx' })
        return res.end()
      }
      if (req.url === '/model.onnx' || req.url === '/bad.onnx') {
        const data = req.url === '/bad.onnx' ? Buffer.concat([body.subarray(0, body.length - 1), Buffer.from([body.at(-1)! ^ 1])]) : body
        res.writeHead(200, { 'content-length': data.length })
        // a few chunks so progress events are observable
        const step = Math.ceil(data.length / 4)
        for (let i = 0; i < data.length; i += step) res.write(data.subarray(i, i + step))
        return res.end()
      }
      res.writeHead(404)
      res.end()
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(async () => {
    await new Promise((r) => server.close(r))
    rmSync(dir, { recursive: true, force: true })
  })

  it('streams with progress, follows a redirect, checks the sha256 and renames into place', async () => {
    const events: DownloadProgress[] = []
    const out = await downloadModel(entry(), join(dir, 'ok'), (p) => events.push({ ...p }), { url: `${base}/redirect` })
    expect(out).toBe(join(dir, 'ok', entry().file))
    expect(await sha256File(out)).toBe(entry().sha256)
    expect(events.length).toBeGreaterThan(1)
    expect(events.at(-1)).toEqual({ bytes: entry().size, total: entry().size })
    expect(readdirSync(join(dir, 'ok'))).toEqual([entry().file]) // no .part left
    expect((await verifyModel(entry(), { modelsDir: join(dir, 'ok') })).state).toBe('ok')
  })

  it('a wrong checksum is an error and leaves no file behind', async () => {
    const target = join(dir, 'bad')
    await expect(downloadModel(entry(), target, undefined, { url: `${base}/bad.onnx` })).rejects.toThrow(/checksum mismatch.*discarded/)
    expect(readdirSync(target)).toEqual([])
    expect(existsSync(join(target, entry().file))).toBe(false)
  })

  it('an HTTP error names the status and the URL', async () => {
    await expect(downloadModel(entry(), join(dir, 'e'), undefined, { url: `${base}/missing` })).rejects.toThrow(/HTTP 404/)
    expect(readdirSync(join(dir, 'e'))).toEqual([])
  })
})

describe('model URLs', () => {
  it('use the manifest URL, or ALPR_MODELS_BASE_URL + file for a mirror', () => {
    const entry = getModel('cct-xs-v1-global')
    expect(modelUrl(entry, undefined)).toBe(entry.url)
    expect(modelUrl(entry, 'http://127.0.0.1:9/m/')).toBe('http://127.0.0.1:9/m/cct_xs_v1_global.onnx')
  })
})
