// Training-data and report exports. One entry point: runExport(db, options, { onProgress, signal }).
import type { ExportOptions } from '../../shared/types'
import type { Db } from '../db/training-reader'
import { exportCoco } from './coco'
import { ExportDir, type ExportHooks, type ExportResult } from './common'
import { exportOcr } from './ocr'
import { exportReport } from './report'
import { exportVoc } from './voc'
import { exportYolo } from './yolo'

export type { ExportHooks, ExportResult, ExportFailure } from './common'
export { ExportCancelled, checkOutDir, splitOf, EXPORT_MANIFEST } from './common'

/**
 * Runs one export into its folder. What it wrote is recorded in the folder's manifest even when it fails
 * or is cancelled, so a later overwrite replaces exactly those files and nothing of the user's.
 */
export async function runExport(db: Db, opts: ExportOptions, hooks: ExportHooks = {}): Promise<ExportResult> {
  const target = await ExportDir.open(opts.outDir, opts.overwrite, opts.format)
  let result: ExportResult
  try {
    result = await exportInto(db, { ...opts, outDir: target.dir }, target, hooks)
  } catch (err) {
    await target.commit().catch(() => undefined) // the export's own error is the one to report
    throw err
  }
  await target.commit()
  return result
}

function exportInto(db: Db, opts: ExportOptions, target: ExportDir, hooks: ExportHooks): Promise<ExportResult> {
  switch (opts.format) {
    case 'yolo':
      return exportYolo(db, opts, target, hooks)
    case 'coco':
      return exportCoco(db, opts, target, hooks)
    case 'voc':
      return exportVoc(db, opts, target, hooks)
    case 'ocr':
    case 'paddleocr':
      return exportOcr(db, opts, target, hooks)
    case 'csv':
    case 'json':
      return exportReport(db, opts, target, hooks)
    default:
      throw new Error(`unknown export format ${JSON.stringify((opts as { format: unknown }).format)} (yolo, coco, voc, ocr, paddleocr, csv, json)`)
  }
}
