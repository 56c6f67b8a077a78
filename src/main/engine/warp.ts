// Perspective rectification of a plate quadrilateral: a 3x3 homography from the output rectangle to the
// four corners, and bilinear sampling of the raw RGB buffer through it. A tilted or skewed plate becomes an
// upright rectangle before OCR (an affine transform cannot do this: it keeps parallel lines parallel, a
// plate seen at an angle has none). Two-row plates are then cut into rows on the rectified crop.
import type { Quad } from '../../shared/geometry'
import type { RgbImage } from './preprocess'

/** Row-major 3x3 matrix. */
export type Mat3 = [number, number, number, number, number, number, number, number, number]

/** Solves A x = b (n x n, Gaussian elimination with partial pivoting). Throws when singular. */
function solve(a: number[][], b: number[]): number[] {
  const n = b.length
  const m = a.map((row, i) => [...row, b[i]!])
  for (let c = 0; c < n; c++) {
    let p = c
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[p]![c]!)) p = r
    if (Math.abs(m[p]![c]!) < 1e-12) throw new Error('degenerate quadrilateral (three corners on a line)')
    ;[m[c], m[p]] = [m[p]!, m[c]!]
    for (let r = 0; r < n; r++) {
      if (r === c) continue
      const f = m[r]![c]! / m[c]![c]!
      if (f !== 0) for (let k = c; k <= n; k++) m[r]![k]! -= f * m[c]![k]!
    }
  }
  return m.map((row, i) => row[n]! / row[i]!)
}

/** The homography H with H·(from_i, 1) ∝ (to_i, 1) for the four point pairs. */
export function homography(from: Quad, to: Quad): Mat3 {
  const a: number[][] = []
  const b: number[] = []
  for (let i = 0; i < 4; i++) {
    const [x, y] = from[i]!
    const [u, v] = to[i]!
    a.push([x, y, 1, 0, 0, 0, -u * x, -u * y])
    b.push(u)
    a.push([0, 0, 0, x, y, 1, -v * x, -v * y])
    b.push(v)
  }
  const h = solve(a, b)
  return [h[0]!, h[1]!, h[2]!, h[3]!, h[4]!, h[5]!, h[6]!, h[7]!, 1]
}

export function applyHomography(h: Mat3, x: number, y: number): [number, number] {
  const w = h[6] * x + h[7] * y + h[8]
  return [(h[0] * x + h[1] * y + h[2]) / w, (h[3] * x + h[4] * y + h[5]) / w]
}

const dist = (a: [number, number], b: [number, number]): number => Math.hypot(a[0] - b[0], a[1] - b[1])

/** The rectified size of a quad: its longer top/bottom edge by its longer left/right edge (at least 1x1). */
export function rectifiedSize(q: Quad): { width: number; height: number } {
  const [tl, tr, br, bl] = q
  return {
    width: Math.max(1, Math.round(Math.max(dist(tl, tr), dist(bl, br)))),
    height: Math.max(1, Math.round(Math.max(dist(tl, bl), dist(tr, br))))
  }
}

export interface WarpOptions {
  /** output size; default rectifiedSize(quad) grown by the padding */
  width?: number
  height?: number
  /** context around the plate, fractions of its width / height on each side (like the box crop's padding) */
  padX?: number
  padY?: number
}

/**
 * The quad's content as an upright width x height RGB image: output pixel centres map through the homography
 * (plate rectangle → quad) into the source, sampled bilinearly; outside the image the edge pixel repeats.
 */
export function warpQuad(img: RgbImage, quad: Quad, opts: WarpOptions = {}): RgbImage {
  const px = opts.padX ?? 0
  const py = opts.padY ?? 0
  const base = rectifiedSize(quad)
  const W = opts.width ?? Math.max(1, Math.round(base.width * (1 + 2 * px)))
  const H = opts.height ?? Math.max(1, Math.round(base.height * (1 + 2 * py)))
  // the plate occupies the unit square; the padded output spans [-px, 1+px] x [-py, 1+py] of it
  const unit: Quad = [
    [0, 0],
    [1, 0],
    [1, 1],
    [0, 1]
  ]
  const h = homography(unit, quad)
  const out = new Uint8Array(W * H * 3)
  const src = img.data
  const sw = img.width
  const sh = img.height
  const spanX = 1 + 2 * px
  const spanY = 1 + 2 * py
  let o = 0
  for (let y = 0; y < H; y++) {
    const v = ((y + 0.5) / H) * spanY - py
    for (let x = 0; x < W; x++) {
      const u = ((x + 0.5) / W) * spanX - px
      const w = h[6] * u + h[7] * v + h[8]
      // pixel centres are at +0.5 in the source too
      let sx = (h[0] * u + h[1] * v + h[2]) / w - 0.5
      let sy = (h[3] * u + h[4] * v + h[5]) / w - 0.5
      sx = sx < 0 ? 0 : sx > sw - 1 ? sw - 1 : sx
      sy = sy < 0 ? 0 : sy > sh - 1 ? sh - 1 : sy
      const x0 = Math.floor(sx)
      const y0 = Math.floor(sy)
      const x1 = x0 + 1 < sw ? x0 + 1 : x0
      const y1 = y0 + 1 < sh ? y0 + 1 : y0
      const fx = sx - x0
      const fy = sy - y0
      const p = (y0 * sw + x0) * 3
      const q = (y0 * sw + x1) * 3
      const r = (y1 * sw + x0) * 3
      const s = (y1 * sw + x1) * 3
      for (let c = 0; c < 3; c++) {
        const a = src[p + c]! + (src[q + c]! - src[p + c]!) * fx
        const b = src[r + c]! + (src[s + c]! - src[r + c]!) * fx
        out[o++] = Math.round(a + (b - a) * fy)
      }
    }
  }
  return { data: out, width: W, height: H }
}

/** Upstream HyperLPR cuts a rectified two-row plate at 0.4 of its height: the top row is the smaller one. */
export const TWO_ROW_SPLIT = 0.4

/** The rows of a rectified two-row plate, top first (rows of the image, no resampling). */
export function splitRows(img: RgbImage, at = TWO_ROW_SPLIT): [RgbImage, RgbImage] {
  const line = Math.max(1, Math.min(img.height - 1, Math.floor(img.height * at)))
  const stride = img.width * 3
  return [
    { data: img.data.slice(0, line * stride), width: img.width, height: line },
    { data: img.data.slice(line * stride, img.height * stride), width: img.width, height: img.height - line }
  ]
}
