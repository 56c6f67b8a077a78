// Ground-truth import: a labelled image set (OpenALPR txt, YOLO txt, Pascal VOC xml, and the seed datasets'
// formats: CCPD names, UFPR-ALPR txt, crops named by text, fast-plate-ocr CSV) becomes reviewed
// plates in the library. Per image: the media row (sha256, size, upright size), its path, frame 0, and per
// label either
//   - a new plate, review_state 'confirmed' when the label has text, 'manual' when it is a box only, with a
//     history 'add' entry by 'import'; or
//   - when an unreviewed model plate already covers the box (IoU >= 0.5) and the label has text: that plate
//     takes the labelled box and text and becomes confirmed (text = model read) or corrected, with a
//     history 'confirm'/'correct' entry by 'import'.
// Labels matching an already reviewed plate are skipped, so importing the same set twice changes nothing.
// Corners (CCPD, UFPR/RodoSol) and a region (fast-plate-ocr) are stored with the plate when the set gives them.
// Each image is one transaction; a bad file is reported (file + cause) and the batch goes on.
import { stat } from 'node:fs/promises'
import { resolve } from 'node:path'
import type { Box, ReviewState } from '../../shared/types'
import type { Quad } from '../../shared/geometry'
import { findGroundTruth, imageSize, type GtImage } from '../eval/ground-truth'
import { SEED_FORMATS, findSeedLabels, type SeedFormat } from '../eval/seed-labels'
import { matchBoxes } from '../eval/metrics'
import { sha256File } from '../media/hash'
import type { Db } from './db'
import { writeTransaction } from './transactions'

export type LabelImportFormat = 'openalpr' | 'yolo' | 'voc' | SeedFormat
export const LABEL_IMPORT_FORMATS: LabelImportFormat[] = ['openalpr', 'yolo', 'voc', ...SEED_FORMATS]

export interface LabelImportOptions {
  format: LabelImportFormat
  /** the media rows' source folder; default: the imported path */
  folder?: string
  /** history / reviewed_by; default 'import' */
  by?: string
  onProgress?: (p: { done: number; total: number; file: string }) => void
}

export interface LabelImportResult {
  images: number
  mediaAdded: number
  platesAdded: number
  platesUpdated: number
  /** labels that matched an already reviewed plate, or a box-only label over an unreviewed plate */
  platesSkipped: number
  failures: { path: string; error: string }[]
}

function clip(b: Box, w: number, h: number): Box | null {
  const x1 = Math.max(0, Math.min(w, b.x1))
  const x2 = Math.max(0, Math.min(w, b.x2))
  const y1 = Math.max(0, Math.min(h, b.y1))
  const y2 = Math.max(0, Math.min(h, b.y2))
  return x2 - x1 > 0 && y2 - y1 > 0 ? { x1, y1, x2, y2 } : null
}

interface Prepared {
  gt: GtImage
  sha256: string
  size: number
  mtimeMs: number
  width: number
  height: number
}

export async function importGroundTruth(db: Db, path: string, opts: LabelImportOptions): Promise<LabelImportResult> {
  const root = resolve(path)
  const st = await stat(root).catch(() => null)
  if (!st) throw new Error(`${root}: no such file or folder`)
  const csvFile = opts.format === 'fast-plate-ocr' && st.isFile() && /\.csv$/i.test(root)
  if (!st.isDirectory() && !csvFile) throw new Error(`${root}: expected a folder of images with their label files`)
  const seed = (SEED_FORMATS as string[]).includes(opts.format)
  const found = seed
    ? await findSeedLabels(root, opts.format as SeedFormat)
    : await findGroundTruth(root, { format: opts.format as 'openalpr' | 'yolo' | 'voc' })
  const result: LabelImportResult = { images: 0, mediaAdded: 0, platesAdded: 0, platesUpdated: 0, platesSkipped: 0, failures: [...found.errors] }
  const folder = opts.folder ?? root
  const by = opts.by ?? 'import'
  const q = {
    media: db.prepare('SELECT id FROM media WHERE sha256 = ?'),
    insMedia: db.prepare(`INSERT INTO media (path, folder, sha256, kind, size, width, height, status)
      VALUES (?, ?, ?, 'image', ?, ?, ?, 'done') RETURNING id`),
    insPath: db.prepare('INSERT INTO media_paths (path, media_id, size, mtime_ms) VALUES (?, ?, ?, ?) ON CONFLICT (path) DO NOTHING'),
    frame: db.prepare('SELECT id, width, height FROM frames WHERE media_id = ? AND idx = 0'),
    insFrame: db.prepare('INSERT INTO frames (media_id, idx, time_s, width, height) VALUES (?, 0, NULL, ?, ?) RETURNING id'),
    plates: db.prepare(`SELECT id, x1, y1, x2, y2, text, model_text AS "modelText", review_state AS "reviewState",
      reviewed_at AS "reviewedAt", reviewed_by AS "reviewedBy" FROM plates WHERE frame_id = ? ORDER BY id`),
    insPlate: db.prepare(`INSERT INTO plates (media_id, frame_id, detection_id, track_id, x1, y1, x2, y2, text, model_text,
      confidence, region, review_state, reviewed_at, reviewed_by, updated_at, corners)
      VALUES (?, ?, NULL, NULL, ?, ?, ?, ?, ?, NULL, 1, ?, ?, ?, ?, ?, ?) RETURNING id`),
    updPlate: db.prepare(`UPDATE plates SET x1 = ?, y1 = ?, x2 = ?, y2 = ?, text = ?, review_state = ?, reviewed_at = ?,
      reviewed_by = ?, updated_at = ?, corners = COALESCE(?, corners), region = COALESCE(?, region) WHERE id = ?`),
    history: db.prepare('INSERT INTO history (plate_id, action, old_value, new_value, at, by) VALUES (?, ?, ?, ?, ?, ?)')
  }

  // runs inside writeTransaction below (one transaction per image)
  const commitTx = (p: Prepared): void => {
    const at = new Date().toISOString()
    let mediaId = (q.media.get(p.sha256) as { id: number } | undefined)?.id
    if (mediaId == null) {
      mediaId = (q.insMedia.get(p.gt.image, folder, p.sha256, p.size, p.width, p.height) as { id: number }).id
      result.mediaAdded++
    }
    q.insPath.run(p.gt.image, mediaId, p.size, Math.trunc(p.mtimeMs))
    let frame = q.frame.get(mediaId) as { id: number; width: number; height: number } | undefined
    if (!frame) {
      const id = (q.insFrame.get(mediaId, p.width, p.height) as { id: number }).id
      frame = { id, width: p.width, height: p.height }
    }
    // labels are in the image's pixels; scale if the library recorded the frame at another size
    const sx = frame.width / p.width
    const sy = frame.height / p.height
    type Label = { text: string | null; box: Box; corners: string | null; region: string | null }
    const labels = p.gt.plates
      .map((g) => ({
        text: g.text,
        box: clip({ x1: g.box.x1 * sx, y1: g.box.y1 * sy, x2: g.box.x2 * sx, y2: g.box.y2 * sy }, frame!.width, frame!.height),
        corners: g.corners ? JSON.stringify(g.corners.map(([x, y]) => [x * sx, y * sy]) as Quad) : null,
        region: g.region ?? null
      }))
      .filter((l): l is Label => l.box != null)
    type Existing = { id: number; x1: number; y1: number; x2: number; y2: number; text: string; modelText: string | null; reviewState: ReviewState; reviewedAt: string | null; reviewedBy: string | null }
    const existing = (q.plates.all(frame.id) as Existing[]).filter((e) => e.reviewState !== 'rejected')
    const m = matchBoxes(
      labels.map((l) => l.box),
      existing.map((e) => ({ x1: e.x1, y1: e.y1, x2: e.x2, y2: e.y2 }))
    )
    for (const { gt, pred } of m.matches) {
      const l = labels[gt]
      const e = existing[pred]
      if (e.reviewState !== 'unreviewed' || !l.text) {
        result.platesSkipped++
        continue
      }
      const state: ReviewState = e.modelText != null && e.modelText === l.text ? 'confirmed' : 'corrected'
      q.updPlate.run(l.box.x1, l.box.y1, l.box.x2, l.box.y2, l.text, state, at, by, at, l.corners, l.region, e.id)
      q.history.run(
        e.id,
        state === 'confirmed' ? 'confirm' : 'correct',
        JSON.stringify({ text: e.text, reviewState: e.reviewState, reviewedAt: e.reviewedAt, reviewedBy: e.reviewedBy, box: { x1: e.x1, y1: e.y1, x2: e.x2, y2: e.y2 } }),
        JSON.stringify({ text: l.text, reviewState: state, reviewedAt: at, reviewedBy: by, box: l.box }),
        at,
        by
      )
      result.platesUpdated++
    }
    for (const gi of m.unmatchedGt) {
      const l = labels[gi]
      const state: ReviewState = l.text ? 'confirmed' : 'manual'
      const text = l.text ?? ''
      const id = (q.insPlate.get(mediaId, frame.id, l.box.x1, l.box.y1, l.box.x2, l.box.y2, text, l.region, state, at, by, at, l.corners) as { id: number }).id
      q.history.run(id, 'add', null, JSON.stringify({ text, reviewState: state, reviewedAt: at, reviewedBy: by, box: l.box }), at, by)
      result.platesAdded++
    }
  }

  let done = 0
  for (const gt of found.images) {
    try {
      const s = await stat(gt.image)
      const [sha256, dims] = await Promise.all([sha256File(gt.image), imageSize(gt.image)])
      writeTransaction(db, () => commitTx({ gt, sha256, size: s.size, mtimeMs: s.mtimeMs, width: dims.width, height: dims.height }))
      result.images++
    } catch (err) {
      result.failures.push({ path: gt.image, error: err instanceof Error ? err.message : String(err) })
    }
    opts.onProgress?.({ done: ++done, total: found.images.length, file: gt.image })
  }
  return result
}
