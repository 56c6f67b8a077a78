import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ImageRecognition } from '../../src/shared/types'
import { iou } from '../../src/main/engine/detector'
import { createEngine, ModelError, toOpenAlpr, type Engine } from '../../src/main/engine/index'
import { Pipeline } from '../../src/main/engine/pipeline'
import type { EnginePool } from '../../src/main/engine/pool'
import type { Worker } from 'node:worker_threads'
import { makeBadFiles } from '../helpers/badfiles'
import { FIXTURES_SKIP_REASON, MODELS_SKIP_REASON, fixturesDir, modelsDir, skipReason } from '../helpers/models'

const FIX = fixturesDir()
const MODELS = modelsDir()
const skip = skipReason(!MODELS && MODELS_SKIP_REASON, !FIX && FIXTURES_SKIP_REASON)

/** What must match between two runs: texts, boxes, scores (timings differ). */
const essence = (r: ImageRecognition) => ({
  width: r.width,
  height: r.height,
  plates: r.plates.map((p) => ({
    box: Object.fromEntries(Object.entries(p.detection.box).map(([k, v]) => [k, Math.round(v * 100) / 100])),
    score: Math.round(p.detection.score * 1e4) / 1e4,
    text: p.read?.text ?? null,
    confidence: p.read ? Math.round(p.read.confidence * 1e4) / 1e4 : null,
    region: p.read?.region ?? null
  }))
})

describe.skipIf(skip)('engine pool', () => {
  let engine: Engine
  let pipeline: Pipeline
  let images: string[]
  let dir: string
  beforeAll(async () => {
    images = readdirSync(join(FIX!, 'images')).sort().map((f) => join(FIX!, 'images', f))
    dir = mkdtempSync(join(tmpdir(), 'pd-pool-'))
    ;[engine, pipeline] = await Promise.all([createEngine({ workers: 2 }), Pipeline.create({ threads: 1 })])
  })
  afterAll(async () => {
    await engine?.close()
    await pipeline?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('reports its status', () => {
    const st = engine.status()
    expect(st).toMatchObject({ ready: true, workers: 2, provider: 'cpu', error: null, detector: 'yolo-v9-t-416-end2end-qdq' })
    expect(st.recognizer).toBe('cct-xs-v2-global+cct-xs-v1-global')
    expect(st.models.every((m) => m.state === 'ok')).toBe(true)
  })

  it('gives the same results as the single-thread pipeline, for many concurrent calls', async () => {
    const some = images.slice(0, 8)
    // 3 rounds queued at once: 24 requests in flight for 2 workers
    const pooled = await Promise.all([...some, ...some, ...some].map((f) => engine.recognizeFile(f)))
    for (let i = 0; i < some.length; i++) {
      const single = await pipeline.recognizeFile(some[i]!)
      expect(essence(pooled[i]!)).toEqual(essence(single))
      expect(essence(pooled[i + some.length]!)).toEqual(essence(single))
      expect(essence(pooled[i + 2 * some.length]!)).toEqual(essence(single))
    }
    expect(pooled.flatMap((r) => r.plates).length).toBeGreaterThan(10)
    for (const r of pooled) expect(r.timings.totalMs).toBeGreaterThan(0)
  })

  it('recognizeRaw transfers the frame and matches recognizeFile', async () => {
    const file = images[1]!
    const { data, info } = await sharp(file).raw().toBuffer({ resolveWithObject: true })
    const frame = new Uint8Array(data) // owns its ArrayBuffer → transferable
    const raw = await engine.recognizeRaw({ data: frame, width: info.width, height: info.height, channels: 3 })
    expect(frame.byteLength).toBe(0) // detached: it went to the worker without a copy
    const fromFile = await engine.recognizeFile(file)
    expect(essence(raw)).toEqual(essence(fromFile))
    expect(raw.timings.decodeMs).toBe(0)
  })

  it('recognizeBytes (an import reads each photo once) moves the bytes and matches recognizeFile; bad bytes name the file', async () => {
    const some = images.slice(0, 4)
    for (const file of some) {
      const bytes = readFileSync(file)
      const copy = new Uint8Array(bytes.byteLength)
      copy.set(bytes)
      const fromBytes = await engine.recognizeBytes!(copy, file)
      expect(copy.byteLength).toBe(0) // detached: it went to the worker without a copy
      expect(essence(fromBytes)).toEqual(essence(await engine.recognizeFile(file)))
    }
    const bad = makeBadFiles(join(dir, 'bad-bytes'), images[0]!)
    const results = await Promise.allSettled([bad.truncated, bad.text, bad.empty].map((f) => engine.recognizeBytes!(readFileSync(f), f)))
    const msg = (i: number) => ((results[i] as PromiseRejectedResult).reason as Error).message
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected'])
    expect(msg(0)).toContain(bad.truncated)
    expect(msg(0)).toMatch(/truncated/)
    expect(msg(1)).toMatch(/contains text/)
    expect(msg(2)).toMatch(/empty file/)
  })

  it('a bad file rejects with the file and cause; the pool keeps working', async () => {
    const bad = makeBadFiles(join(dir, 'bad'), images[0]!)
    const results = await Promise.allSettled([
      engine.recognizeFile(bad.truncated),
      engine.recognizeFile(images[0]!),
      engine.recognizeFile(bad.text),
      engine.recognizeFile(bad.empty),
      engine.recognizeFile(images[2]!)
    ])
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'rejected', 'rejected', 'fulfilled'])
    const msg = (i: number) => ((results[i] as PromiseRejectedResult).reason as Error).message
    expect(msg(0)).toContain(bad.truncated)
    expect(msg(0)).toMatch(/truncated/)
    expect(msg(2)).toMatch(/contains text/)
    expect(msg(3)).toMatch(/empty file/)
    expect(engine.status().workers).toBe(2)
  })

  it('toOpenAlpr: OpenALPR fields, confidences 0..100, 4 corners clockwise from top-left', async () => {
    const r = await engine.recognizeFile(images[1]!)
    const o = toOpenAlpr('x.jpg', r)
    expect(o).toMatchObject({ file: 'x.jpg', img_width: 1280, img_height: 720 })
    expect(o.results.length).toBeGreaterThan(0)
    for (const res of o.results) {
      expect(res.confidence).toBeGreaterThan(1)
      expect(res.confidence).toBeLessThanOrEqual(100)
      const [tl, tr, br, bl] = res.coordinates
      expect(tl!.x).toBeLessThan(tr!.x)
      expect(tr!.y).toBeLessThan(br!.y)
      expect(bl).toEqual({ x: tl!.x, y: br!.y })
      expect(res.candidates[0]!.plate).toBe(res.plate)
      expect(res.region_confidence).toBeGreaterThan(0)
    }
  })

  it('a 50 MP photo is processed at a bounded size and its boxes map back to original pixels', async () => {
    const big = join(dir, 'big.jpg')
    await sharp(images[1]!).resize(8660, 4871).jpeg({ quality: 80 }).toFile(big)
    const small = await pipeline.recognizeFile(images[1]!)
    global.gc?.()
    const before = process.memoryUsage().rss
    const r = await pipeline.recognizeFile(big)
    expect(process.memoryUsage().rss - before).toBeLessThan(1.5e9)
    expect([r.width, r.height]).toEqual([8660, 4871])
    const k = 8660 / 1280
    for (const p of small.plates.filter((x) => x.read)) {
      const want = { x1: p.detection.box.x1 * k, y1: p.detection.box.y1 * k, x2: p.detection.box.x2 * k, y2: p.detection.box.y2 * k }
      const hit = r.plates.find((q) => iou(q.detection.box, want) > 0.7)
      expect(hit, `plate ${p.read!.text}`).toBeTruthy()
      expect(hit!.read?.text).toBe(p.read!.text)
    }
  })

  it('recognizeRaw with a short buffer is a clear error', async () => {
    await expect(engine.recognizeRaw({ data: new Uint8Array(10), width: 64, height: 64, channels: 3 })).rejects.toThrow(/10 bytes is too short for 64x64 RGB/)
  })

  it('a worker that dies fails only its running request; a new worker takes its place', async () => {
    const e = (await createEngine({ workers: 1 })) as EnginePool
    try {
      const slot = (e as unknown as { slots: { worker: Worker }[] }).slots[0]!
      const inFlight = [e.recognizeFile(images[0]!), e.recognizeFile(images[1]!), e.recognizeFile(images[2]!)]
      await slot.worker.terminate() // as if it crashed
      const settled = await Promise.allSettled(inFlight)
      expect(settled[0]!.status).toBe('rejected')
      expect(((settled[0] as PromiseRejectedResult).reason as Error).message).toMatch(/engine worker failed/)
      // the request waiting in the dead worker's inbox was re-queued, the third never left the queue
      expect(settled.slice(1).map((r) => r.status)).toEqual(['fulfilled', 'fulfilled'])
      expect(e.status().workers).toBe(1)
    } finally {
      await e.close()
    }
  })

  it('close() while every worker is inferring stops them between native calls: the process lives on', async () => {
    // worker.terminate() mid-inference aborted the whole process (Napi::Error thrown into a dying thread),
    // the Electron main process included, e.g. on a settings change during an import; this file's run died
    for (let round = 0; round < 3; round++) {
      const e = await createEngine({ workers: 2 })
      const all = images.map((f) => e.recognizeFile(f))
      await Promise.race(all) // both workers are busy from here on
      await e.close()
      const settled = await Promise.allSettled(all)
      expect(settled.some((r) => r.status === 'fulfilled')).toBe(true)
      for (const r of settled) {
        if (r.status === 'rejected') expect((r.reason as Error).message).toMatch(/engine closed before this request (ran|finished)/)
      }
      expect(e.status()).toMatchObject({ ready: false, workers: 0 })
    }
  })

  it('close({ drain: true }) answers every request already accepted; later ones are refused as closed', async () => {
    const e = await createEngine({ workers: 2 })
    const accepted = images.slice(0, 10).map((f) => e.recognizeFile(f))
    const closing = e.close({ drain: true })
    const late = e.recognizeFile(images[0]!).catch((err: Error & { code?: string }) => err)
    const results = await Promise.all(accepted)
    await closing
    expect(results.every((r) => r.width === 1280)).toBe(true)
    expect(await late).toMatchObject({ message: 'engine is closed', code: 'engine-closed' })
    expect(e.status()).toMatchObject({ ready: false, workers: 0 })
  })

  it('after close(), requests reject', async () => {
    const e = await createEngine({ workers: 1 })
    await e.close()
    expect(e.status().ready).toBe(false)
    await expect(e.recognizeFile(images[0]!)).rejects.toThrow(/closed/)
  })
})

describe.skipIf(skip)('engine start-up', () => {
  it('a GPU provider that is not available falls back to the CPU with a warning', async () => {
    const e = await createEngine({ workers: 1, provider: 'cuda' })
    try {
      const st = e.status()
      if (st.provider === 'cuda') {
        expect(st.error).toBeNull() // a machine with a working CUDA runtime
      } else {
        expect(st.provider).toBe('cpu')
        expect(st.error).toMatch(/"cuda" is not available.*using the CPU/)
      }
      const r = await e.recognizeFile(join(FIX!, 'images', readdirSync(join(FIX!, 'images')).sort()[1]!))
      expect(r.plates.length).toBeGreaterThan(0)
    } finally {
      await e.close()
    }
  })

  it('missing models: createEngine rejects with a ModelError naming the file, the dirs and the URL', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'pd-nomodels-'))
    const old = process.env.ALPR_MODELS_DIR
    delete process.env.ALPR_MODELS_DIR
    try {
      const err = await createEngine({ modelsDir: empty, userDataDir: empty, workers: 1 }).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(ModelError)
      // the detector ships with the app (models/); the recognizers are downloaded
      expect((err as Error).message).toMatch(/cct_xs_v2_global\.onnx/)
      expect((err as Error).message).toContain(empty)
      expect((err as Error).message).toMatch(/https:\/\//)
    } finally {
      process.env.ALPR_MODELS_DIR = old
      rmSync(empty, { recursive: true, force: true })
    }
  })
})
