import type { Command } from 'commander'
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { exportOptionsSchema } from '../../../shared/api'
import type { ExportOptions } from '../../../shared/types'
import { openLibrary } from '../../db/index'
import { DB_OPTION_HELP, isServerUrl, libraryTarget } from '../db-arg'
import { runExport } from '../../export/index'
import { leftOutText } from '../../../shared/export-summary'

interface ExportCliOptions {
  db: string
  format: string
  out: string
  includeUnreviewed?: string
  videoFrames?: string
  overwrite?: boolean
  cropPadding?: string
  cropSize?: string
  split?: string
  json?: boolean
  yoloLabels?: string
}

/** CLI flags → ExportOptions (validated by the same zod schema as the API). Throws with the bad flag named. */
export function exportOptionsFromCli(o: ExportCliOptions): ExportOptions {
  const num = (flag: string, v: string): number => {
    const n = Number(v)
    if (!Number.isFinite(n)) throw new Error(`${flag}: "${v}" is not a number`)
    return n
  }
  const raw: Record<string, unknown> = { format: o.format, outDir: resolve(o.out) }
  if (o.includeUnreviewed != null) raw.includeUnreviewedAbove = num('--include-unreviewed', o.includeUnreviewed)
  if (o.videoFrames != null) {
    if (o.videoFrames === 'best') raw.videoFrames = 'best'
    else {
      const n = /^\d+$/.test(o.videoFrames.trim()) ? Number(o.videoFrames) : NaN
      if (!Number.isInteger(n) || n < 1) throw new Error(`--video-frames: expected "best" or a whole number N >= 1 (every Nth frame), got "${o.videoFrames}"`)
      raw.videoFrames = { everyNth: n }
    }
  }
  if (o.cropPadding != null) raw.cropPadding = num('--crop-padding', o.cropPadding)
  if (o.cropSize != null) {
    const m = /^(\d+)x(\d+)$/i.exec(o.cropSize.trim())
    if (!m) throw new Error(`--crop-size: expected WxH such as 128x64, got "${o.cropSize}"`)
    raw.cropWidth = Number(m[1])
    raw.cropHeight = Number(m[2])
  }
  if (o.split != null) {
    const parts = o.split.split(/[,:/]/).map((s) => num('--split', s))
    if (parts.length !== 3) throw new Error(`--split: expected three ratios train,val,test such as 0.8,0.1,0.1, got "${o.split}"`)
    raw.split = parts
  }
  if (o.overwrite) raw.overwrite = true
  if (o.yoloLabels != null) raw.yoloLabels = o.yoloLabels
  const parsed = exportOptionsSchema.safeParse(raw)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new Error(`invalid export option ${issue.path.join('.') || ''}: ${issue.message}`)
  }
  return parsed.data as ExportOptions
}

export function registerExport(program: Command): void {
  program
    .command('export')
    .description('export reviewed plates as training data (YOLO, COCO, VOC, OCR crops) or a report (CSV, OpenALPR JSON)')
    .requiredOption('--db <file>', DB_OPTION_HELP)
    .requiredOption('--format <format>', 'yolo | coco | voc | ocr | paddleocr | csv | json')
    .requiredOption('--out <dir>', 'output folder (must be empty unless --overwrite)')
    .option('--include-unreviewed <t>', 'also export unreviewed plates with confidence >= t (0..1)')
    .option('--video-frames <mode>', 'video tracks: "best" frame (default) or every Nth frame of the track')
    .option('--crop-padding <p>', 'OCR crops: padding around the box, as a fraction of its size (default 0.05)')
    .option('--crop-size <WxH>', 'OCR crops: resize to this size (e.g. 128x64)')
    .option('--split <r>', 'train,val,test ratios (default 0.8,0.1,0.1)')
    .option('--overwrite', 'write into a non-empty folder: replaces only the files a previous PlateDesk export of this format wrote (listed in .platedesk-export.json), never anything else')
    .option('--json', 'print the result as JSON')
    .option('--yolo-labels <kind>', 'YOLO: box (default) | pose (box + 4 corner keypoints) | obb (4 corners)')
    .action(async (o: ExportCliOptions) => {
      let opts: ExportOptions
      try {
        opts = exportOptionsFromCli(o)
      } catch (err) {
        process.stderr.write(`platedesk export: ${(err as Error).message}\n`)
        process.exitCode = 2
        return
      }
      const dbFile = libraryTarget(o.db)
      if (!isServerUrl(dbFile) && !existsSync(dbFile)) {
        process.stderr.write(`platedesk export: library ${dbFile} not found\n`)
        process.exitCode = 2
        return
      }
      const lib = openLibrary(dbFile, { readonly: true })
      if (lib.damage) process.stderr.write(`platedesk export: warning: ${lib.damage}\n`)
      const tty = process.stderr.isTTY
      let lastPct = -1
      try {
        const result = await runExport(lib.db, opts, {
          onProgress: ({ done, total }) => {
            const pct = total ? Math.floor((done / total) * 100) : 100
            if (pct === lastPct || (!tty && pct % 10 !== 0 && done !== total)) return
            lastPct = pct
            process.stderr.write(`${tty ? '\r' : ''}export ${opts.format}: ${done}/${total} plates (${pct}%)${tty ? '' : '\n'}`)
          }
        })
        if (tty) process.stderr.write('\n')
        for (const f of result.failures) process.stderr.write(`failed: ${f.error}\n`)
        if (o.json) process.stdout.write(JSON.stringify(result, null, 2) + '\n')
        else {
          process.stdout.write(
            `exported ${result.labels} ${result.format === 'csv' || result.format === 'json' ? 'plates' : 'labels'}` +
              (result.images ? ` in ${result.images} ${opts.format === 'ocr' || opts.format === 'paddleocr' ? 'crops' : 'images'}` : '') +
              ` (${result.total} selected plates) to ${result.outDir}` +
              (result.failures.length ? `; ${result.failures.length} file(s) failed` : '') +
              '\n'
          )
          const left = leftOutText(result.leftOut)
          if (left) process.stdout.write(left + '\n')
        }
        if (result.failures.length) process.exitCode = 1
      } catch (err) {
        if (tty) process.stderr.write('\n')
        process.stderr.write(`platedesk export: ${(err as Error).message}\n`)
        process.exitCode = 1
      } finally {
        lib.close()
      }
    })
}
