// What the recogniser reads for each detection: a box crop (box-only detectors, as before), or, when the
// detector gives corners, the perspective-rectified plate. A two-row plate is also cut into its rows
// (upstream HyperLPR's way: the cut at 0.4 of the height, each row read on its own). Measured on the
// synthetic two-row plates of test/engine/warp.test.ts, the cct global models read the whole plate better
// than its stretched rows (6/6 whole, 4/6 row by row: "1D23" → "1D25", "QW" → "OW"), so the whole read
// gives the text and the row reads give where the row break goes; the row reads alone are the answer only
// when they are surer than the whole read and disagree with it. Rows come back joined by ROW_BREAK.
import type { Box, Detection, PlateRead } from '../../shared/types'
import { ROW_BREAK } from '../../shared/plate-text'
import type { Quad } from '../../shared/geometry'
import { cropResize, expandBox, type RgbImage } from './preprocess'
import { splitRows, warpQuad } from './warp'

/** One image the recogniser reads: `box` inside `img`, with the recogniser's padding or none. */
export interface ReadUnit {
  img: RgbImage
  box: Box
  /** the detection it belongs to */
  det: number
  /** the whole plate, or one row of a two-row plate */
  role: 'plate' | 'top' | 'bottom'
  /** false: img is already the rectified plate (or row), read whole */
  pad: boolean
  /** a row of a plate guessed two-row from its shape only (TWO_ROW_ASPECT): the break needs the rows' agreement */
  guess?: boolean
}

/**
 * Box-only detections (and whole-image crops) narrower than this (width/height) are two-row candidates,
 * also read row by row. Single-row plates are wide: the 31 romania-dashcam boxes are 2.99-4.4, the LPRNet
 * crops 3.9; two-row plates (motorcycles, Chinese yellow rear plates) are ~1-2.
 */
export const TWO_ROW_ASPECT = 2.3

/** Context kept around a rectified plate (fractions of its size): tight corners clip the outer glyphs. */
export const QUAD_PAD_X = 0.04
export const QUAD_PAD_Y = 0.08

const whole = (img: RgbImage): Box => ({ x1: 0, y1: 0, x2: img.width, y2: img.height })

/** The read units of an image's detections (boxes and corners in `img` pixels), in detection order. */
export function readUnits(img: RgbImage, dets: Pick<Detection, 'box' | 'corners' | 'rows'>[]): ReadUnit[] {
  const units: ReadUnit[] = []
  dets.forEach((d, i) => {
    if (!d.corners) {
      units.push({ img, box: d.box, det: i, pad: true, role: 'plate' })
      const w = d.box.x2 - d.box.x1
      const h = d.box.y2 - d.box.y1
      if (d.rows === 2 || (d.rows === undefined && h > 0 && w / h < TWO_ROW_ASPECT)) {
        // the box's own pixels (horizontal context as for corners), cut at 0.4 like a rectified plate
        const b = expandBox(d.box, QUAD_PAD_X, 0, img.width, img.height)
        const cw = Math.max(2, Math.round(b.x2 - b.x1))
        const ch = Math.max(2, Math.round(b.y2 - b.y1))
        const plate = { data: new Uint8Array(cw * ch * 3), width: cw, height: ch }
        cropResize(img, b, cw, ch, plate.data, 0)
        const [top, bottom] = splitRows(plate)
        const guess = d.rows !== 2
        units.push({ img: top, box: whole(top), det: i, pad: false, role: 'top', guess })
        units.push({ img: bottom, box: whole(bottom), det: i, pad: false, role: 'bottom', guess })
      }
      return
    }
    const q = d.corners as Quad
    const rect = warpQuad(img, q, { padX: QUAD_PAD_X, padY: QUAD_PAD_Y })
    units.push({ img: rect, box: whole(rect), det: i, pad: false, role: 'plate' })
    if (d.rows === 2) {
      // as upstream: no vertical context, so the 0.4 cut falls between the rows
      const [top, bottom] = splitRows(warpQuad(img, q, { padX: QUAD_PAD_X, padY: 0 }))
      units.push({ img: top, box: whole(top), det: i, pad: false, role: 'top' })
      units.push({ img: bottom, box: whole(bottom), det: i, pad: false, role: 'bottom' })
    }
  })
  return units
}

const withBreak = (t: string, at: number): string => (at > 0 && at < t.length ? t.slice(0, at) + ROW_BREAK + t.slice(at) : t)

/** The reads of one row-by-row plate joined top first: text with ROW_BREAK, the joint confidence. */
function rowsRead(top: PlateRead, bottom: PlateRead): PlateRead {
  const rows = [top, bottom].filter((r) => r.text.length > 0)
  const text = rows.map((r) => r.text).join(ROW_BREAK)
  const confidence = top.confidence * bottom.confidence
  return {
    ...top,
    text,
    confidence,
    charConfidences: rows.flatMap((r) => r.charConfidences),
    candidates: [{ plate: text, confidence }],
    region: top.region ?? bottom.region,
    regionConfidence: top.region ? top.regionConfidence : bottom.regionConfidence
  }
}

/**
 * One detection's read from its units' reads: the plate read alone, or for a two-row plate the plate read
 * with the row break where the row reads put it (after the top row's text when the plate read starts with
 * it, before the bottom row's when it ends with it, else after as many characters as the top row read).
 */
export function layoutRead(reads: { role: ReadUnit['role']; read: PlateRead; guess?: boolean }[]): PlateRead {
  const plate = reads.find((r) => r.role === 'plate')!.read
  const top = reads.find((r) => r.role === 'top')?.read
  const bottom = reads.find((r) => r.role === 'bottom')?.read
  if (!top || !bottom) return plate
  const t = plate.text
  // a shape-only guess needs two row reads each shorter than the plate read and together about as long: the
  // halves of a single-row plate each see every character, so they read as (most of) the whole text or nothing
  const guess = reads.some((r) => r.guess)
  const n = top.text.length + bottom.text.length
  if (guess && (!top.text || !bottom.text || top.text.length >= t.length || bottom.text.length >= t.length || n < t.length - 2 || n > t.length + 1)) {
    return plate
  }
  let at: number
  if (top.text && t.startsWith(top.text)) at = top.text.length
  else if (bottom.text && t.endsWith(bottom.text)) at = t.length - bottom.text.length
  else if (guess) at = top.text.length // the plate read stays the text; only the break comes from the rows
  else {
    const rows = rowsRead(top, bottom)
    if (rows.confidence > plate.confidence || !t) return rows
    at = Math.min(Math.max(1, top.text.length), t.length - 1)
  }
  return {
    ...plate,
    text: withBreak(t, at),
    candidates: plate.candidates.map((c) => ({ ...c, plate: withBreak(c.plate, at) }))
  }
}

/** The crop box a unit is read from (the recogniser's padding on box crops only). */
export function unitBox(u: ReadUnit, padX: number, padY: number): Box {
  return u.pad ? expandBox(u.box, padX, padY, u.img.width, u.img.height) : u.box
}
