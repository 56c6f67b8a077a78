// Recognition profiles: which recognizer reads the plates, named for the plates it reads. Chosen per
// import and in Settings (where it sets `recognizerId`); each read records the model id that made it.

export interface RecognitionProfile {
  id: 'global-latin' | 'china'
  name: string
  /** the recognizer chain (models/manifest.json ids, 'a+b' = ensemble) */
  recognizerId: string
  description: string
}

export const RECOGNITION_PROFILES: readonly RecognitionProfile[] = [
  {
    id: 'global-latin',
    name: 'Global (Latin)',
    recognizerId: 'cct-xs-v2-global+cct-xs-v1-global',
    description: 'Latin letters and digits, plates of 65 countries (fast-plate-ocr v2, v1 for unsure reads)'
  },
  {
    id: 'china',
    name: 'China',
    recognizerId: 'lprnet-china',
    description: 'Chinese plates with their province character (LPRNet)'
  }
]

export const PROFILE_IDS = RECOGNITION_PROFILES.map((p) => p.id) as [RecognitionProfile['id'], ...RecognitionProfile['id'][]]

export function profileById(id: string): RecognitionProfile | undefined {
  return RECOGNITION_PROFILES.find((p) => p.id === id)
}

/** The profile whose recognizer chain this is (settings hold the chain), if any. */
export function profileOfRecognizer(recognizerId: string): RecognitionProfile | undefined {
  return RECOGNITION_PROFILES.find((p) => p.recognizerId === recognizerId)
}
