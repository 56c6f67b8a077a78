// Adopting a trained model: `models add` it to the user's models and select it as the recognizer.
import type { TrainProgress } from '../../shared/types'

export async function adoptTrainedModel(job: TrainProgress, where: { dbPath?: string; modelsDir?: string; userDataDir?: string }): Promise<string> {
  void job
  void where
  throw new Error('needs `models add` (branch models-add), not merged yet')
}
