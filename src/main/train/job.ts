// One "Improve the model" run, shared by the app (services/train.ts) and `platedesk train`:
//   checking   the base model (its file, its architecture) and Python with torch + onnx
//   exporting  the reviewed plates as crops; 20% held back by plate id (holdout.ts)
//   training   python -m training.finetune on the rest (child process, JSON-lines progress)
//   evaluating base and new read the held-back crops; scored with eval/metrics
// Without a usable Python the data is still exported, and the job ends with the exact commands to
// train by hand on it. The final state is also written to <job>/result.json.
import { existsSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import type { TrainProgress } from '../../shared/types'
import type { Db } from '../db/training-reader'
import { ExportCancelled } from '../export/index'
import { CompareCancelled, compareOnHoldout, isBetter } from './compare'
import { prepareTrainingData } from './dataset'
import { FinetuneCancelled, finetuneArgv, runFinetune, type FinetuneArgs } from './finetune'
import { PythonMissingError, finetuneCommand, findPython, type PythonInfo } from './python'

export interface ModelDirs {
  modelsDir?: string
  userDataDir?: string
}

export interface TrainJobOptions {
  jobId: string
  db: Db
  jobDir: string
  baseId: string
  epochs: number
  seed?: number
  device?: 'auto' | 'cpu' | 'cuda'
  models: ModelDirs
  signal?: AbortSignal
  onProgress?: (p: TrainProgress) => void
}

export const RESULT_FILE = 'result.json'
export const LOG_FILE = 'train.log'

export class TrainSetupError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'TrainSetupError'
  }
}

/** The trainer's architecture for a recognizer, from its output layout. */
export function archOf(layout: string): 'lprnet' | 'cct' | null {
  if (layout === 'ctc') return 'lprnet'
  if (layout.startsWith('slots')) return 'cct'
  return null
}

/** A fast-plate-ocr model's plate_config.yaml, as fast-plate-ocr names it beside the .onnx. */
export function plateConfigFor(modelPath: string): string | null {
  const stem = basename(modelPath).replace(/\.onnx$/i, '')
  const candidates = [join(dirname(modelPath), `${stem}_plate_config.yaml`), join(dirname(modelPath), `${stem}.plate_config.yaml`), join(dirname(modelPath), 'plate_config.yaml')]
  return candidates.find((c) => existsSync(c)) ?? null
}

export function initialProgress(o: Pick<TrainJobOptions, 'jobId' | 'jobDir' | 'baseId' | 'epochs'>): TrainProgress {
  return {
    jobId: o.jobId,
    state: 'running',
    phase: 'checking',
    baseId: o.baseId,
    epochs: o.epochs,
    epoch: 0,
    loss: null,
    valAccuracy: null,
    done: 0,
    total: 0,
    jobDir: o.jobDir,
    logFile: join(o.jobDir, LOG_FILE),
    trainPlates: 0,
    holdoutPlates: 0,
    comparison: null,
    model: null,
    config: null,
    setup: null,
    error: null,
    adoptedId: null
  }
}

/** Runs the whole job; never throws: the returned (and last published) progress says how it ended. */
export async function runTrainJob(o: TrainJobOptions): Promise<TrainProgress> {
  let p = initialProgress(o)
  const publish = (patch: Partial<TrainProgress>): void => {
    p = { ...p, ...patch }
    o.onProgress?.(p)
  }
  const cancelled = (): boolean => !!o.signal?.aborted
  try {
    await mkdir(o.jobDir, { recursive: true })
    publish({})
    // ---- checking: the base model and Python
    const { resolveModelPath } = await import('../engine/models')
    const base = await resolveModelPath('recognizer', o.baseId, o.models)
    const arch = archOf(base.entry.output.layout)
    if (!arch) throw new TrainSetupError(`model ${base.entry.id} (output "${base.entry.output.layout}") cannot be fine-tuned: only LPRNet (CTC) and fast-plate-ocr (CCT) recognizers can`)
    let config = arch === 'cct' ? plateConfigFor(base.path) : undefined
    if (arch === 'lprnet') {
      // the trainer's CTC config is the manifest entry's fields: a base tuned earlier keeps its own
      config = join(o.jobDir, 'base-model.json')
      const e = base.entry
      await writeFile(config, JSON.stringify({ input: e.input, output: e.output, alphabet: e.alphabet, blank: e.blank }, null, 1) + '\n')
    }
    if (arch === 'cct' && !config) {
      throw new TrainSetupError(`fine-tuning ${base.entry.id} needs its fast-plate-ocr plate_config.yaml beside ${base.path} (looked for ${basename(base.path).replace(/\.onnx$/i, '')}_plate_config.yaml)`)
    }
    const args: FinetuneArgs = {
      data: join(o.jobDir, 'data'),
      arch,
      base: base.path,
      ...(config ? { config } : {}),
      out: join(o.jobDir, 'model'),
      epochs: o.epochs,
      seed: o.seed ?? 1,
      device: o.device ?? 'auto'
    }
    let py: PythonInfo | null = null
    let setup: TrainProgress['setup'] = null
    try {
      py = await findPython(finetuneArgv(args))
    } catch (err) {
      if (!(err instanceof PythonMissingError)) throw err
      setup = err.problem
    }
    if (cancelled()) throw new FinetuneCancelled()

    // ---- exporting (also without Python: the by-hand command needs the data)
    publish({ phase: 'exporting' })
    let lastExportEvent = 0
    const data = await prepareTrainingData(o.db, o.jobDir, {
      signal: o.signal,
      onProgress: ({ done, total }) => {
        // one event per frame would flood the window on a large library
        const now = Date.now()
        if (now - lastExportEvent < 100 && done < total) return
        lastExportEvent = now
        publish({ done, total })
      }
    })
    publish({ trainPlates: data.trainCount, holdoutPlates: data.holdout.length })
    if (!py) {
      const commands = setup!.commands.some((c) => c.includes('training.finetune')) ? setup!.commands : [...setup!.commands, finetuneCommand(finetuneArgv(args))]
      const adopt = `platedesk models add ${join(args.out, 'model.onnx')} --config ${join(args.out, arch === 'cct' ? 'plate_config.yaml' : 'model.json')}`
      publish({ state: 'error', phase: 'finished', setup: { message: setup!.message, commands: [...commands, adopt] }, error: setup!.message })
      return await finish(o, p)
    }

    // ---- training
    if (cancelled()) throw new FinetuneCancelled()
    publish({ phase: 'training', done: 0, total: o.epochs })
    const run = runFinetune(py, args, p.logFile, (e) => {
      if (e.event === 'epoch') publish({ epoch: e.epoch, loss: e.loss, valAccuracy: e.valAccuracy ?? null, done: e.epoch, total: e.epochs })
    })
    const onAbort = (): void => run.cancel()
    o.signal?.addEventListener('abort', onAbort)
    let trained: { model: string; config: string }
    try {
      trained = await run.done
    } finally {
      o.signal?.removeEventListener('abort', onAbort)
    }
    publish({ model: trained.model, config: trained.config })

    // ---- evaluating: base and new on the held-back crops
    publish({ phase: 'evaluating', done: 0, total: 2 * data.holdout.length })
    const scores = await compareOnHoldout(data.holdout, base.entry.id, trained, {
      ...o.models,
      signal: o.signal,
      onProgress: (d) => publish({ done: d })
    })
    publish({
      state: 'done',
      phase: 'finished',
      comparison: { ...scores, better: isBetter(scores.base, scores.candidate) }
    })
  } catch (err) {
    if (err instanceof FinetuneCancelled || err instanceof ExportCancelled || err instanceof CompareCancelled || cancelled()) publish({ state: 'cancelled', phase: 'finished', error: null })
    else publish({ state: 'error', phase: 'finished', error: err instanceof Error ? err.message : String(err) })
  }
  return finish(o, p)
}

async function finish(o: TrainJobOptions, p: TrainProgress): Promise<TrainProgress> {
  await writeFile(join(o.jobDir, RESULT_FILE), JSON.stringify(p, null, 1) + '\n').catch(() => undefined)
  return p
}
