// Synthetic licence plates for OCR tests: sharp renders an SVG plate (EU-style blue band optional)
// with a real font, then blur / rotation / shear degrade it like a dashcam would.
import sharp, { type OverlayOptions } from 'sharp'

export interface SynthPlate {
  text: string
  /** font-family available to fontconfig, e.g. 'DejaVu Sans', 'DejaVu Sans Mono', 'DejaVu Serif' */
  font?: string
  bold?: boolean
  condensed?: boolean
  /** plate size before degradation */
  width?: number
  height?: number
  /** Gaussian blur sigma (px at the final size) */
  blur?: number
  /** degrees, small (±6) */
  rotate?: number
  /** horizontal shear factor (±0.2) — a cheap stand-in for perspective */
  shear?: number
  /** EU blue band with a country code on the left */
  euBand?: boolean
  /** downscale to this width after rendering (small, distant plates) */
  finalWidth?: number
}

const esc = (s: string) => s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`)

export function plateSvg(p: SynthPlate): string {
  const w = p.width ?? 520
  const h = p.height ?? 112
  const band = p.euBand ? Math.round(h * 0.42) : 0
  const family = p.condensed ? `${p.font ?? 'DejaVu Sans'} Condensed` : (p.font ?? 'DejaVu Sans')
  const size = Math.round(h * 0.72)
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}">
  <rect x="0" y="0" width="${w}" height="${h}" rx="${h * 0.08}" fill="#1a1a1a"/>
  <rect x="${h * 0.05}" y="${h * 0.05}" width="${w - h * 0.1}" height="${h * 0.9}" rx="${h * 0.06}" fill="#f4f4f0"/>
  ${
    p.euBand
      ? `<rect x="${h * 0.05}" y="${h * 0.05}" width="${band}" height="${h * 0.9}" fill="#1f3f9f"/>
  <text x="${h * 0.05 + band / 2}" y="${h * 0.8}" font-family="DejaVu Sans" font-size="${h * 0.26}" fill="#fff" text-anchor="middle">RO</text>`
      : ''
  }
  <text x="${(w + band) / 2}" y="${h * 0.5}" dominant-baseline="central" text-anchor="middle"
    font-family="${esc(family)}" font-weight="${p.bold === false ? 'normal' : 'bold'}" font-size="${size}"
    textLength="${(w - band) * 0.86}" lengthAdjust="spacingAndGlyphs" fill="#111">${esc(p.text)}</text>
</svg>`
}

export interface RenderedPlate {
  /** interleaved RGB */
  data: Buffer
  width: number
  height: number
}

/** Renders the plate, degraded, on a mid-grey margin (like a detector crop with a little context). */
export async function renderPlate(p: SynthPlate): Promise<RenderedPlate> {
  let img = sharp(Buffer.from(plateSvg(p))).flatten({ background: '#808080' })
  if (p.rotate || p.shear) {
    const a = ((p.rotate ?? 0) * Math.PI) / 180
    const s = p.shear ?? 0
    const m: [number, number, number, number] = [Math.cos(a), -Math.sin(a) + s, Math.sin(a), Math.cos(a)]
    img = sharp(await img.png().toBuffer()).affine(m, { background: '#808080', interpolator: 'bilinear' })
  }
  const base = await img.png().toBuffer()
  let out = sharp(base)
  if (p.finalWidth) out = out.resize({ width: p.finalWidth, kernel: 'linear' })
  if (p.blur && p.blur >= 0.3) out = sharp(await out.png().toBuffer()).blur(p.blur)
  const { data, info } = await out.removeAlpha().raw().toBuffer({ resolveWithObject: true })
  return { data, width: info.width, height: info.height }
}

/** A JPEG scene (road-grey background) with the plates pasted at the given places; returns their boxes. */
export async function renderScene(
  plates: { plate: SynthPlate; left: number; top: number }[],
  size = { width: 1280, height: 720 }
): Promise<{ jpeg: Buffer; boxes: { x1: number; y1: number; x2: number; y2: number; text: string }[] }> {
  const layers: OverlayOptions[] = []
  const boxes = []
  for (const { plate, left, top } of plates) {
    const r = await renderPlate(plate)
    layers.push({ input: r.data, raw: { width: r.width, height: r.height, channels: 3 }, left, top })
    boxes.push({ x1: left, y1: top, x2: left + r.width, y2: top + r.height, text: plate.text })
  }
  const jpeg = await sharp({ create: { width: size.width, height: size.height, channels: 3, background: '#5a5e62' } })
    .composite(layers)
    .jpeg({ quality: 90 })
    .toBuffer()
  return { jpeg, boxes }
}
