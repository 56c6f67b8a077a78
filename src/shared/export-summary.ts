// What a detection export left out, in words (the CLI and the Export screen say the same thing).
import type { ExportLeftOut } from './types'

/** null when nothing was left out */
export function leftOutText(l: ExportLeftOut | undefined): string | null {
  if (!l || l.partlyReviewed + l.unreviewed === 0) return null
  const n = l.partlyReviewed + l.unreviewed
  const parts: string[] = []
  if (l.partlyReviewed) parts.push(`${l.partlyReviewed} partly reviewed (a plate on them is still undecided)`)
  if (l.unreviewed) parts.push(`${l.unreviewed} not reviewed`)
  return (
    `${n} image${n === 1 ? '' : 's'} left out: ${parts.join(', ')}. ` +
    'A detector must not learn that an unreviewed plate is background: review them, or include unreviewed detections above a threshold.'
  )
}
