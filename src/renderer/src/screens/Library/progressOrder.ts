// Import progress reaches the Library screen from two sources: pushed 'import.progress' events and the
// answers to 'import.status' / pause / resume calls. Under load an answer can arrive after newer events
// (a status asked at 1/4 landing after 'done'), so a snapshot only replaces the shown one when it is not
// older: a newer job, or the same job with no fewer files handled and no step back from a finished state.
import type { ImportProgress } from '@shared/types'

const FINISHED = new Set<ImportProgress['state']>(['done', 'cancelled'])

const handled = (p: ImportProgress): number => p.filesDone + p.filesFailed + (p.filesDuplicate ?? 0)

export function newerProgress(cur: ImportProgress | null, next: ImportProgress | null): ImportProgress | null {
  if (!next) return cur
  if (!cur || next.jobId > cur.jobId) return next
  if (next.jobId < cur.jobId) return cur
  if (handled(next) < handled(cur)) return cur
  if (FINISHED.has(cur.state) && !FINISHED.has(next.state)) return cur
  return next
}
