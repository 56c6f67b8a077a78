// The freshly trained model, made loadable by the engine for the comparison without touching the
// user's models: it is added (models add) to a private user-data folder inside the job folder.
import type { ModelEntry } from '../engine/models'

export interface Candidate {
  /** the id the engine knows it by */
  id: string
  /** the userDataDir whose models/ holds it */
  userDataDir: string
  close(): Promise<void>
}

export async function openCandidate(model: string, config: string, dir: string, base: ModelEntry): Promise<Candidate> {
  void model
  void config
  void base
  void dir
  throw new Error('evaluating a trained model needs `models add` (branch models-add), not merged yet')
}
