// settings.set may only select models the manifest lists, for the right task: a stored unknown id (or a
// path) would break every later import with an engine error far from the request that caused it.
import type { ModelTask, Settings } from '../../shared/types'
import { loadManifest } from '../engine/models'

const invalid = (message: string): Error => Object.assign(new Error(message), { code: 'invalid-request' as const })

function known(task: ModelTask): string[] {
  return loadManifest()
    .models.filter((m) => m.task === task)
    .map((m) => m.id)
}

/** Throws 'invalid-request' naming the field and the ids it may hold, when a model id is not in the manifest. */
export function checkModelSelection(patch: Partial<Settings>): void {
  if (patch.detectorId !== undefined) {
    const ids = known('detector')
    if (!ids.includes(patch.detectorId)) {
      throw invalid(`detectorId: "${patch.detectorId}" is not a detector in the model manifest (known: ${ids.join(', ')})`)
    }
  }
  if (patch.recognizerId !== undefined) {
    const ids = known('recognizer')
    const parts = patch.recognizerId.split('+')
    const bad = parts.find((p) => !ids.includes(p))
    if (bad !== undefined) {
      throw invalid(`recognizerId: "${bad}" is not a recognizer in the model manifest (known: ${ids.join(', ')})`)
    }
    if (parts.length === 2 && parts[0] === parts[1]) {
      throw invalid(`recognizerId: "${patch.recognizerId}" names the same recognizer twice`)
    }
  }
}
