// Two-row plates for the layout tests: sharp renders an SVG plate with a top and a bottom row (the top row
// in the upper 40%, as on motorcycle and many double-row plates), and a scene helper pastes any RGB image
// into a frame through a perspective (a known quad), so the tests know every plate's true corners.
import sharp from 'sharp'
import type { Quad } from '../../src/shared/geometry'
import { homography } from '../../src/main/engine/warp'

const esc = (s: string) => s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`)

export interface Rgb {
  data: Uint8Array
  width: number
  height: number
}

/** A two-row plate, top row over bottom row, as raw RGB. */
export async function renderTwoRowPlate(top: string, bottom: string, width = 300, height = 200): Promise<Rgb> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
  <rect x="0" y="0" width="${width}" height="${height}" rx="${height * 0.06}" fill="#1a1a1a"/>
  <rect x="${height * 0.04}" y="${height * 0.04}" width="${width - height * 0.08}" height="${height * 0.92}" rx="${height * 0.05}" fill="#f4f4f0"/>
  <text x="${width / 2}" y="${height * 0.22}" dominant-baseline="central" text-anchor="middle" font-family="DejaVu Sans"
    font-weight="bold" font-size="${Math.round(height * 0.3)}" textLength="${width * 0.6}" lengthAdjust="spacingAndGlyphs" fill="#111">${esc(top)}</text>
  <text x="${width / 2}" y="${height * 0.69}" dominant-baseline="central" text-anchor="middle" font-family="DejaVu Sans"
    font-weight="bold" font-size="${Math.round(height * 0.46)}" textLength="${width * 0.84}" lengthAdjust="spacingAndGlyphs" fill="#111">${esc(bottom)}</text>
</svg>`
  const { data, info } = await sharp(Buffer.from(svg)).flatten({ background: '#808080' }).removeAlpha().raw().toBuffer({ resolveWithObject: true })
  return { data, width: info.width, height: info.height }
}

/**
 * Pastes `plate` into a `width` x `height` grey frame so that its corners land on `quad` (TL, TR, BR, BL):
 * each frame pixel inside the quad samples the plate through the inverse homography (bilinear).
 */
export function pasteInPerspective(plate: Rgb, quad: Quad, width: number, height: number, grey = 90): Rgb {
  const out = new Uint8Array(width * height * 3).fill(grey)
  const rect: Quad = [
    [0, 0],
    [plate.width, 0],
    [plate.width, plate.height],
    [0, plate.height]
  ]
  const h = homography(quad, rect)
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const cx = x + 0.5
      const cy = y + 0.5
      const w = h[6] * cx + h[7] * cy + h[8]
      const u = (h[0] * cx + h[1] * cy + h[2]) / w - 0.5
      const v = (h[3] * cx + h[4] * cy + h[5]) / w - 0.5
      if (u < 0 || v < 0 || u > plate.width - 1 || v > plate.height - 1) continue
      const x0 = Math.floor(u)
      const y0 = Math.floor(v)
      const x1 = Math.min(x0 + 1, plate.width - 1)
      const y1 = Math.min(y0 + 1, plate.height - 1)
      const fx = u - x0
      const fy = v - y0
      for (let c = 0; c < 3; c++) {
        const p = (i: number, j: number) => plate.data[(j * plate.width + i) * 3 + c]!
        const a = p(x0, y0) + (p(x1, y0) - p(x0, y0)) * fx
        const b = p(x0, y1) + (p(x1, y1) - p(x0, y1)) * fx
        out[(y * width + x) * 3 + c] = Math.round(a + (b - a) * fy)
      }
    }
  }
  return { data: out, width, height }
}
