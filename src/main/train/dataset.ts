// The training data of one run: the reviewed plates exported as fast-plate-ocr crops (export/ocr.ts,
// the format the trainer reads), then the held-back plates (holdout.ts) moved out of the trainer's
// folder into their own, so the trainer cannot see them even by accident:
//   <job>/data/     crops/ + labels.csv, train.csv, val.csv (test.csv empty: the trainer's --data)
//   <job>/holdout/  crops/ + labels.csv                                   (base vs new evaluation)
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Db } from '../db/training-reader'
import { runExport, type ExportHooks } from '../export/index'
import { HOLDOUT_FRACTION, isHeldOut } from './holdout'
import { parseCsv } from '../../shared/csv'

export interface HoldoutRow {
  plateId: number
  /** absolute path of the crop */
  path: string
  text: string
}

export interface TrainingData {
  dataDir: string
  holdoutDir: string
  /** crops the trainer gets */
  trainCount: number
  holdout: HoldoutRow[]
  /** files the export could not read, by path */
  failures: { path: string; error: string }[]
}

/** At least this many held-back plates, or base vs new says nothing. */
export const MIN_HOLDOUT = 5
/** At least this many plates to train on. */
export const MIN_TRAIN = 10

/** One CSV line's fields (quoted fields, "" inside quotes is a quote). */
export const parseCsvLine = (line: string): string[] => parseCsv(line)[0] ?? ['']

/** crops/p<plateId>_f<frame>.jpg → plateId */
export function plateIdOfCrop(rel: string): number | null {
  const m = /(?:^|\/)p(\d+)_f\d+\.jpg$/.exec(rel)
  return m ? Number(m[1]) : null
}

export class NotEnoughPlatesError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'NotEnoughPlatesError'
  }
}

export async function prepareTrainingData(db: Db, jobDir: string, hooks: ExportHooks = {}, fraction = HOLDOUT_FRACTION): Promise<TrainingData> {
  const dataDir = join(jobDir, 'data')
  const holdoutDir = join(jobDir, 'holdout')
  const result = await runExport(db, { format: 'ocr', outDir: dataDir }, hooks)
  // the export's own manifest would list the crops moved out below; the job folder is ours alone
  await rm(join(dataDir, '.platedesk-export.json'), { force: true })
  await mkdir(join(holdoutDir, 'crops'), { recursive: true })

  const holdout: HoldoutRow[] = []
  let trainCount = 0
  let holdoutHeader = 'image_path,plate_text\n'
  const holdoutLines: string[] = []
  const keptBy: Record<string, { header: string; rows: string[] }> = {}
  for (const list of ['labels.csv', 'train.csv', 'val.csv', 'test.csv']) {
    const file = join(dataDir, list)
    const lines = (await readFile(file, 'utf8')).split('\n').filter((l) => l.length > 0)
    const [header, ...rows] = lines
    const kept: string[] = []
    for (const row of rows) {
      const fields = parseCsvLine(row)
      const id = plateIdOfCrop(fields[0])
      if (id == null) throw new Error(`${file}: unexpected crop path "${fields[0]}"`)
      if (!isHeldOut(id, fraction)) {
        kept.push(row)
        if (list === 'labels.csv') trainCount++
        continue
      }
      if (list !== 'labels.csv') continue // each crop is listed once in labels.csv and once in a split
      await rename(join(dataDir, fields[0]), join(holdoutDir, fields[0]))
      holdoutLines.push(row)
      holdoutHeader = `${header}\n`
      holdout.push({ plateId: id, path: join(holdoutDir, fields[0]), text: fields[1] ?? '' })
    }
    keptBy[list] = { header, rows: kept }
  }
  // the held-back plates are the test set: the export's own test rows are worth more as training data
  keptBy['train.csv'].rows.push(...keptBy['test.csv'].rows)
  keptBy['test.csv'].rows = []
  for (const [list, { header, rows }] of Object.entries(keptBy)) {
    await writeFile(join(dataDir, list), [header, ...rows].map((l) => `${l}\n`).join(''), 'utf8')
  }
  // the export writes crops concurrently: a stable order for the lists and the comparison
  holdout.sort((a, b) => a.plateId - b.plateId)
  holdoutLines.sort((a, b) => plateIdOfCrop(parseCsvLine(a)[0])! - plateIdOfCrop(parseCsvLine(b)[0])!)
  await writeFile(join(holdoutDir, 'labels.csv'), holdoutHeader + holdoutLines.map((l) => `${l}\n`).join(''), 'utf8')
  const total = trainCount + holdout.length
  if (total === 0) throw new NotEnoughPlatesError('no reviewed plates with text to train on: confirm or correct some plates first')
  if (holdout.length < MIN_HOLDOUT || trainCount < MIN_TRAIN) {
    throw new NotEnoughPlatesError(
      `too few reviewed plates: ${total} with text (${trainCount} to train on, ${holdout.length} held back to compare the models); ` +
        `training needs at least ${MIN_TRAIN} to train on and ${MIN_HOLDOUT} held back (review more plates)`
    )
  }
  return { dataDir, holdoutDir, trainCount, holdout, failures: result.failures }
}
