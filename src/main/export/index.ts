// Training-data and report exports. One entry point: runExport(db, options, { onProgress, signal }).
import type { ExportOptions } from '../../shared/types'
import type { Db } from '../db/training-reader'
import { exportCoco } from './coco'
import type { ExportHooks, ExportResult } from './common'
import { exportOcr } from './ocr'
import { exportReport } from './report'
import { exportVoc } from './voc'
import { exportYolo } from './yolo'

export type { ExportHooks, ExportResult, ExportFailure } from './common'
export { ExportCancelled, prepareOutDir, splitOf } from './common'

export async function runExport(db: Db, opts: ExportOptions, hooks: ExportHooks = {}): Promise<ExportResult> {
  switch (opts.format) {
    case 'yolo':
      return exportYolo(db, opts, hooks)
    case 'coco':
      return exportCoco(db, opts, hooks)
    case 'voc':
      return exportVoc(db, opts, hooks)
    case 'ocr':
    case 'paddleocr':
      return exportOcr(db, opts, hooks)
    case 'csv':
    case 'json':
      return exportReport(db, opts, hooks)
    default:
      throw new Error(`unknown export format ${JSON.stringify((opts as { format: unknown }).format)} (yolo, coco, voc, ocr, paddleocr, csv, json)`)
  }
}
