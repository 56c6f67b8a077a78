// Plate reports: plates.csv (one row per plate / video track) and plates.json in OpenALPR's shape (one
// entry per image or video frame with `results[]`: plate, confidence 0..100, coordinates, candidates,
// region), extended with the review state and the source. Streamed row by row.
import { join } from 'node:path'
import type { Candidate, ExportOptions, OpenAlprImage, OpenAlprResult } from '../../shared/types'
import { countSelectedPlates, iterateReportRows, type Db, type ReportRow } from '../db/training-reader'
import { TextWriter, checkAbort, type ExportDir, type ExportHooks, type ExportResult } from './common'


export const CSV_COLUMNS = [
  'plate_id',
  'text',
  'model_text',
  'confidence',
  'region',
  'review_state',
  'reviewed_at',
  'reviewed_by',
  'source',
  'media_path',
  'media_kind',
  'frame_idx',
  'time_s',
  'track_id',
  'x1',
  'y1',
  'x2',
  'y2',
  'frame_width',
  'frame_height',
  'captured_at'
] as const

function csvField(v: unknown): string {
  if (v == null) return ''
  const s = typeof v === 'number' ? String(Number(v.toFixed(4))) : String(v)
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

export function csvRow(r: ReportRow): string {
  const values: Record<(typeof CSV_COLUMNS)[number], unknown> = {
    plate_id: r.plateId,
    text: r.text,
    model_text: r.modelText,
    confidence: r.confidence,
    region: r.region,
    review_state: r.reviewState,
    reviewed_at: r.reviewedAt,
    reviewed_by: r.reviewedBy,
    source: r.folder,
    media_path: r.mediaPath,
    media_kind: r.kind,
    frame_idx: r.frameIdx,
    time_s: r.timeS,
    track_id: r.trackId,
    x1: r.x1,
    y1: r.y1,
    x2: r.x2,
    y2: r.y2,
    frame_width: r.frameWidth,
    frame_height: r.frameHeight,
    captured_at: r.capturedAt
  }
  return CSV_COLUMNS.map((c) => csvField(values[c])).join(',') + '\n'
}

function parseCandidates(json: string | null): Candidate[] {
  if (!json) return []
  try {
    const v = JSON.parse(json) as unknown
    return Array.isArray(v) ? (v as Candidate[]).filter((c) => c && typeof c.plate === 'string') : []
  } catch {
    return []
  }
}

export type ReportResult = OpenAlprResult & {
  plate_id: number
  review_state: string
  model_plate: string | null
  track_id: number | null
}

export type ReportImage = OpenAlprImage & { media_id: number; frame_idx: number; time_s: number | null; source: string; results: ReportResult[] }

export function openAlprResult(r: ReportRow): ReportResult {
  const x1 = Math.round(r.x1)
  const y1 = Math.round(r.y1)
  const x2 = Math.round(r.x2)
  const y2 = Math.round(r.y2)
  const conf = Math.round(r.confidence * 100 * 1000) / 1000
  const candidates = parseCandidates(r.candidates).map((c) => ({ plate: c.plate, confidence: Math.round(c.confidence * 100 * 1000) / 1000 }))
  // the reviewed text leads the candidates, as the answer a human settled on
  if (!candidates.some((c) => c.plate === r.text)) candidates.unshift({ plate: r.text, confidence: conf })
  return {
    plate: r.text,
    confidence: conf,
    coordinates: [
      { x: x1, y: y1 },
      { x: x2, y: y1 },
      { x: x2, y: y2 },
      { x: x1, y: y2 }
    ],
    candidates,
    region: r.region,
    region_confidence: r.regionConfidence == null ? null : Math.round(r.regionConfidence * 100 * 1000) / 1000,
    plate_id: r.plateId,
    review_state: r.reviewState,
    model_plate: r.modelText,
    track_id: r.trackId
  }
}

export async function exportReport(db: Db, opts: ExportOptions, target: ExportDir, hooks: ExportHooks = {}): Promise<ExportResult> {
  const json = opts.format === 'json'
  const out = target.dir
  const name = json ? 'plates.json' : 'plates.csv'
  const total = countSelectedPlates(db, opts)
  const w = new TextWriter(target.claim(join(out, name)))
  const result: ExportResult = { format: opts.format, outDir: out, images: 0, labels: 0, total, failures: [], files: [name] }
  let done = 0
  hooks.onProgress?.({ done, total })
  const every = Math.max(1, Math.floor(total / 200))
  try {
    if (!json) {
      await w.write(CSV_COLUMNS.join(',') + '\n')
      for (const r of iterateReportRows(db, opts)) {
        if (done % 1000 === 0) checkAbort(hooks.signal)
        await w.write(csvRow(r))
        result.labels++
        if (++done % every === 0) hooks.onProgress?.({ done, total })
      }
    } else {
      await w.write('[\n')
      let cur: ReportImage | null = null
      let first = true
      const flush = async (): Promise<void> => {
        if (!cur) return
        await w.write((first ? '' : ',\n') + JSON.stringify(cur))
        first = false
        result.images++
      }
      for (const r of iterateReportRows(db, opts)) {
        if (done % 1000 === 0) checkAbort(hooks.signal)
        if (!cur || cur.media_id !== r.mediaId || cur.frame_idx !== r.frameIdx) {
          await flush()
          cur = {
            file: r.mediaPath,
            img_width: r.frameWidth,
            img_height: r.frameHeight,
            processing_time_ms: 0,
            media_id: r.mediaId,
            frame_idx: r.frameIdx,
            time_s: r.timeS,
            source: r.folder,
            results: []
          }
        }
        cur.results.push(openAlprResult(r))
        result.labels++
        if (++done % every === 0) hooks.onProgress?.({ done, total })
      }
      await flush()
      await w.write('\n]\n')
    }
  } finally {
    await w.close()
  }
  hooks.onProgress?.({ done: total, total })
  return result
}
