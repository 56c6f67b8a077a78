// platedesk train: fine-tune a recognizer on the reviewed plates of a library (train/job.ts), print the
// epochs as they go and base vs new on the 20% of plates held back; --adopt adds and selects the new
// model when (and only when) it reads the held-back plates better.
import type { Command } from 'commander'
import { existsSync, readdirSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import type { TrainProgress } from '../../../shared/types'
import { openLibrary } from '../../db/index'
import { DB_OPTION_HELP, isServerUrl, libraryTarget, redactUrl } from '../db-arg'
import { RESULT_FILE, runTrainJob } from '../../train/job'

interface TrainCliOptions {
  db: string
  base: string
  out: string
  epochs: string
  device?: string
  adopt?: boolean
  json?: boolean
  modelsDir?: string
}

const pct = (v: number): string => `${(100 * v).toFixed(1)}%`

export function formatComparison(p: TrainProgress): string {
  const c = p.comparison
  if (!c) return ''
  const rows = [
    ['model', 'exact', 'char', 'plates'],
    [`${c.base.id} (base)`, pct(c.base.exactAccuracy), pct(c.base.charAccuracy), String(c.base.plates)],
    ['new', pct(c.candidate.exactAccuracy), pct(c.candidate.charAccuracy), String(c.candidate.plates)]
  ]
  const w = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)))
  const table = rows.map((r) => r.map((v, i) => v.padEnd(w[i])).join('  ').trimEnd()).join('\n')
  const verdict = c.better
    ? `the new model is better on the ${c.base.plates} held-back plates: ${p.model}`
    : `the new model is not better than ${c.base.id} on the ${c.base.plates} held-back plates: keeping ${c.base.id}`
  return `${table}\n${verdict}`
}

export function registerTrain(program: Command): void {
  program
    .command('train')
    .description('fine-tune a recognizer on the reviewed plates of a library (20% held back) and compare it with the base')
    .requiredOption('--db <file>', DB_OPTION_HELP)
    .requiredOption('--base <id>', 'the recognizer to start from (a model id, e.g. lprnet-china)')
    .requiredOption('--out <dir>', 'job folder (new or empty): data/, holdout/, model/, train.log, result.json')
    .option('--epochs <n>', 'training epochs', '10')
    .option('--device <d>', 'auto | cpu | cuda', 'auto')
    .option('--adopt', 'add the new model and select it in the library settings, if it is better')
    .option('--json', 'print the final result as JSON')
    .option('--models-dir <DIR>', 'folder with the model files (default: ALPR_MODELS_DIR, then the user-data dir)')
    .action(async (o: TrainCliOptions) => {
      const fail = (msg: string, code = 2): void => {
        process.stderr.write(`platedesk train: ${msg}\n`)
        process.exitCode = code
      }
      const epochs = Number(o.epochs)
      if (!Number.isInteger(epochs) || epochs < 1 || epochs > 1000) return fail(`--epochs must be a whole number from 1 to 1000, got "${o.epochs}"`)
      if (!['auto', 'cpu', 'cuda'].includes(o.device ?? 'auto')) return fail(`--device must be auto, cpu or cuda, got "${o.device}"`)
      const dbFile = libraryTarget(o.db)
      if (!isServerUrl(dbFile) && !existsSync(dbFile)) return fail(`library ${dbFile} not found`)
      const out = resolve(o.out)
      if (existsSync(out) && readdirSync(out).length > 0) return fail(`job folder ${out} is not empty: give a new or empty folder`)
      const lib = openLibrary(dbFile, { readonly: true })
      let last = ''
      const say = (line: string): void => {
        if (line === last) return
        last = line
        process.stderr.write(line + '\n')
      }
      // the trainer runs in its own process group (so cancel can end its whole tree): Ctrl+C must reach it
      const abort = new AbortController()
      const stop = (): void => {
        say('train: cancelling…')
        abort.abort()
      }
      process.once('SIGINT', stop)
      process.once('SIGTERM', stop)
      let final: TrainProgress
      try {
        final = await runTrainJob({
          jobId: 'cli',
          db: lib.db,
          jobDir: out,
          baseId: o.base,
          epochs,
          device: (o.device ?? 'auto') as 'auto',
          models: { modelsDir: o.modelsDir ? resolve(o.modelsDir) : undefined },
          signal: abort.signal,
          onProgress: (p) => {
            if (p.state !== 'running') return
            if (p.phase === 'checking') say(`train: checking ${p.baseId} and Python`)
            else if (p.phase === 'exporting') say(`train: exporting reviewed plates (${p.total ? Math.floor((10 * p.done) / p.total) * 10 : 0}%)`)
            else if (p.phase === 'training') {
              if (p.epoch === 0) say(`train: ${p.trainPlates} plates to train on, ${p.holdoutPlates} held back; training ${p.epochs} epoch(s) (log: ${p.logFile})`)
              else say(`train: epoch ${p.epoch}/${p.epochs}  loss ${p.loss?.toFixed(4) ?? '-'}  val accuracy ${p.valAccuracy != null ? pct(p.valAccuracy) : '-'}`)
            } else if (p.phase === 'evaluating') say(`train: comparing ${p.baseId} and the new model on ${p.holdoutPlates} held-back plates`)
          }
        })
      } finally {
        process.off('SIGINT', stop)
        process.off('SIGTERM', stop)
        lib.close()
      }
      if (final.state === 'done' && o.adopt) {
        if (final.comparison?.better) {
          const { adoptTrainedModel } = await import('../../train/adopt')
          const { createBackend } = await import('../../services/app')
          try {
            final.adoptedId = await adoptTrainedModel(final)
            // selected in the library's settings, through the same handler the app uses
            const backend = await createBackend({ dbPath: dbFile, modelsDir: o.modelsDir ? resolve(o.modelsDir) : undefined, mode: 'web' })
            try {
              await backend.call('settings.set', { recognizerId: final.adoptedId })
            } finally {
              await backend.close()
            }
          } catch (err) {
            fail(`adopting the new model: ${(err as Error).message}`, 1)
          }
        }
      }
      if (final.adoptedId) await writeFile(join(out, RESULT_FILE), JSON.stringify(final, null, 1) + '\n').catch(() => undefined)
      if (o.json) process.stdout.write(JSON.stringify(final, null, 2) + '\n')
      else if (final.state === 'done') {
        process.stdout.write(formatComparison(final) + '\n')
        if (final.adoptedId) process.stdout.write(`adopted: added as ${final.adoptedId} and selected in ${redactUrl(dbFile)}\n`)
        else if (o.adopt && final.comparison?.better === false) process.stdout.write('not adopted\n')
      }
      if (final.state === 'error') {
        process.stderr.write(`platedesk train: ${final.error}\n`)
        if (final.setup) process.stderr.write(`To fix it, run:\n${final.setup.commands.map((c) => `  ${c}`).join('\n')}\n`)
        process.exitCode = 1
      } else if (final.state === 'cancelled') {
        process.stderr.write('platedesk train: cancelled\n')
        process.exitCode = 130
      }
    })
}
