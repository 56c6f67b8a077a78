// Base vs new on the held-back plates. Both read every held-back crop through the same code path (the
// engine's Pipeline.read in crop mode: no detection, the box is the reviewed one) and are scored
// against the reviewed text with eval/metrics. The new model is not in any manifest yet (adopting it is
// a separate step), so its Recognizer is built from the entry `models add` would write, checked the
// same way (shape + a test inference), without touching the user's models.
import * as ort from 'onnxruntime-node'
import { singleLine } from '../../shared/plate-text'
import { checkModelFile } from '../engine/model-import'
import { Pipeline, createSession } from '../engine/pipeline'
import { Recognizer } from '../engine/recognizer'
import { decodeImageFile } from '../media/images'
import { TextStats } from '../eval/metrics'
import type { HoldoutRow } from './dataset'

export interface ModelScore {
  id: string
  plates: number
  exactAccuracy: number
  charAccuracy: number
}

/** new beats base: more exact reads; on a tie, more characters right. Equal is not better. */
export function isBetter(base: Pick<ModelScore, 'exactAccuracy' | 'charAccuracy'>, cand: Pick<ModelScore, 'exactAccuracy' | 'charAccuracy'>): boolean {
  const eps = 1e-9
  if (cand.exactAccuracy > base.exactAccuracy + eps) return true
  if (cand.exactAccuracy < base.exactAccuracy - eps) return false
  return cand.charAccuracy > base.charAccuracy + eps
}

export interface CompareOptions {
  modelsDir?: string
  userDataDir?: string
  signal?: AbortSignal
  /** crops read so far, of 2 × rows */
  onProgress?: (done: number) => void
  threads?: number
}

export class CompareCancelled extends Error {
  constructor() {
    super('evaluation cancelled')
    this.name = 'CompareCancelled'
  }
}

export async function compareOnHoldout(
  rows: HoldoutRow[],
  baseId: string,
  candidate: { model: string; config: string },
  o: CompareOptions = {}
): Promise<{ base: ModelScore; candidate: ModelScore }> {
  const threads = o.threads ?? 2
  const pipeline = await Pipeline.create({ detector: false, recognizerId: baseId, modelsDir: o.modelsDir, userDataDir: o.userDataDir, threads, topN: 1 })
  const checked = await checkModelFile(candidate.model, { config: candidate.config, id: 'platedesk-trained-candidate', userDataDir: o.userDataDir })
  const { session } = await createSession(candidate.model, 'cpu', threads)
  const cand = new Recognizer(ort, session, checked.entry)
  const chains: { id: string; recognizers: Recognizer[] }[] = [
    { id: baseId, recognizers: pipeline.recognizers },
    { id: 'new', recognizers: [cand] }
  ]
  const stats = chains.map(() => new TextStats())
  let done = 0
  try {
    for (const row of rows) {
      if (o.signal?.aborted) throw new CompareCancelled()
      const img = await decodeImageFile(row.path)
      const box = { x1: 0, y1: 0, x2: img.width, y2: img.height }
      for (let k = 0; k < chains.length; k++) {
        const [read] = await pipeline.read(img, [{ box }], chains[k].recognizers, true)
        stats[k].add(singleLine(row.text), singleLine(read?.text ?? ''))
        o.onProgress?.(++done)
      }
    }
  } finally {
    await session.release().catch(() => undefined)
    await pipeline.close()
  }
  const score = (k: number): ModelScore => ({ id: chains[k].id, plates: stats[k].count, exactAccuracy: stats[k].exactAccuracy, charAccuracy: stats[k].charAccuracy })
  return { base: score(0), candidate: score(1) }
}
