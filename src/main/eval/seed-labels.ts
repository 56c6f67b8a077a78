// Readers for the public plate datasets PlateDesk seeds its ground truth from, each from its published
// specification:
//   ccpd            CCPD: the labels are the file name, 7 fields separated by '-':
//                   area - tiltH_tiltV - x1&y1_x2&y2 - 4 vertices x&y_… (from bottom-right, clockwise)
//                   - plate indices p_a_d_d_d_d_d[_d] (province / alphabet / ads tables) - brightness - blur
//   ufpr            UFPR-ALPR (and RodoSol-ALPR): a .txt beside each image with `key: value` lines:
//                   camera, position_vehicle x y w h, type, make, model, year, plate, position_plate x y w h,
//                   char N x y w h, and in the later sets corners `x,y x,y x,y x,y` and layout
//   crops           plate crops named by their text (LPRNet test style: `京PL3N67.jpg`, `…-2.jpg` / `…_2.jpg`)
//   fast-plate-ocr  its CSV `image_path,plate_text[,plate_region]`, paths relative to the CSV
// Pure parsing plus file look-ups; no database, no engine. Every error names the file and the cause.
import { existsSync, readFileSync, statSync } from 'node:fs'
import { readdir } from 'node:fs/promises'
import { basename, dirname, extname, join, resolve } from 'node:path'
import type { Box } from '../../shared/types'
import { orderQuad, quadBox, type Quad } from '../../shared/geometry'
import { ROW_BREAK, normalizePlateRows } from '../../shared/plate-text'
import { imageSize, listImages, type FindResult, type GtImage } from './ground-truth'
import { parseCsv } from '../../shared/csv'

export type SeedFormat = 'ccpd' | 'ufpr' | 'crops' | 'fast-plate-ocr'
export const SEED_FORMATS: SeedFormat[] = ['ccpd', 'ufpr', 'crops', 'fast-plate-ocr']

// ------------------------------------------------------------------ CCPD

// The CCPD README's tables; the last entry of each, 'O', means "no character".
export const CCPD_PROVINCES = [...'皖沪津渝冀晋蒙辽吉黑苏浙京闽赣鲁豫鄂湘粤桂琼川贵云藏陕甘青宁新警学', 'O']
export const CCPD_ALPHABETS = [...'ABCDEFGHJKLMNPQRSTUVWXYZ', 'O']
export const CCPD_ADS = [...'ABCDEFGHJKLMNPQRSTUVWXYZ0123456789', 'O']

export interface CcpdLabel {
  /** plate area / image area, as the file gives it (e.g. "025") */
  area: number
  tilt: { horizontal: number; vertical: number }
  box: Box
  /** TL, TR, BR, BL (the file lists BR, BL, TL, TR) */
  corners: Quad
  indices: number[]
  text: string
  brightness: number
  blur: number
}

function ints(s: string, sep: string, n: number | null, what: string, where: string): number[] {
  const parts = s.split(sep)
  if ((n != null && parts.length !== n) || parts.some((p) => !/^-?\d+(\.\d+)?$/.test(p))) {
    throw new Error(`${where}: ${what} must be ${n ?? 'some'} numbers separated by '${sep}', got "${s}"`)
  }
  return parts.map(Number)
}

function point(s: string, what: string, where: string): [number, number] {
  const [x, y] = ints(s, '&', 2, what, where)
  return [x, y]
}

/** Decodes a CCPD image file name (with or without folder and extension). */
export function parseCcpdName(file: string): CcpdLabel {
  const where = file
  const stem = basename(file, extname(file))
  const f = stem.split('-')
  if (f.length !== 7) throw new Error(`${where}: not a CCPD file name (expected 7 fields separated by '-', got ${f.length})`)
  const [areaS, tiltS, boxS, vertS, plateS, brightS, blurS] = f
  const [horizontal, vertical] = ints(tiltS, '_', 2, 'tilt', where)
  const bb = boxS.split('_')
  if (bb.length !== 2) throw new Error(`${where}: box must be "x1&y1_x2&y2", got "${boxS}"`)
  const [x1, y1] = point(bb[0], 'box corner', where)
  const [x2, y2] = point(bb[1], 'box corner', where)
  const vs = vertS.split('_')
  if (vs.length !== 4) throw new Error(`${where}: vertices must be 4 "x&y" separated by '_', got "${vertS}"`)
  const [br, bl, tl, tr] = vs.map((v) => point(v, 'vertex', where))
  const indices = ints(plateS, '_', null, 'plate indices', where)
  if (indices.length < 7 || indices.length > 8) throw new Error(`${where}: plate indices must be 7 or 8 numbers, got ${indices.length}`)
  const table = (i: number): string[] => (i === 0 ? CCPD_PROVINCES : i === 1 ? CCPD_ALPHABETS : CCPD_ADS)
  let text = ''
  indices.forEach((v, i) => {
    const t = table(i)
    if (v < 0 || v >= t.length) throw new Error(`${where}: plate index ${i + 1} is ${v}, outside its table (0..${t.length - 1})`)
    if (v !== t.length - 1) text += t[v] // the last entry, 'O', is "no character"
  })
  return {
    area: Number(areaS),
    tilt: { horizontal, vertical },
    box: { x1: Math.min(x1, x2), y1: Math.min(y1, y2), x2: Math.max(x1, x2), y2: Math.max(y1, y2) },
    corners: [tl, tr, br, bl],
    indices,
    text,
    brightness: Number(brightS),
    blur: Number(blurS)
  }
}

// ------------------------------------------------------------------ UFPR-ALPR / RodoSol-ALPR

export interface UfprLabel {
  camera: string | null
  vehicle: { box: Box | null; type: string | null; make: string | null; model: string | null; year: string | null }
  /** normalised, with ROW_BREAK between rows on a two-row plate */
  text: string | null
  box: Box
  corners: Quad | null
  chars: Box[]
  layout: string | null
  rows: 1 | 2
}

function xywh(v: string, what: string, where: string): Box {
  const n = v.trim().split(/\s+/).map(Number)
  if (n.length !== 4 || !n.every(Number.isFinite)) throw new Error(`${where}: ${what} must be "x y w h", got "${v.trim()}"`)
  if (n[2] <= 0 || n[3] <= 0) throw new Error(`${where}: ${what} is empty (w=${n[2]}, h=${n[3]})`)
  return { x1: n[0], y1: n[1], x2: n[0] + n[2], y2: n[1] + n[3] }
}

/** Where a second row starts, from the characters' boxes in reading order: the first one below the previous. */
function rowBreakFromChars(chars: Box[]): number | null {
  for (let i = 1; i < chars.length; i++) {
    const prev = chars[i - 1]
    const cy = (chars[i].y1 + chars[i].y2) / 2
    if (cy > prev.y2 && chars[i].x1 < prev.x1) return i
  }
  return null
}

/** Parses one UFPR-ALPR / RodoSol-ALPR annotation file. */
export function parseUfprTxt(text: string, where = 'UFPR annotation'): UfprLabel {
  const kv = new Map<string, string>()
  const chars: { n: number; box: Box }[] = []
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim()
    if (!line) return
    const m = /^([^:]+):\s*(.*)$/.exec(line)
    if (!m) throw new Error(`${where}:${i + 1}: expected "key: value", got ${JSON.stringify(line)}`)
    const key = m[1].trim().toLowerCase()
    const c = /^char\s*(\d+)$/.exec(key)
    if (c) chars.push({ n: Number(c[1]), box: xywh(m[2], key, `${where}:${i + 1}`) })
    else if (!kv.has(key)) kv.set(key, m[2].trim())
  })
  const get = (k: string): string | null => kv.get(k) || null
  const rawPlate = get('plate')
  if (rawPlate == null) throw new Error(`${where}: no "plate:" line`)
  let corners: Quad | null = null
  const cs = get('corners')
  if (cs) {
    const pts = cs.split(/\s+/).map((p) => p.split(',').map(Number))
    if (pts.length !== 4 || pts.some((p) => p.length !== 2 || !p.every(Number.isFinite))) {
      throw new Error(`${where}: corners must be 4 "x,y" separated by spaces, got "${cs}"`)
    }
    corners = orderQuad(pts as [number, number][])
  }
  const pos = get('position_plate')
  const box = pos ? xywh(pos, 'position_plate', where) : corners ? quadBox(corners) : null
  if (!box) throw new Error(`${where}: no "position_plate:" or "corners:" line`)
  const veh = get('position_vehicle')
  const charBoxes = chars.sort((a, b) => a.n - b.n).map((c) => c.box)
  const type = get('type')
  const flat = normalizePlateRows(rawPlate)?.replace(/\n/g, '') ?? null
  // the row break: from the character boxes when given, else the Brazilian motorcycle layout (3 over 4)
  let split = rowBreakFromChars(charBoxes)
  if (split == null && type && /moto/i.test(type) && flat && flat.length > 3) split = 3
  const plateText = flat && split != null && split < flat.length ? flat.slice(0, split) + ROW_BREAK + flat.slice(split) : flat
  return {
    camera: get('camera'),
    vehicle: { box: veh ? xywh(veh, 'position_vehicle', where) : null, type, make: get('make'), model: get('model'), year: get('year') },
    text: plateText,
    box,
    corners,
    chars: charBoxes,
    layout: get('layout'),
    rows: plateText?.includes(ROW_BREAK) ? 2 : 1
  }
}

// ------------------------------------------------------------------ crops named by their text

/** The plate text of a crop named by it: the stem up to a '-' or '_' suffix (`京PL3N67_2.jpg` → 京PL3N67). */
export function cropNameText(file: string): string | null {
  const stem = basename(file, extname(file))
  return normalizePlateRows(stem.split('-')[0].split('_')[0])
}

// ------------------------------------------------------------------ fast-plate-ocr CSV

export interface OcrCsvRow {
  /** absolute */
  image: string
  text: string | null
  region: string | null
}


/** fast-plate-ocr's CSV: a header naming image_path and plate_text (plate_region optional). */
export function parseFastPlateOcrCsv(text: string, csvFile: string): OcrCsvRow[] {
  const rows = parseCsv(text.replace(/^\uFEFF/, ''))
  const header = (rows[0] ?? []).map((h) => h.trim().toLowerCase())
  const ci = { image: header.indexOf('image_path'), text: header.indexOf('plate_text'), region: header.indexOf('plate_region') }
  if (ci.image < 0 || ci.text < 0) throw new Error(`${csvFile}: header must name image_path and plate_text, got "${(rows[0] ?? []).join(',')}"`)
  const dir = dirname(csvFile)
  return rows.slice(1).map((r, i) => {
    const img = (r[ci.image] ?? '').trim()
    if (!img) throw new Error(`${csvFile}:${i + 2}: empty image_path`)
    const region = ci.region >= 0 ? (r[ci.region] ?? '').trim() || null : null
    return { image: resolve(dir, img), text: normalizePlateRows(r[ci.text]), region }
  })
}

// ------------------------------------------------------------------ finding the labels of a folder

async function wholeImage(image: string, text: string | null, source: string, region: string | null = null): Promise<GtImage> {
  const { width, height } = await imageSize(image)
  return { image, width, height, plates: [{ box: { x1: 0, y1: 0, x2: width, y2: height }, text, ...(region ? { region } : {}) }], sources: [source] }
}

async function csvFiles(root: string): Promise<string[]> {
  if (statSync(root).isFile()) return [root]
  const names = (await readdir(root)).filter((n) => extname(n).toLowerCase() === '.csv').sort()
  if (names.length === 0) throw new Error(`${root}: no .csv file (fast-plate-ocr labels) in this folder`)
  return names.map((n) => join(root, n))
}

/**
 * The labelled images of `root` in a seed format (a fast-plate-ocr CSV may also be given as the file).
 * Unreadable labels are listed in `errors`, naming the file and the cause; the rest go on.
 */
export async function findSeedLabels(root: string, format: SeedFormat): Promise<FindResult> {
  const abs = resolve(root)
  const images: GtImage[] = []
  const errors: FindResult['errors'] = []
  const attempt = async (path: string, fn: () => Promise<GtImage | null>): Promise<void> => {
    try {
      const gt = await fn()
      if (gt) images.push(gt)
    } catch (err) {
      errors.push({ path, error: err instanceof Error ? err.message : String(err) })
    }
  }
  if (format === 'fast-plate-ocr') {
    const seen = new Set<string>()
    for (const csv of await csvFiles(abs)) {
      let rows: OcrCsvRow[]
      try {
        rows = parseFastPlateOcrCsv(readFileSync(csv, 'utf8'), csv)
      } catch (err) {
        errors.push({ path: csv, error: err instanceof Error ? err.message : String(err) })
        continue
      }
      // an export writes labels.csv and the split lists: one image is imported once
      for (const r of rows) {
        if (seen.has(r.image)) continue
        seen.add(r.image)
        await attempt(r.image, async () => {
          if (!existsSync(r.image)) throw new Error(`${r.image}: listed in ${csv} but not found`)
          return wholeImage(r.image, r.text, csv, r.region)
        })
      }
    }
    return { images, errors }
  }
  for (const image of await listImages(abs)) {
    await attempt(image, async () => {
      if (format === 'ccpd') {
        const c = parseCcpdName(image)
        const { width, height } = await imageSize(image)
        return { image, width, height, plates: [{ box: c.box, text: normalizePlateRows(c.text), corners: c.corners }], sources: [image] }
      }
      if (format === 'crops') {
        const text = cropNameText(image)
        if (!text) throw new Error(`${image}: the file name holds no plate text`)
        return wholeImage(image, text, image)
      }
      const txt = join(dirname(image), `${basename(image, extname(image))}.txt`)
      if (!existsSync(txt)) return null
      const u = parseUfprTxt(readFileSync(txt, 'utf8'), txt)
      return { image, width: null, height: null, plates: [{ box: u.box, text: u.text, ...(u.corners ? { corners: u.corners } : {}) }], sources: [txt] }
    })
  }
  return { images, errors }
}
