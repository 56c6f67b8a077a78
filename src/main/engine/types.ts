// The engine's public surface. The importer, CLI and web mode depend on this file only, never on the
// worker internals, so the pool can change without touching them.
import type { EngineStatus, ExecutionProvider, ImageRecognition } from '../../shared/types'

export interface EngineOptions {
  /** directory holding the model files; default: resolved by models.ts (ALPR_MODELS_DIR, then user data) */
  modelsDir?: string
  /** Electron's app.getPath('userData'); models are then also looked up in <userData>/models */
  userDataDir?: string
  detectorId?: string
  /** one recognizer id, or 'a+b' for the cascade ensemble; default: v2+v1 when both are installed, else v2 */
  recognizerId?: string
  /** worker threads; default: PLATEDESK_WORKERS, else the number of CPU cores */
  workers?: number
  provider?: ExecutionProvider
  /** detector score threshold, 0..1 */
  detectionThreshold?: number
  /** how many alternative readings per plate */
  topN?: number
  /** false: no detector is loaded (an engine for plate crops only, e.g. `recognize --crops`) */
  detector?: boolean
  /** country rules that re-rank readings breaking their country's plate syntax (engine/country-rules.ts) */
  countryRules?: import('./pipeline').CountryRulesOptions
}

/** Per-request choices: another recognizer chain than the engine's (an import's profile), and crop mode. */
export interface RecognizeOptions {
  /** recognizer id (or 'a+b'); default: the engine's */
  recognizerId?: string
  /** the whole image is one plate (a plate crop): no detection, its box is the image */
  crop?: boolean
}

/** Raw interleaved RGB pixels, e.g. a video frame from ffmpeg. */
export interface RawImage {
  data: Uint8Array
  width: number
  height: number
  channels: 3
}

export interface Engine {
  status(): EngineStatus
  /** Decodes (sharp, EXIF-rotated) and recognises one image file. Rejects with an Error naming the file and cause. */
  recognizeFile(path: string, opts?: RecognizeOptions): Promise<ImageRecognition>
  /**
   * Decodes and recognises an encoded image already in memory (`name` only names it in errors); the
   * bytes may be transferred to a worker (detached in the caller). Same result as recognizeFile.
   */
  recognizeBytes?(bytes: Uint8Array, name: string, opts?: RecognizeOptions): Promise<ImageRecognition>
  /** Recognises an already-decoded frame; the buffer may be transferred to a worker. */
  recognizeRaw(image: RawImage, opts?: RecognizeOptions): Promise<ImageRecognition>
  /** drain: answer the requests already accepted before stopping (else they reject); later ones reject */
  close(opts?: { drain?: boolean }): Promise<void>
  /** kernel thread ids of the engine's workers (Linux), for benchmarks that split CPU by thread */
  threadIds?(): number[]
}
