// OCR training data: one crop per plate (per exported frame for video tracks) with padding and an optional
// fixed size, plus the label lists the OCR trainers read unchanged:
//   format 'ocr'       → fast-plate-ocr CSV `image_path,plate_text[,plate_region]`: labels.csv (all) and
//                        train.csv / val.csv / test.csv (source split)
//   format 'paddleocr' → PaddleOCR recognition list `path<TAB>text`: rec_gt.txt (all) and
//                        rec_gt_train.txt / rec_gt_val.txt / rec_gt_test.txt, and its character
//                        dictionary dict.txt (every character of the texts, one per line: the
//                        character_dict_path a PaddleOCR recognizer trains with; plates may be Chinese)
// All files are UTF-8 without a BOM (what both trainers read).
// Paths in the lists are relative to the list file (crops/p<plateId>_f<frameIdx>.jpg). Plates without
// text (illegible ones) are skipped: OCR data only ever holds read text.
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import sharp from 'sharp'
import type { Box, ExportOptions } from '../../shared/types'
import { singleLine } from '../../shared/plate-text'
import { anySelectedRegion, countSelectedPlates, iterateExportFrames, type Db, type ExportLabel } from '../db/training-reader'
import {
  SPLITS,
  FrameSource,
  TextWriter,
  EXPORT_CONCURRENCY,
  checkAbort,
  forEachConcurrent,
  errorMessage,
  isConflict,
  type ExportDir,
  exportedSources,
  planSplits,
  type ExportHooks,
  type ExportResult,
  type Split
} from './common'

export const DEFAULT_CROP_PADDING = 0.05

/** The crop rectangle: the box grown by `padding` × its size on each side, rounded outward, clipped. */
export function cropRect(box: Box, padding: number, width: number, height: number): { left: number; top: number; width: number; height: number } | null {
  const w = box.x2 - box.x1
  const h = box.y2 - box.y1
  const left = Math.max(0, Math.floor(box.x1 - padding * w))
  const top = Math.max(0, Math.floor(box.y1 - padding * h))
  const right = Math.min(width, Math.ceil(box.x2 + padding * w))
  const bottom = Math.min(height, Math.ceil(box.y2 + padding * h))
  if (right - left < 1 || bottom - top < 1) return null
  return { left, top, width: right - left, height: bottom - top }
}

/** the labels of a frame that become crops: chosen for this frame, with text, not illegible */
function ocrLabels(labels: ExportLabel[]): ExportLabel[] {
  return labels.filter((l) => l.primary && l.text.length > 0 && l.reviewState !== 'illegible')
}

function csvField(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

export async function exportOcr(db: Db, opts: ExportOptions, target: ExportDir, hooks: ExportHooks = {}): Promise<ExportResult> {
  const paddle = opts.format === 'paddleocr'
  const out = target.dir
  await target.mkdir('crops')
  const total = countSelectedPlates(db, opts)
  const withRegion =
    !paddle &&
    anySelectedRegion(db, opts)
  const allName = paddle ? 'rec_gt.txt' : 'labels.csv'
  const splitName = (s: Split): string => (paddle ? `rec_gt_${s}.txt` : `${s}.csv`)
  const all = new TextWriter(target.claim(join(out, allName)))
  const lists = Object.fromEntries(SPLITS.map((s) => [s, new TextWriter(target.claim(join(out, splitName(s))))])) as Record<Split, TextWriter>
  const header = withRegion ? 'image_path,plate_text,plate_region\n' : 'image_path,plate_text\n'
  if (!paddle) {
    await all.write(header)
    for (const w of Object.values(lists)) await w.write(header)
  }
  const result: ExportResult = {
    format: opts.format,
    outDir: out,
    images: 0,
    labels: 0,
    total,
    failures: [],
    files: [allName, ...SPLITS.map(splitName), ...(paddle ? ['dict.txt'] : [])]
  }
  /** PaddleOCR's dictionary: every character (code point) of the exported texts */
  const chars = new Set<string>()
  const padding = opts.cropPadding ?? DEFAULT_CROP_PADDING
  const splitFor = planSplits(exportedSources(db, opts, (f) => ocrLabels(f.labels).length > 0), opts.split)
  const source = new FrameSource(db)
  let done = 0
  hooks.onProgress?.({ done, total })
  try {
    await forEachConcurrent(iterateExportFrames(db, opts), EXPORT_CONCURRENCY, async (frame) => {
      checkAbort(hooks.signal)
      // a crop per plate per frame chosen for it (best frame, or each Nth frame of its track); plates that
      // merely also appear on another plate's frame are not cropped again
      const labels = ocrLabels(frame.labels)
      if (labels.length > 0) {
        try {
          const px = await source.decode(frame)
          // boxes are in frame pixels; the decoded raster should match, scale if it does not
          const sx = px.width / frame.width
          const sy = px.height / frame.height
          const split = splitFor(frame.sha256)
          for (const l of labels) {
            const box = { x1: l.box.x1 * sx, y1: l.box.y1 * sy, x2: l.box.x2 * sx, y2: l.box.y2 * sy }
            const rect = cropRect(box, padding, px.width, px.height)
            if (!rect) continue
            const rel = `crops/p${l.plateId}_f${frame.frameIdx}.jpg`
            let img = sharp(px.data, { raw: { width: px.width, height: px.height, channels: 3 } }).extract(rect)
            if (opts.cropWidth || opts.cropHeight) {
              img = img.resize({ width: opts.cropWidth, height: opts.cropHeight, fit: opts.cropWidth && opts.cropHeight ? 'fill' : 'inside' })
            }
            await img.jpeg({ quality: 95 }).toFile(target.claim(join(out, rel)))
            // the OCR list formats are one line per crop: a two-row plate is written top row first
            const text = singleLine(l.text)
            const line = paddle
              ? `${rel}\t${text}\n`
              : [rel, text, ...(withRegion ? [l.region ?? ''] : [])].map(csvField).join(',') + '\n'
            for (const ch of text) chars.add(ch)
            await all.write(line)
            await lists[split].write(line)
            result.images++
            result.labels++
          }
        } catch (err) {
          if (isConflict(err)) throw err // a user's file in the way stops the export
          result.failures.push({ path: frame.mediaPath, error: errorMessage(err) })
        }
      }
      done += frame.platesDone
      hooks.onProgress?.({ done, total })
    })
  } finally {
    await all.close()
    for (const w of Object.values(lists)) await w.close()
  }
  if (paddle) {
    const sorted = [...chars].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!)
    await writeFile(target.claim(join(out, 'dict.txt')), sorted.map((c) => `${c}\n`).join(''), 'utf8')
  }
  hooks.onProgress?.({ done: total, total })
  return result
}
