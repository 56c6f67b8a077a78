// platedesk recognize: OpenALPR-compatible output for image files and folders. One bad file gives an
// {file, error} object and a stderr line; the batch goes on and the exit code is 1 at the end.
// --crops: every image is a plate crop (OCR datasets): no detection, one result per crop, its box the
// whole image; with --accuracy the file names are the plate texts and the accuracy goes to stderr.
import type { Command } from 'commander'
import type { ExecutionProvider, OpenAlprImage } from '../../../shared/types'
import { basename, extname } from 'node:path'
import { listImageFiles } from '../../media/images'
import { TextStats } from '../../eval/metrics'
import { exiting } from '../../engine/exit'

interface RecognizeOptions {
  format: string
  n: string
  threshold?: string
  workers?: string
  provider?: string
  recognizer?: string
  detector?: string
  modelsDir?: string
  crops?: boolean
  accuracy?: boolean
  country?: string
}

/** A crop's ground truth when its file name is the plate text: the name without its extension, NFC. */
export function plateTextFromName(file: string): string {
  return basename(file, extname(file)).normalize('NFC')
}

const CSV_HEADER = 'file,plate,confidence,region,region_confidence,x1,y1,x2,y2,img_width,img_height,processing_time_ms,error'

function csvField(v: unknown): string {
  const s = v === null || v === undefined ? '' : String(v)
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

/** One output object: a recognised image, or {file, error} for a file that failed. */
export type RecognizeRow = OpenAlprImage | { file: string; error: string }

export function toCsvRows(o: RecognizeRow): string[] {
  if ('error' in o && o.error) return [[o.file, '', '', '', '', '', '', '', '', '', '', '', o.error].map(csvField).join(',')]
  const img = o as OpenAlprImage
  return img.results.map((r) => {
    const c = r.coordinates
    return [
      o.file,
      r.plate,
      r.confidence,
      r.region,
      r.region_confidence,
      c[0]!.x,
      c[0]!.y,
      c[2]!.x,
      c[2]!.y,
      img.img_width,
      img.img_height,
      img.processing_time_ms,
      ''
    ]
      .map(csvField)
      .join(',')
  })
}

function parseNumber(name: string, v: string | undefined, min: number, max: number): number | undefined {
  if (v === undefined) return undefined
  const n = Number(v)
  if (!Number.isFinite(n) || n < min || n > max) throw new Error(`${name} must be a number from ${min} to ${max}, got "${v}"`)
  return n
}

export function registerRecognize(program: Command): void {
  program
    .command('recognize')
    .description('read the plates in image files and folders (recursive); prints OpenALPR-compatible JSON')
    .argument('<paths...>', 'image files and/or folders')
    .option('-f, --format <format>', 'json (an array) | jsonl (one object per line) | csv (one row per plate)', 'json')
    .option('-n, --n <N>', 'candidates per plate (OpenALPR -n)', '10')
    .option('-t, --threshold <T>', 'detector score threshold, 0..1 (default 0.4)')
    .option('-w, --workers <W>', 'worker threads (default: CPU count)')
    .option('--provider <P>', 'execution provider: cpu | cuda | dml | coreml (falls back to cpu)')
    .option('--recognizer <ID>', "OCR model id, or 'a+b' for the ensemble (default: v2+v1)")
    .option('--detector <ID>', 'plate detector model id (default: the manifest default; `platedesk models` lists them)')
    .option('--models-dir <DIR>', 'folder with the model files (default: ALPR_MODELS_DIR, then the user-data dir)')
    .option('--crops', 'every image is a plate crop: no detection, one result per image, its box the whole image')
    .option('--accuracy', 'with --crops: file names are the plate texts; print exact-plate and character accuracy to stderr')
    .option('--country <name>', "apply the country rules (rules/): 'auto' = the region head's country only, or a rule's country as the default (e.g. Romania)")
    .action(async (paths: string[], o: RecognizeOptions) => {
      if (o.accuracy && !o.crops) {
        process.stderr.write('platedesk recognize: --accuracy needs --crops (the file name of a crop is its plate text)\n')
        process.exitCode = 2
        return
      }
      const format = o.format.toLowerCase()
      if (!['json', 'jsonl', 'csv'].includes(format)) {
        process.stderr.write(`platedesk recognize: unknown --format "${o.format}" (json, jsonl or csv)\n`)
        process.exitCode = 2
        return
      }
      let topN: number, threshold: number | undefined, workers: number | undefined
      try {
        topN = parseNumber('-n', o.n, 0, 100)!
        threshold = parseNumber('--threshold', o.threshold, 0, 1)
        workers = parseNumber('--workers', o.workers, 1, 256)
      } catch (err) {
        process.stderr.write(`platedesk recognize: ${(err as Error).message}\n`)
        process.exitCode = 2
        return
      }
      const { createRulesStore } = await import('../../services/rules')
      let countryRules
      if (o.country) {
        const rules = createRulesStore()
        const known = rules.list({ disabledRules: [] })
        if (o.country !== 'auto' && !known.some((r) => r.country === o.country || r.id === o.country)) {
          process.stderr.write(`platedesk recognize: --country: no rule file for "${o.country}" (auto, or one of: ${known.map((r) => r.country).join(', ')})\n`)
          process.exitCode = 2
          return
        }
        countryRules = rules.engineOptions({ countryRules: true, disabledRules: [], defaultCountry: o.country === 'auto' ? '' : o.country })
      }
      const { createEngine, defaultWorkers, toOpenAlpr } = await import('../../engine/index')
      const list = await listImageFiles(paths)
      let engine
      try {
        engine = await createEngine({
          modelsDir: o.modelsDir,
          workers: workers ?? Math.min(list.files.length || 1, defaultWorkers()),
          topN,
          detectionThreshold: threshold,
          provider: o.provider as ExecutionProvider | undefined,
          recognizerId: o.recognizer,
          countryRules,
          detectorId: o.detector,
          // crops need no detector (nor its model file)
          ...(o.crops ? { detector: false } : {})
        })
      } catch (err) {
        process.stderr.write(`platedesk recognize: ${(err as Error).message}\n`)
        process.exitCode = 1
        return
      }
      const out = process.stdout
      const score = new TextStats()
      let failed = 0
      let first = true
      const emit = (obj: RecognizeRow): void => {
        // the reader went away (`| head`, bin/platedesk.js): the engine is closing, the rest is unread
        if (exiting()) return
        if ('error' in obj && obj.error) {
          failed++
          process.stderr.write(`platedesk recognize: ${obj.error}\n`)
        }
        if (format === 'jsonl') out.write(JSON.stringify(obj) + '\n')
        else if (format === 'json') {
          out.write((first ? '[\n' : ',\n') + JSON.stringify(obj))
        } else {
          if (first) out.write(CSV_HEADER + '\n')
          for (const row of toCsvRows(obj)) out.write(row + '\n')
        }
        first = false
      }
      try {
        for (const e of list.errors) emit({ file: e.file, error: e.error })
        // everything is queued at once (the pool keeps every worker busy); output keeps the input order
        const pending = list.files.map((f) =>
          engine.recognizeFile(f, o.crops ? { crop: true } : undefined).then(
            (r): RecognizeRow => {
              if (o.accuracy) score.add(plateTextFromName(f), r.plates[0]?.read?.text ?? '')
              return toOpenAlpr(f, r)
            },
            (err: Error): RecognizeRow => ({ file: f, error: err.message.startsWith(f) ? err.message : `${f}: ${err.message}` })
          )
        )
        for (const p of pending) emit(await p)
        if (format === 'json') out.write(first ? '[]\n' : '\n]\n')
        else if (format === 'csv' && first) out.write(CSV_HEADER + '\n')
        if (o.accuracy && score.count) {
          process.stderr.write(
            `exact-plate accuracy: ${score.exact}/${score.count} = ${(score.exactAccuracy * 100).toFixed(1)}%, ` +
              `character accuracy ${(score.charAccuracy * 100).toFixed(1)}% (file name = plate text)\n`
          )
        }
        if (list.files.length === 0 && list.errors.length === 0) {
          process.stderr.write('platedesk recognize: no image files found\n')
        }
      } finally {
        await engine.close()
      }
      if (failed && !exiting()) {
        process.stderr.write(`platedesk recognize: ${failed} of ${list.files.length + list.errors.length} failed\n`)
        process.exitCode = 1
      }
    })
}
