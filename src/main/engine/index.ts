// The engine's entry point: createEngine() (a worker pool behind the Engine interface) and the
// OpenALPR-compatible JSON shape of a result.
import type { ImageRecognition, OpenAlprImage, OpenAlprResult } from '../../shared/types'
import { ModelError, defaultModel, getModel, useUserDataDir, verifyModels } from './models'
import { EnginePool } from './pool'
import type { Engine, EngineOptions } from './types'

export type { Engine, EngineOptions, RawImage, RecognizeOptions } from './types'
export { defaultWorkers } from './pool'
export { ModelError, verifyModels, downloadModel, loadManifest, modelSearchDirs, modelsInstallDir, userModelsDir } from './models'
export { Pipeline, DEFAULT_RECOGNIZERS } from './pipeline'
export { ImageDecodeError, isImagePath, IMAGE_EXTENSIONS } from '../media/images'

/**
 * Starts the engine: checks the models, then starts `workers` threads (default: defaultWorkers(), one
 * per CPU core unless PLATEDESK_WORKERS says otherwise), each with
 * its own single-threaded ONNX sessions. Rejects with ModelError (naming the file, the dirs searched
 * and how to get it) when a needed model is missing or corrupt. A requested GPU provider that fails
 * falls back to the CPU; the reason is in status().error and on stderr.
 */
export async function createEngine(opts: EngineOptions = {}): Promise<Engine> {
  if (opts.userDataDir) useUserDataDir(opts.userDataDir)
  const where = { modelsDir: opts.modelsDir, userDataDir: opts.userDataDir }
  const models = await verifyModels(where)
  // fail fast in the main thread with the same message the workers would give
  const recIds = opts.recognizerId?.split('+').filter(Boolean) ?? []
  const needed = [
    ...(opts.detector === false ? [] : [opts.detectorId ? getModel(opts.detectorId) : defaultModel('detector')]),
    ...(recIds.length ? recIds.map(getModel) : [defaultModel('recognizer')])
  ]
  for (const entry of needed) {
    const st = models.find((m) => m.id === entry.id)
    if (st && st.state !== 'ok') throw new ModelError(st)
  }
  return EnginePool.create(
    {
      modelsDir: opts.modelsDir,
      userDataDir: opts.userDataDir,
      detectorId: opts.detectorId,
      recognizerId: opts.recognizerId || undefined,
      provider: opts.provider,
      detectionThreshold: opts.detectionThreshold,
      topN: opts.topN,
      workers: opts.workers,
      detector: opts.detector,
      countryRules: opts.countryRules
    },
    models
  )
}

const r1 = (v: number) => Math.round(v * 1000) / 1000

/** OpenALPR's JSON for one image: confidences 0..100, 4 corner points clockwise from top-left. */
export function toOpenAlpr(file: string, rec: ImageRecognition): OpenAlprImage {
  const results: OpenAlprResult[] = []
  for (const p of rec.plates) {
    if (!p.read) continue // OpenALPR lists only plates it could read
    const { x1, y1, x2, y2 } = p.detection.box
    const [l, t, r, b] = [Math.round(x1), Math.round(y1), Math.round(x2), Math.round(y2)]
    results.push({
      plate: p.read.text,
      confidence: r1(p.read.confidence * 100),
      coordinates: [
        { x: l, y: t },
        { x: r, y: t },
        { x: r, y: b },
        { x: l, y: b }
      ],
      candidates: p.read.candidates.map((c) => ({ plate: c.plate, confidence: r1(c.confidence * 100) })),
      region: p.read.region,
      region_confidence: p.read.regionConfidence === null ? null : r1(p.read.regionConfidence * 100),
      ...(p.read.rule ? { rule: p.read.rule, model_plate: p.read.modelText ?? p.read.text } : {})
    })
  }
  return {
    file,
    img_width: rec.width,
    img_height: rec.height,
    processing_time_ms: r1(rec.timings.totalMs),
    results
  }
}
