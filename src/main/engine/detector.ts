// Plate detector: YOLO (open-image-models) on a 416 letterbox. Handles both export layouts:
// end2end [N,7] = (batch, x1, y1, x2, y2, class, score) with NMS inside the graph, and the raw head
// [1, 4+nc, anchors] = (cx, cy, w, h, class scores...) where NMS runs here.
import type * as ortTypes from 'onnxruntime-node'
import type { Box, Detection } from '../../shared/types'
import type { ModelEntry } from './models'
import { letterbox, letterboxShape, type Letterbox, type RgbImage } from './preprocess'
import { iou } from '../../shared/geometry'

export { iou }

export interface DetectorOptions {
  /** score threshold 0..1 */
  threshold?: number
  /** IoU for NMS (raw layout only) */
  iou?: number
  maxDetections?: number
}

/**
 * Recall / precision at IoU 0.5 on the shared dashcam set (rectangular input), threshold 0.3 vs 0.4:
 * valid (107 frames) 0.969 / 0.770 vs 0.947 / 0.827, train (427) 0.952 / 0.776 vs 0.931 / 0.812; the
 * 24 fixtures: 31/31 vs 29/31. Recall matters more for review: an extra box costs one click (and some
 * "false" boxes are real plates the labellers skipped), a missed plate is invisible.
 */
export const DEFAULT_DETECTION_THRESHOLD = 0.3


/** IoU above which NMS drops the lower-scored box of a class, for raw heads (Ultralytics' default 0.45). */
export const RAW_NMS_IOU = 0.45

/** Greedy per-class NMS, highest score first. */
export function nms(dets: Detection[], iouThreshold: number, max = 100): Detection[] {
  const sorted = [...dets].sort((a, b) => b.score - a.score)
  const keep: Detection[] = []
  for (const d of sorted) {
    if (keep.length >= max) break
    if (keep.every((k) => k.classId !== d.classId || iou(k.box, d.box) <= iouThreshold)) keep.push(d)
  }
  return keep
}

/** Decodes an end2end [N,7] output (letterbox coordinates). */
export function decodeEnd2End(data: Float32Array, rows: number, threshold: number): Detection[] {
  const out: Detection[] = []
  for (let r = 0; r < rows; r++) {
    const o = r * 7
    const score = data[o + 6]!
    if (score < threshold) continue
    out.push({
      box: { x1: data[o + 1]!, y1: data[o + 2]!, x2: data[o + 3]!, y2: data[o + 4]! },
      classId: Math.round(data[o + 5]!),
      score
    })
  }
  return out
}

/** Decodes a raw YOLOv8/v9 head [1, 4+nc, anchors] (channel-major) and runs NMS. */
export function decodeRawYolo(
  data: Float32Array,
  dims: readonly number[],
  threshold: number,
  iouThreshold = RAW_NMS_IOU,
  max = 100
): Detection[] {
  const channels = dims[1]!
  const anchors = dims[2]!
  const nc = channels - 4
  if (nc < 1) throw new Error(`raw YOLO output needs at least 5 channels, got [${dims.join(',')}]`)
  const dets: Detection[] = []
  for (let a = 0; a < anchors; a++) {
    let best = -1
    let score = -Infinity
    for (let c = 0; c < nc; c++) {
      const s = data[(4 + c) * anchors + a]!
      if (s > score) {
        score = s
        best = c
      }
    }
    if (score < threshold) continue
    const cx = data[a]!
    const cy = data[anchors + a]!
    const w = data[2 * anchors + a]!
    const h = data[3 * anchors + a]!
    dets.push({ box: { x1: cx - w / 2, y1: cy - h / 2, x2: cx + w / 2, y2: cy + h / 2 }, score, classId: best })
  }
  return nms(dets, iouThreshold, max)
}

/** Maps a letterbox box back to image pixels (dividing by `scale` then maps working → original). */
export function unletterbox(box: Box, lb: Pick<Letterbox, 'ratio' | 'padX' | 'padY'>, w: number, h: number): Box {
  const clamp = (v: number, hi: number) => Math.max(0, Math.min(hi, v))
  return {
    x1: clamp((box.x1 - lb.padX) / lb.ratio, w),
    y1: clamp((box.y1 - lb.padY) / lb.ratio, h),
    x2: clamp((box.x2 - lb.padX) / lb.ratio, w),
    y2: clamp((box.y2 - lb.padY) / lb.ratio, h)
  }
}

/** Creates a session for the detector rewritten to an h x w input, or null when that is not possible. */
export type VariantFactory = (h: number, w: number) => Promise<ortTypes.InferenceSession | null>

export class Detector {
  readonly size: number
  private readonly inputName: string
  private readonly outputName: string
  /** reusable input buffers by tensor size; concurrent detect() calls allocate their own */
  private readonly spare = new Map<number, Float32Array>()
  /** rectangular variants by "HxW"; null = not available, use the square model */
  private readonly variants = new Map<string, Promise<ortTypes.InferenceSession | null>>()

  constructor(
    private readonly ort: typeof ortTypes,
    readonly session: ortTypes.InferenceSession,
    readonly entry: ModelEntry,
    private readonly variantFactory: VariantFactory | null = null
  ) {
    this.size = entry.input.width
    this.inputName = session.inputNames[0]!
    this.outputName = session.outputNames[0]!
  }

  /** The session for an h x w input: the square model, or a rectangular variant made on first use. */
  private async sessionFor(h: number, w: number): Promise<ortTypes.InferenceSession> {
    if (!this.variantFactory || (h === this.size && w === this.size)) return this.session
    const key = `${h}x${w}`
    let v = this.variants.get(key)
    if (!v) {
      if (this.variants.size >= 8) return this.session // odd sizes galore: don't hoard sessions
      v = this.variantFactory(h, w).catch(() => null)
      this.variants.set(key, v)
    }
    return (await v) ?? this.session
  }

  /** Detects plates; boxes are in the given image's pixel coordinates. */
  async detect(img: RgbImage, opts: DetectorOptions = {}): Promise<Detection[]> {
    const threshold = opts.threshold ?? DEFAULT_DETECTION_THRESHOLD
    // rectangular letterbox when a variant model exists for its size, else the square one
    let rect = this.variantFactory ? { stride: 32 } : undefined
    const shape = letterboxShape(img, this.size, rect)
    const session = await this.sessionFor(shape.height, shape.width)
    if (session === this.session) {
      rect = undefined
      shape.width = shape.height = this.size
    }
    const n = shape.width * shape.height * 3
    const reuse = this.spare.get(n)
    this.spare.delete(n)
    const lb = letterbox(img, this.size, reuse, rect)
    const input = new this.ort.Tensor('float32', lb.tensor, [1, 3, lb.height, lb.width])
    let out: ortTypes.InferenceSession.OnnxValueMapType
    try {
      out = await session.run({ [this.inputName]: input })
    } finally {
      this.spare.set(n, lb.tensor)
    }
    const t = out[this.outputName]!
    const data = t.data as Float32Array
    let dets: Detection[]
    if (t.dims.length === 2 && t.dims[1] === 7) {
      dets = decodeEnd2End(data, t.dims[0]!, threshold)
      dets = nms(dets, opts.iou ?? 0.7, opts.maxDetections ?? 100) // guards against exports with loose NMS
    } else if (t.dims.length === 3) {
      // Ultralytics' own NMS IoU for its raw head
      dets = decodeRawYolo(data, t.dims, threshold, opts.iou ?? RAW_NMS_IOU, opts.maxDetections ?? 100)
    } else {
      throw new Error(`detector ${this.entry.id}: unexpected output shape [${t.dims.join(',')}]`)
    }
    for (const v of Object.values(out)) v.dispose?.()
    return dets
      .map((d) => ({ ...d, box: unletterbox(d.box, lb, img.width, img.height) }))
      .filter((d) => d.box.x2 - d.box.x1 >= 2 && d.box.y2 - d.box.y1 >= 2)
  }

  async close(): Promise<void> {
    const vs = await Promise.all(this.variants.values())
    await Promise.all([this.session.release(), ...vs.map((v) => v?.release())])
  }
}
