// Base vs new on the held-back plates: each crop is read by both recognizers (engine crop mode, no
// detection: the box is the reviewed one) and scored against the reviewed text with eval/metrics.
import { singleLine } from '../../shared/plate-text'
import type { Engine } from '../engine/types'
import { TextStats } from '../eval/metrics'
import type { HoldoutRow } from './dataset'

export interface ModelScore {
  id: string
  plates: number
  exactAccuracy: number
  charAccuracy: number
}

export interface Comparison {
  base: ModelScore
  candidate: ModelScore
  /** the new model reads more plates exactly, or as many and more characters */
  better: boolean
}

/** new beats base: more exact reads; on a tie, more characters right. Equal is not better. */
export function isBetter(base: Pick<ModelScore, 'exactAccuracy' | 'charAccuracy'>, cand: Pick<ModelScore, 'exactAccuracy' | 'charAccuracy'>): boolean {
  const eps = 1e-9
  if (cand.exactAccuracy > base.exactAccuracy + eps) return true
  if (cand.exactAccuracy < base.exactAccuracy - eps) return false
  return cand.charAccuracy > base.charAccuracy + eps
}

export async function scoreRecognizer(
  engine: Pick<Engine, 'recognizeFile'>,
  recognizerId: string,
  rows: HoldoutRow[],
  opts: { signal?: AbortSignal; onPlate?: (done: number) => void; concurrency?: number } = {}
): Promise<ModelScore> {
  const stats = new TextStats()
  const reads: string[] = new Array(rows.length)
  let next = 0
  let done = 0
  const worker = async (): Promise<void> => {
    for (;;) {
      if (opts.signal?.aborted) throw new Error('evaluation cancelled')
      const i = next++
      if (i >= rows.length) return
      const rec = await engine.recognizeFile(rows[i].path, { crop: true, recognizerId })
      reads[i] = rec.plates[0]?.read?.text ?? ''
      opts.onPlate?.(++done)
    }
  }
  await Promise.all(Array.from({ length: opts.concurrency ?? 4 }, worker))
  rows.forEach((r, i) => stats.add(singleLine(r.text), singleLine(reads[i])))
  return { id: recognizerId, plates: stats.count, exactAccuracy: stats.exactAccuracy, charAccuracy: stats.charAccuracy }
}
