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
  /** worker threads; default: number of CPU cores */
  workers?: number
  provider?: ExecutionProvider
  /** detector score threshold, 0..1 */
  detectionThreshold?: number
  /** how many alternative readings per plate */
  topN?: number
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
  recognizeFile(path: string): Promise<ImageRecognition>
  /** Recognises an already-decoded frame; the buffer may be transferred to a worker. */
  recognizeRaw(image: RawImage): Promise<ImageRecognition>
  close(): Promise<void>
}
