// The plates kept back from training to judge base vs new model. A plate's side depends only on its id
// (a hash, not a random draw or its position in the library), so every run holds back the same plates:
// a model trained in one run was never shown a plate that a later run evaluates on, and adding plates
// to the library never moves an old plate across.
import { createHash } from 'node:crypto'

export const HOLDOUT_FRACTION = 0.2

/** A number in [0, 1) fixed for this plate id. */
export function holdoutKey(plateId: number): number {
  return createHash('sha256').update(`platedesk-holdout:${plateId}`).digest().readUInt32BE(0) / 2 ** 32
}

export function isHeldOut(plateId: number, fraction = HOLDOUT_FRACTION): boolean {
  return holdoutKey(plateId) < fraction
}

/** Splits ids into the part to train on and the part held back. */
export function splitHoldout<T>(items: T[], plateId: (t: T) => number, fraction = HOLDOUT_FRACTION): { train: T[]; holdout: T[] } {
  const train: T[] = []
  const holdout: T[] = []
  for (const t of items) (isHeldOut(plateId(t), fraction) ? holdout : train).push(t)
  return { train, holdout }
}
