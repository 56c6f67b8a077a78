import type { Command } from 'commander'
import { existsSync, statSync } from 'node:fs'
import { resolve } from 'node:path'
import type { EvalReport } from '../../../shared/types'
import { openLibrary } from '../../db/index'
import { DB_OPTION_HELP, isServerUrl, libraryTarget, redactUrl } from '../db-arg'
import type { Engine, EngineOptions } from '../../engine/types'
import { evaluateDataset, formatDatasetReport } from '../../eval/dataset'
import { findGroundTruth } from '../../eval/ground-truth'
import { SEED_FORMATS, findSeedLabels, type SeedFormat } from '../../eval/seed-labels'
import { evaluateLibrary } from '../../eval/library'

interface EvalCliOptions {
  db?: string
  recognizer?: string
  workers?: string
  json?: boolean
  iou?: string
  format?: string
  rules?: boolean
  country?: string
}

/** The engine factory, loaded lazily so `eval --db` never loads ONNX. */
async function loadEngine(opts: EngineOptions): Promise<Engine> {
  const mod = (await import('../../engine/index')) as { createEngine(o: EngineOptions): Promise<Engine> }
  return mod.createEngine(opts)
}

const f3 = (v: number): string => v.toFixed(3)

export function formatLibraryReport(file: string, r: EvalReport): string {
  const d = r.detection
  const lines = [
    `eval ${file}: ${r.plates} reviewed plates with a model read`,
    `detection  precision ${f3(d.precision)}  recall ${f3(d.recall)}  (TP ${d.truePositives}, FP ${d.falsePositives} incl. rejected, FN ${d.falseNegatives} incl. hand-drawn) at IoU 0.5`,
    `text       exact ${f3(r.exactAccuracy)}  char ${f3(r.charAccuracy)}`
  ]
  if (r.confusion.length) lines.push(`confusions ${r.confusion.slice(0, 12).map((c) => `${c.truth || '∅'}→${c.read || '∅'}×${c.count}`).join('  ')}`)
  if (r.byRegion.length) lines.push(`by region  ${r.byRegion.map((g) => `${g.key}: ${f3(g.exactAccuracy)} (${g.plates})`).join('  ')}`)
  for (const g of r.bySource) lines.push(`by source  ${g.key}: exact ${f3(g.exactAccuracy)} over ${g.plates}`)
  return lines.join('\n')
}

/** `eval --db FILE --recognizer A,B`: each recogniser reads every reviewed plate's crop; exit 1 on failures. */
async function compareCli(file: string, o: EvalCliOptions): Promise<number> {
  const { compareRecognizers, formatComparison, recognizerList } = await import('../../eval/compare')
  let ids: string[]
  try {
    ids = recognizerList(o.recognizer!)
  } catch (err) {
    process.stderr.write(`platedesk eval: ${(err as Error).message}\n`)
    return 2
  }
  const workers = o.workers != null ? Number(o.workers) : undefined
  if (workers != null && !(Number.isInteger(workers) && workers >= 1)) {
    process.stderr.write(`platedesk eval: --workers must be a whole number >= 1, got "${o.workers}"\n`)
    return 2
  }
  const lib = openLibrary(file, { readonly: true })
  let engine: Engine | null = null
  try {
    // a crop engine (no detector), each model's sessions opened on its first plate
    engine = await loadEngine({ detector: false, recognizerId: ids[0], workers })
    const tty = process.stderr.isTTY
    const report = await compareRecognizers(lib.db, engine, {
      recognizers: ids,
      concurrency: 2 * Math.max(1, engine.status().workers || 1),
      onProgress: (done, total) => {
        if (tty) process.stderr.write(`\reval: ${done}/${total} frames`)
      }
    })
    if (tty) process.stderr.write('\n')
    process.stdout.write((o.json ? JSON.stringify(report, null, 2) : formatComparison(redactUrl(file), report)) + '\n')
    return report.failures.length ? 1 : 0
  } catch (err) {
    process.stderr.write(`platedesk eval: ${(err as Error).message}\n`)
    return 1
  } finally {
    await engine?.close()
    lib.close()
  }
}

export function registerEval(program: Command): void {
  program
    .command('eval')
    .description('score the models: on a labelled folder (DIR) or against the review of a library (--db)')
    .argument('[dir]', 'folder of images with ground truth (X.txt, X.xml, annotations/X.xml, labels/X.txt, plates.tsv)')
    .option('--db <file>', `evaluate the model reads of a library against its reviewed plates (${DB_OPTION_HELP})`)
    .option('--recognizer <ids>', "with --db: compare recognisers (comma-separated ids, 'a+b' = a chain) on the reviewed plates' crops")
    .option('--workers <n>', 'engine worker threads')
    .option('--iou <t>', 'IoU threshold for a detection match (DIR mode)', '0.5')
    .option('--json', 'print the full report as JSON')
    .option('--no-rules', 'DIR mode: read without the country rules (to compare)')
    .option('--country <name>', 'DIR mode: default country for reads the region head is unsure of (a rule\'s country, e.g. Romania)')
    .option('--format <format>', `DIR mode: read only this kind of labels (openalpr | voc | yolo | ${SEED_FORMATS.join(' | ')}); default: what lies beside the images`)
    .action(async (dir: string | undefined, o: EvalCliOptions) => {
      if (!!dir === !!o.db) {
        process.stderr.write('platedesk eval: give either a folder (platedesk eval DIR) or --db FILE\n')
        process.exitCode = 2
        return
      }
      if (o.db) {
        const file = libraryTarget(o.db)
        if (!isServerUrl(file) && !existsSync(file)) {
          process.stderr.write(`platedesk eval: library ${file} not found\n`)
          process.exitCode = 2
          return
        }
        if (o.recognizer) {
          process.exitCode = await compareCli(file, o)
          return
        }
        const lib = openLibrary(file, { readonly: true })
        try {
          const report = evaluateLibrary(lib.db)
          process.stdout.write((o.json ? JSON.stringify(report, null, 2) : formatLibraryReport(redactUrl(file), report)) + '\n')
        } finally {
          lib.close()
        }
        return
      }
      const root = resolve(dir!)
      if (!existsSync(root) || !statSync(root).isDirectory()) {
        process.stderr.write(`platedesk eval: ${root} is not a folder\n`)
        process.exitCode = 2
        return
      }
      const workers = o.workers != null ? Number(o.workers) : undefined
      if (workers != null && !(Number.isInteger(workers) && workers >= 1)) {
        process.stderr.write(`platedesk eval: --workers must be a whole number >= 1, got "${o.workers}"\n`)
        process.exitCode = 2
        return
      }
      const iou = Number(o.iou ?? 0.5)
      if (!(iou > 0 && iou <= 1)) {
        process.stderr.write(`platedesk eval: --iou must be in (0, 1], got "${o.iou}"\n`)
        process.exitCode = 2
        return
      }
      const formats = ['openalpr', 'voc', 'yolo', ...SEED_FORMATS]
      if (o.format != null && !formats.includes(o.format)) {
        process.stderr.write(`platedesk eval: --format must be one of ${formats.join(', ')}, got "${o.format}"\n`)
        process.exitCode = 2
        return
      }
      // labels first: a folder without any should not cost an engine start (or need the models)
      const groundTruth =
        o.format && (SEED_FORMATS as string[]).includes(o.format)
          ? await findSeedLabels(root, o.format as SeedFormat)
          : await findGroundTruth(root, o.format ? { format: o.format as 'openalpr' | 'voc' | 'yolo' } : {})
      if (groundTruth.images.length === 0) {
        for (const f of groundTruth.errors) process.stderr.write(`failed: ${f.path}: ${f.error}\n`)
        process.stderr.write(`platedesk eval: no labelled images under ${root} (looked for X.txt, X.xml, annotations/X.xml, labels/X.txt, plates.tsv)\n`)
        process.exitCode = 1
        return
      }
      const { createRulesStore } = await import('../../services/rules')
      const rules = createRulesStore()
      const known = rules.list({ disabledRules: [] })
      if (o.country && !known.some((r) => r.country === o.country || r.id === o.country)) {
        process.stderr.write(`platedesk eval: --country: no rule file for "${o.country}" (known: ${known.map((r) => r.country).join(', ')})\n`)
        process.exitCode = 2
        return
      }
      const countryRules = rules.engineOptions({ countryRules: o.rules !== false, disabledRules: [], defaultCountry: o.country ?? '' })
      const engine = await loadEngine({ workers, countryRules })
      try {
        const tty = process.stderr.isTTY
        const report = await evaluateDataset(root, engine, {
          concurrency: 2 * Math.max(1, engine.status().workers || workers || 1),
          iouThreshold: iou,
          groundTruth,
          onImage: (done, total) => {
            if (tty) process.stderr.write(`\reval: ${done}/${total} images`)
          }
        })
        if (tty) process.stderr.write('\n')
        process.stdout.write((o.json ? JSON.stringify(report, null, 2) : formatDatasetReport(report)) + '\n')
        if (report.failures.length) process.exitCode = 1
      } finally {
        await engine.close()
      }
    })
}
