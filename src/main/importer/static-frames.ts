// Parked-camera frame skip: a sampled video frame that is, pixel for pixel within encoding noise, the
// frame the engine last ran on cannot hold a plate the engine has not already reported, so the import
// reuses that frame's detections instead of running detector + OCR again. Compared with the last frame
// the engine RAN on (not the previous frame), so slow drift cannot pile up unnoticed; and every block of
// the picture must be unchanged, not only the frame on average, so one car or plate moving through an
// otherwise still scene is recognised frame by frame.
import type { RawImage } from '../engine/types'

/** sample every STEP-th pixel in x and y (luma only): 57,600 samples at 1280x720, ~0.6 ms per frame */
const STEP = 4
/** blocks across and down: 40x40 px at 1280x720, so a plate is a good part of its block. Every 8th
 *  pixel in 16x9 blocks was too coarse: a 92x25 px plate moving 2 px per frame changed its block by
 *  2.9-3.1 levels, and 14 of its 32 frames would have been skipped */
const BLOCKS_X = 32
const BLOCKS_Y = 18

/**
 * A frame counts as unchanged when the mean absolute luma difference over the whole frame is at most
 * `mean` AND over every block at most `block` (0-255 levels). Measured on H.264 (x264 crf 23) of the
 * fixtures (test/importer/static-skip.test.ts): a held photo's frames and the fixture clip's repeated
 * frames differ by at most 0.13 (whole frame) / 1.3 (worst block); a 92x25 px plate moving 2 px per
 * frame changes its block by 5.0 or more, a 46x13 one moving 3 px by 4.2 or more (whole frame: 0.07).
 */
export const STILL_THRESHOLDS = { mean: 1, block: 3 }
/** re-run the engine at least this often (s of video) even on a still scene */
export const MAX_REUSE_S = 2

export interface FrameSignature {
  width: number
  height: number
  /** luma of the sampled grid, row by row */
  luma: Uint8Array
  cols: number
  rows: number
}

/** the luma of every STEP-th pixel of an RGB (or RGBA) frame */
export function frameSignature(img: RawImage): FrameSignature {
  const { width, height, channels, data } = img
  const cols = Math.ceil(width / STEP)
  const rows = Math.ceil(height / STEP)
  const luma = new Uint8Array(cols * rows)
  let k = 0
  for (let y = 0; y < height; y += STEP) {
    let o = y * width * channels
    for (let x = 0; x < width; x += STEP, o += STEP * channels) {
      // BT.601 weights in 8-bit fixed point
      luma[k++] = (77 * data[o] + 150 * data[o + 1] + 29 * data[o + 2]) >> 8
    }
  }
  return { width, height, luma, cols, rows }
}

export interface FrameChange {
  /** mean absolute luma difference over the whole frame */
  mean: number
  /** the largest mean absolute luma difference of one block */
  maxBlock: number
}

/** how much b differs from a; Infinity when they are not the same size */
export function frameChange(a: FrameSignature, b: FrameSignature): FrameChange {
  if (a.width !== b.width || a.height !== b.height) return { mean: Infinity, maxBlock: Infinity }
  const { cols, rows } = a
  const bx = Math.min(BLOCKS_X, cols)
  const by = Math.min(BLOCKS_Y, rows)
  const sums = new Float64Array(bx * by)
  const counts = new Uint32Array(bx * by)
  const colBlock = new Uint16Array(cols)
  for (let c = 0; c < cols; c++) colBlock[c] = Math.floor((c * bx) / cols)
  let total = 0
  for (let r = 0; r < rows; r++) {
    const rowBase = Math.floor((r * by) / rows) * bx
    const o = r * cols
    for (let c = 0; c < cols; c++) {
      const d = Math.abs(a.luma[o + c] - b.luma[o + c])
      total += d
      const i = rowBase + colBlock[c]
      sums[i] += d
      counts[i]++
    }
  }
  let maxBlock = 0
  for (let i = 0; i < sums.length; i++) if (counts[i]) maxBlock = Math.max(maxBlock, sums[i] / counts[i])
  return { mean: total / (cols * rows), maxBlock }
}

export function isUnchanged(ch: FrameChange, t = STILL_THRESHOLDS): boolean {
  return ch.mean <= t.mean && ch.maxBlock <= t.block
}
