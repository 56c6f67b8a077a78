// HyperLPR's multi-task plate detector (y5fu_320x_sim.onnx, Apache-2.0, szad670401/HyperLPR Prj-Python):
// a YOLOv5-face style head that gives, per anchor, the box, an objectness, the plate's 4 corners and a
// single-row / double-row class. Pre- and post-processing follow upstream's multitask_detect.py:
//   input   RGB / 255, NCHW, letterboxed into 320x320 with black padding (offsets truncated to integers)
//   output  [1, 6300, 15] = cx, cy, w, h, objectness, x1 y1 … x4 y4 (TL, TR, BR, BL), single, double
//   keep    objectness > 0.25; score = objectness x best class score; NMS at IoU 0.5 (by score)
// Trained on Chinese plates; what it gives on our fixtures is measured in test/engine/corner-detector.test.ts.
import type * as ortTypes from 'onnxruntime-node'
import type { Detection } from '../../shared/types'
import type { Quad } from '../../shared/geometry'
import { nms } from './detector'
import { cropResize, type RgbImage } from './preprocess'

type Ort = typeof ortTypes

export const CORNER_DETECTOR_SIZE = 320
export const CORNER_OBJECTNESS = 0.25
export const CORNER_NMS_IOU = 0.5

export interface CornerLetterbox {
  tensor: Float32Array
  ratio: number
  left: number
  top: number
}

/** Upstream's letter_box: scale to fit, integer offsets, black padding; RGB / 255 in NCHW. */
export function cornerLetterbox(img: RgbImage, size = CORNER_DETECTOR_SIZE): CornerLetterbox {
  const ratio = Math.min(size / img.height, size / img.width)
  const nw = Math.max(1, Math.trunc(img.width * ratio))
  const nh = Math.max(1, Math.trunc(img.height * ratio))
  const top = Math.trunc((size - nh) / 2)
  const left = Math.trunc((size - nw) / 2)
  const resized = new Uint8Array(nw * nh * 3)
  cropResize(img, { x1: 0, y1: 0, x2: img.width, y2: img.height }, nw, nh, resized, 0)
  const plane = size * size
  const t = new Float32Array(plane * 3) // zeros = black padding
  for (let y = 0; y < nh; y++) {
    for (let x = 0; x < nw; x++) {
      const s = (y * nw + x) * 3
      const o = (top + y) * size + left + x
      t[o] = resized[s]! / 255
      t[o + plane] = resized[s + 1]! / 255
      t[o + 2 * plane] = resized[s + 2]! / 255
    }
  }
  return { tensor: t, ratio, left, top }
}

/**
 * Decodes the [rows, 15] head into detections in the source image's pixels: box, score, corners, and rows
 * (classId 0 = single row, 1 = double row).
 */
export function decodeCornerHead(
  data: Float32Array,
  rows: number,
  lb: Pick<CornerLetterbox, 'ratio' | 'left' | 'top'>,
  opts: { objectness?: number; iou?: number; threshold?: number } = {}
): Detection[] {
  const obj = opts.objectness ?? CORNER_OBJECTNESS
  const min = opts.threshold ?? 0
  const dets: Detection[] = []
  const X = (v: number) => (v - lb.left) / lb.ratio
  const Y = (v: number) => (v - lb.top) / lb.ratio
  for (let i = 0; i < rows; i++) {
    const o = i * 15
    const objectness = data[o + 4]!
    if (!(objectness > obj)) continue
    const single = data[o + 13]! * objectness
    const double = data[o + 14]! * objectness
    const score = Math.max(single, double)
    if (score < min) continue
    const cx = data[o]!
    const cy = data[o + 1]!
    const w = data[o + 2]!
    const h = data[o + 3]!
    const corners: Quad = [0, 1, 2, 3].map((k) => [X(data[o + 5 + 2 * k]!), Y(data[o + 6 + 2 * k]!)]) as Quad
    const classId = double > single ? 1 : 0
    dets.push({
      box: { x1: X(cx - w / 2), y1: Y(cy - h / 2), x2: X(cx + w / 2), y2: Y(cy + h / 2) },
      score,
      classId,
      corners,
      rows: classId === 1 ? 2 : 1
    })
  }
  // one class for NMS: a plate is single or double row, never both
  return nms(
    dets.map((d) => ({ ...d, classId: 0, rowsClass: d.classId }) as Detection & { rowsClass: number }),
    opts.iou ?? CORNER_NMS_IOU
  ).map((d) => {
    const { rowsClass, ...rest } = d as Detection & { rowsClass: number }
    return { ...rest, classId: rowsClass }
  })
}

/** The detector over one ONNX session. */
export class CornerDetector {
  constructor(
    private readonly ort: Ort,
    readonly session: ortTypes.InferenceSession
  ) {}

  async detect(img: RgbImage, opts: { threshold?: number } = {}): Promise<Detection[]> {
    const lb = cornerLetterbox(img)
    const input = new this.ort.Tensor('float32', lb.tensor, [1, 3, CORNER_DETECTOR_SIZE, CORNER_DETECTOR_SIZE])
    const out = await this.session.run({ [this.session.inputNames[0]!]: input })
    const t = out[this.session.outputNames[0]!]!
    const dets = decodeCornerHead(t.data as Float32Array, t.dims[1]!, lb, opts)
    for (const v of Object.values(out)) v.dispose?.()
    return dets
  }

  async close(): Promise<void> {
    await this.session.release()
  }
}
