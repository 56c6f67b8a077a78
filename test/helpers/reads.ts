// A recogniser read with one confidence for the text, every character and its only candidate: for tests of
// what the layout does with reads, without running a model.
import type { PlateRead } from '../../src/shared/types'

export const plateRead = (text: string, confidence: number): PlateRead => ({
  text,
  confidence,
  charConfidences: [...text].map(() => confidence),
  candidates: [{ plate: text, confidence }],
  region: null,
  regionConfidence: null,
  modelId: 'm'
})
