// Adopting a trained model: `models add` it (copied into the user's models folder and listed in the
// user manifest, checked by shape and a test inference) under an id that says where it came from.
// Selecting it is the caller's part (the backend's settings.set, so the engine restarts on it).
import { copyFile } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import type { TrainProgress } from '../../shared/types'
import { addUserModel } from '../engine/model-import'
import { loadManifest } from '../engine/models'

/** <base>-tuned-<yyyymmdd-hhmm>, made unique against the models already known */
export function trainedModelId(job: Pick<TrainProgress, 'baseId' | 'jobDir'>, now = new Date()): string {
  const m = /^(\d{8})-(\d{4})/.exec(basename(job.jobDir))
  const stamp = m ? `${m[1]}-${m[2]}` : now.toISOString().slice(0, 16).replace(/[-:]/g, '').replace('T', '-')
  const stem = `${job.baseId.replace(/-tuned-\d{8}-\d{4}(-\d+)?$/, '')}-tuned-${stamp}`.slice(0, 90)
  const known = new Set(loadManifest().models.map((e) => e.id))
  let id = stem
  for (let i = 2; known.has(id); i++) id = `${stem}-${i}`
  return id
}

/** models add, as the caller does it (the backend's models service, or addUserModel in the CLI) */
export type AddModel = (req: { path: string; config: string; id: string }) => Promise<{ path?: string | null }>

export async function adoptTrainedModel(job: TrainProgress, add: AddModel = (r) => addUserModel(r.path, { config: r.config, id: r.id })): Promise<string> {
  if (!job.model || !job.config) throw new Error(`training job ${job.jobId} has no trained model`)
  const id = trainedModelId(job)
  const added = await add({ path: job.model, config: job.config, id })
  // fast-plate-ocr's config beside it, as fast-plate-ocr names it: the next run can start from this model
  if (added.path && /\.ya?ml$/i.test(job.config)) await copyFile(job.config, join(dirname(added.path), `${id}_plate_config.yaml`))
  return id
}
