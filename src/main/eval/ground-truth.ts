// Ground-truth readers: the labelled-set formats people already have (OpenALPR benchmark txt, Pascal VOC
// XML, YOLO txt, and the fixtures' plates.tsv), and a finder that pairs every image of a folder with the
// labels that sit next to it. Pure parsing plus file look-ups; no database, no engine.
import { existsSync, readFileSync } from 'node:fs'
import { readdir } from 'node:fs/promises'
import { basename, dirname, extname, join, relative, resolve, sep } from 'node:path'
import { XMLParser } from 'fast-xml-parser'
import sharp, { type Metadata } from 'sharp'
import type { Box } from '../../shared/types'
import type { Quad } from '../../shared/geometry'
import { decodeImageFile, isImagePath } from '../media/images'
import { iou } from './metrics'

export type LabelFormat = 'openalpr' | 'voc' | 'yolo' | 'tsv'

/** One labelled plate. text null = box only (no text known, or marked illegible). */
export interface GtPlate {
  box: Box
  text: string | null
  /** plates.tsv legibility column when present: clear | unsure | illegible */
  legibility?: string
  /** the plate's corners (TL, TR, BR, BL) when the labels give them (CCPD, UFPR/RodoSol) */
  corners?: Quad
  /** the set's region / country code when it gives one (fast-plate-ocr plate_region) */
  region?: string
}

export interface GtImage {
  /** absolute image path */
  image: string
  /** from the label file when it says (VOC size, or resolved for YOLO) */
  width: number | null
  height: number | null
  plates: GtPlate[]
  /** the label files that produced this entry */
  sources: string[]
}

/** Plate text as the library stores it: upper-case letters and digits only. */
export function normalizePlateText(text: string | null | undefined): string | null {
  if (text == null) return null
  const t = String(text).toUpperCase().replace(/[^0-9A-Z]/g, '')
  return t.length > 0 ? t : null
}

function num(value: unknown, what: string, where: string): number {
  const n = typeof value === 'number' ? value : Number(String(value ?? '').trim())
  if (!Number.isFinite(n)) throw new Error(`${where}: ${what} is not a number (${JSON.stringify(value)})`)
  return n
}

function orderedBox(x1: number, y1: number, x2: number, y2: number): Box {
  return { x1: Math.min(x1, x2), y1: Math.min(y1, y2), x2: Math.max(x1, x2), y2: Math.max(y1, y2) }
}

// ------------------------------------------------------------------ OpenALPR benchmark txt

export interface OpenAlprLine {
  file: string
  plate: GtPlate
}

/**
 * OpenALPR benchmark labels: one line per plate, `file<TAB>x<TAB>y<TAB>w<TAB>h<TAB>TEXT` (x, y = top-left).
 * Runs of spaces are accepted in place of tabs; the text may be missing. Blank and `#` lines are skipped.
 */
export function parseOpenAlprTxt(text: string, where = 'openalpr labels'): OpenAlprLine[] {
  const out: OpenAlprLine[] = []
  const lines = text.split(/\r?\n/)
  lines.forEach((raw, i) => {
    const line = raw.trim()
    if (!line || line.startsWith('#')) return
    const at = `${where}:${i + 1}`
    let parts = line.split('\t').map((s) => s.trim())
    if (parts.length < 5) parts = line.split(/\s+/)
    if (parts.length < 5) throw new Error(`${at}: expected "file x y w h text", got ${JSON.stringify(line)}`)
    const [file, xs, ys, ws, hs, ...rest] = parts
    const x = num(xs, 'x', at)
    const y = num(ys, 'y', at)
    const w = num(ws, 'width', at)
    const h = num(hs, 'height', at)
    if (w <= 0 || h <= 0) throw new Error(`${at}: empty box (w=${w}, h=${h})`)
    out.push({ file, plate: { box: orderedBox(x, y, x + w, y + h), text: normalizePlateText(rest.join('')) } })
  })
  return out
}

/** True when a .txt holds YOLO rows (`class cx cy w h`, all numeric) rather than OpenALPR rows. */
export function looksLikeYolo(text: string): boolean {
  const rows = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('#'))
  if (rows.length === 0) return false
  return rows.every((l) => {
    const p = l.split(/\s+/)
    return p.length >= 5 && /^\d+$/.test(p[0]) && p.slice(1, 5).every((v) => Number.isFinite(Number(v)) && Number(v) >= 0 && Number(v) <= 1.0001)
  })
}

// ------------------------------------------------------------------ YOLO txt

/**
 * YOLO detection labels: `class cx cy w h` normalised to 0..1, one row per box. The image size converts
 * them to pixels. A sixth token, when present, is taken as plate text (some plate datasets add it).
 */
export function parseYoloTxt(text: string, width: number, height: number, where = 'yolo labels'): GtPlate[] {
  if (!(width > 0 && height > 0)) throw new Error(`${where}: image size is needed to read YOLO boxes`)
  const out: GtPlate[] = []
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim()
    if (!line || line.startsWith('#')) return
    const at = `${where}:${i + 1}`
    const p = line.split(/\s+/)
    if (p.length < 5) throw new Error(`${at}: expected "class cx cy w h", got ${JSON.stringify(line)}`)
    const cx = num(p[1], 'cx', at)
    const cy = num(p[2], 'cy', at)
    const w = num(p[3], 'w', at)
    const h = num(p[4], 'h', at)
    if (w <= 0 || h <= 0) throw new Error(`${at}: empty box`)
    if ([cx, cy, w, h].some((v) => v < 0 || v > 1.0001)) throw new Error(`${at}: values must be normalised to 0..1`)
    out.push({
      box: orderedBox((cx - w / 2) * width, (cy - h / 2) * height, (cx + w / 2) * width, (cy + h / 2) * height),
      text: normalizePlateText(p.slice(5).join(''))
    })
  })
  return out
}

// ------------------------------------------------------------------ Pascal VOC

export interface VocAnnotation {
  filename: string | null
  width: number | null
  height: number | null
  plates: GtPlate[]
}

const vocParser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseTagValue: false, // plate text "0123" must stay a string
  parseAttributeValue: false,
  trimValues: true,
  isArray: (name) => name === 'object' || name === 'attribute'
})

const TEXT_KEYS = ['text', 'plate', 'plate_text', 'platetext', 'plate_number', 'platenumber', 'license_plate', 'licenseplate', 'number', 'lp', 'label_text', 'transcription', 'ocr']

function scalar(v: unknown): string | null {
  if (v == null) return null
  if (typeof v === 'string' || typeof v === 'number') return String(v)
  if (typeof v === 'object' && '#text' in (v as Record<string, unknown>)) return String((v as Record<string, unknown>)['#text'])
  return null
}

/** A VOC <name> that looks like a plate number rather than a class name (it has a digit, no spaces inside). */
function nameAsText(name: string | null): string | null {
  if (!name) return null
  const t = name.trim()
  if (!/\d/.test(t) || !/^[0-9A-Za-z][0-9A-Za-z \-·.]{0,14}$/.test(t)) return null
  return normalizePlateText(t)
}

function objectText(obj: Record<string, unknown>): string | null {
  const lower = new Map<string, unknown>()
  for (const [k, v] of Object.entries(obj)) lower.set(k.toLowerCase(), v)
  for (const key of TEXT_KEYS) {
    for (const k of [key, `@_${key}`]) {
      const v = scalar(lower.get(k))
      if (v != null && normalizePlateText(v)) return normalizePlateText(v)
    }
  }
  // CVAT style: <attributes><attribute><name>text</name><value>ABC123</value></attribute></attributes>
  const attrs = lower.get('attributes') as Record<string, unknown> | undefined
  const list = attrs && typeof attrs === 'object' ? (attrs.attribute as unknown[] | undefined) : undefined
  for (const a of list ?? []) {
    if (!a || typeof a !== 'object') continue
    const rec = a as Record<string, unknown>
    const n = scalar(rec.name ?? rec['@_name'])?.toLowerCase()
    if (n && TEXT_KEYS.includes(n)) {
      const v = normalizePlateText(scalar(rec.value ?? rec['@_value'] ?? rec['#text']))
      if (v) return v
    }
  }
  return nameAsText(scalar(lower.get('name')))
}

/** Pascal VOC XML: every <object> with a <bndbox>. Plate text from a <text>/<plate> tag, an attribute, or <name>. */
export function parseVocXml(xml: string, where = 'VOC annotation'): VocAnnotation {
  let doc: Record<string, unknown>
  try {
    doc = vocParser.parse(xml) as Record<string, unknown>
  } catch (err) {
    throw new Error(`${where}: not valid XML (${err instanceof Error ? err.message : String(err)})`)
  }
  const ann = doc.annotation as Record<string, unknown> | undefined
  if (!ann || typeof ann !== 'object') throw new Error(`${where}: no <annotation> element`)
  const size = (ann.size ?? {}) as Record<string, unknown>
  const w = Number(scalar(size.width))
  const h = Number(scalar(size.height))
  const plates: GtPlate[] = []
  const objects = (ann.object as unknown[] | undefined) ?? []
  objects.forEach((o, i) => {
    if (!o || typeof o !== 'object') return
    const obj = o as Record<string, unknown>
    const bb = obj.bndbox as Record<string, unknown> | undefined
    if (!bb) return
    const at = `${where}: object ${i + 1}`
    plates.push({
      box: orderedBox(num(scalar(bb.xmin), 'xmin', at), num(scalar(bb.ymin), 'ymin', at), num(scalar(bb.xmax), 'xmax', at), num(scalar(bb.ymax), 'ymax', at)),
      text: objectText(obj)
    })
  })
  return {
    filename: scalar(ann.filename),
    width: Number.isFinite(w) && w > 0 ? w : null,
    height: Number.isFinite(h) && h > 0 ? h : null,
    plates
  }
}

// ------------------------------------------------------------------ plates.tsv

export interface TsvRow {
  image: string
  plate: GtPlate
}

/**
 * The fixtures' plates.tsv: a header row, then `image, xmin, ymin, xmax, ymax, text, legibility` (columns
 * found by header name). Image paths are relative to the file's folder. Illegible rows keep their box with
 * text null.
 */
export function parsePlatesTsv(text: string, where = 'plates.tsv'): TsvRow[] {
  const lines = text.split(/\r?\n/)
  const header = (lines[0] ?? '').split('\t').map((s) => s.trim().toLowerCase())
  const col = (name: string): number => header.indexOf(name)
  const ci = { image: col('image'), xmin: col('xmin'), ymin: col('ymin'), xmax: col('xmax'), ymax: col('ymax'), text: col('text'), leg: col('legibility') }
  for (const k of ['image', 'xmin', 'ymin', 'xmax', 'ymax'] as const) {
    if (ci[k] < 0) throw new Error(`${where}: header has no "${k}" column (header: ${lines[0] ?? ''})`)
  }
  const out: TsvRow[] = []
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]
    if (!line.trim()) continue
    const p = line.split('\t')
    const at = `${where}:${i + 1}`
    const legibility = ci.leg >= 0 ? (p[ci.leg] ?? '').trim().toLowerCase() || undefined : undefined
    const text = legibility === 'illegible' ? null : normalizePlateText(ci.text >= 0 ? p[ci.text] : null)
    out.push({
      image: (p[ci.image] ?? '').trim(),
      plate: {
        box: orderedBox(num(p[ci.xmin], 'xmin', at), num(p[ci.ymin], 'ymin', at), num(p[ci.xmax], 'xmax', at), num(p[ci.ymax], 'ymax', at)),
        text,
        ...(legibility ? { legibility } : {})
      }
    })
  }
  return out
}

// ------------------------------------------------------------------ finding labels for a folder

async function* walk(dir: string): AsyncGenerator<string> {
  let entries
  try {
    entries = await readdir(dir, { withFileTypes: true })
  } catch (err) {
    throw new Error(`${dir}: cannot read folder (${err instanceof Error ? err.message : String(err)})`)
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  for (const e of entries) {
    if (e.name.startsWith('.')) continue
    const p = join(dir, e.name)
    if (e.isDirectory()) yield* walk(p)
    else if (e.isFile()) yield p
  }
}

export async function listImages(root: string): Promise<string[]> {
  const out: string[] = []
  for await (const f of walk(root)) if (isImagePath(f)) out.push(f)
  return out
}

/** Image size after EXIF rotation, as the engine sees it. */
export async function imageSize(file: string): Promise<{ width: number; height: number }> {
  let m: Metadata
  try {
    m = await sharp(file).metadata()
  } catch {
    // formats libvips lacks (BMP): the media decoder reads them and names the file on failure
    const d = await decodeImageFile(file, { maxSide: 1 << 30 })
    return { width: d.origWidth, height: d.origHeight }
  }
  const o = (m as { autoOrient?: { width: number; height: number } }).autoOrient
  const width = o?.width ?? ((m.orientation ?? 1) >= 5 ? m.height : m.width)
  const height = o?.height ?? ((m.orientation ?? 1) >= 5 ? m.width : m.height)
  if (!width || !height) throw new Error(`${file}: cannot read the image size`)
  return { width, height }
}

/** Where a label file for `image` may sit, in the order they are tried. */
export function labelCandidates(image: string): { file: string; kind: 'xml' | 'txt' }[] {
  const dir = dirname(image)
  const stem = basename(image, extname(image))
  const parent = dirname(dir)
  return [
    { file: join(dir, `${stem}.xml`), kind: 'xml' },
    { file: join(dir, `${stem}.txt`), kind: 'txt' },
    { file: join(parent, 'annotations', `${stem}.xml`), kind: 'xml' },
    { file: join(parent, 'Annotations', `${stem}.xml`), kind: 'xml' },
    { file: join(parent, 'labels', `${stem}.txt`), kind: 'txt' }
  ]
}

export interface FindOptions {
  /** only this kind of label file (import-labels); absent = whatever is found. A root plates.tsv still adds text. */
  format?: 'openalpr' | 'voc' | 'yolo'
}

export interface FindResult {
  images: GtImage[]
  /** label files that could not be read: each names the file and the cause; the rest go on */
  errors: { path: string; error: string }[]
}

/**
 * Every image under `root` (recursive) that has ground truth: `X.xml` / `X.txt` beside it, an
 * `annotations/X.xml` (or YOLO `labels/X.txt`) in a sibling folder, or a row in `root/plates.tsv`.
 * plates.tsv text is attached to the matching file box (IoU >= 0.5) or added as its own box.
 */
export async function findGroundTruth(root: string, opts: FindOptions = {}): Promise<FindResult> {
  const absRoot = resolve(root)
  const errors: FindResult['errors'] = []
  const tsvRows = new Map<string, GtPlate[]>()
  const tsvPath = join(absRoot, 'plates.tsv')
  if (existsSync(tsvPath)) {
    try {
      for (const row of parsePlatesTsv(readFileSync(tsvPath, 'utf8'), tsvPath)) {
        const key = resolve(absRoot, row.image)
        const list = tsvRows.get(key) ?? []
        list.push(row.plate)
        tsvRows.set(key, list)
      }
    } catch (err) {
      errors.push({ path: tsvPath, error: err instanceof Error ? err.message : String(err) })
    }
  }
  const images: GtImage[] = []
  for (const image of await listImages(absRoot)) {
    try {
      const gt = await readLabelsFor(image, opts)
      const extra = tsvRows.get(image)
      if (!gt && !extra) continue
      const entry: GtImage = gt ?? { image, width: null, height: null, plates: [], sources: [] }
      if (extra) {
        mergeTsv(entry, extra)
        entry.sources.push(tsvPath)
      }
      images.push(entry)
    } catch (err) {
      errors.push({ path: image, error: err instanceof Error ? err.message : String(err) })
    }
  }
  return { images, errors }
}

function mergeTsv(entry: GtImage, rows: GtPlate[]): void {
  for (const row of rows) {
    let best = -1
    let bestIou = 0.5
    entry.plates.forEach((p, i) => {
      const v = iou(p.box, row.box)
      if (v >= bestIou && p.text == null && p.legibility == null) {
        best = i
        bestIou = v
      }
    })
    if (best >= 0) {
      entry.plates[best] = { ...entry.plates[best], text: row.text, ...(row.legibility ? { legibility: row.legibility } : {}) }
    } else entry.plates.push(row)
  }
}

/** Reads the first label file found for one image, or null when it has none. Throws naming the file. */
export async function readLabelsFor(image: string, opts: FindOptions = {}): Promise<GtImage | null> {
  for (const cand of labelCandidates(image)) {
    if (!existsSync(cand.file)) continue
    const text = readFileSync(cand.file, 'utf8')
    if (cand.kind === 'xml') {
      if (opts.format && opts.format !== 'voc') continue
      const voc = parseVocXml(text, cand.file)
      return { image, width: voc.width, height: voc.height, plates: voc.plates, sources: [cand.file] }
    }
    const yolo = opts.format === 'yolo' || (!opts.format && looksLikeYolo(text))
    if (yolo) {
      if (opts.format && opts.format !== 'yolo') continue
      const { width, height } = await imageSize(image)
      return { image, width, height, plates: parseYoloTxt(text, width, height, cand.file), sources: [cand.file] }
    }
    if (opts.format && opts.format !== 'openalpr') continue
    const rows = parseOpenAlprTxt(text, cand.file)
    return { image, width: null, height: null, plates: rows.map((r) => r.plate), sources: [cand.file] }
  }
  return null
}

/** Display path of an image relative to the evaluated root (forward slashes). */
export function relPath(root: string, file: string): string {
  return relative(resolve(root), file).split(sep).join('/')
}
