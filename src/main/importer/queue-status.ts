// The team work queue's progress: what waits and what is held comes from pg-boss, what was committed
// (done, duplicates, failed with causes) from the library's work-queue batches.
import type PgBoss from 'pg-boss'
import type { Library } from '../db/index'
import type { WorkQueueStatus } from '../../shared/types'
import { queueSizes } from './work-queue'

export async function workQueueStatus(library: Library, boss: PgBoss, failures = 20): Promise<WorkQueueStatus> {
  const sizes = await queueSizes(boss)
  const c = library.imports.queueCounts()
  return {
    queued: sizes.queued,
    active: sizes.active,
    done: c.done + c.duplicate,
    duplicate: c.duplicate,
    failed: c.failed,
    plates: c.plates,
    batches: c.batches,
    failures: library.imports.queueFailures(failures),
    filesPerSecond: null
  }
}
