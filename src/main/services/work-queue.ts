// The team work queue as the app sees it ('import.workQueue'): where the library's queue is (the URL
// `import --enqueue-only` remembered in the library's settings, else the library itself when it is on
// PostgreSQL), one lazily opened pg-boss connection, and a files/s rate from the last minute of polls.
import type PgBoss from 'pg-boss'
import type { Library } from '../db/index'
import type { WorkQueueStatus } from '../../shared/types'
import { WORK_QUEUE_SETTING } from '../importer/enqueue'
import { workQueueStatus } from '../importer/queue-status'
import { isPostgresUrl, openWorkQueue } from '../importer/work-queue'

export interface WorkQueueWatcher {
  /** null when the library has no work queue */
  status(): Promise<WorkQueueStatus | null>
  close(): Promise<void>
}

export function workQueueUrl(library: Library): string | null {
  const s = library.reader.setting(WORK_QUEUE_SETTING) as { url?: unknown } | undefined
  if (s && typeof s.url === 'string' && isPostgresUrl(s.url)) return s.url
  return isPostgresUrl(library.file) ? library.file : null
}

export function createWorkQueueWatcher(library: Library): WorkQueueWatcher {
  let boss: Promise<PgBoss> | null = null
  let url: string | null = null
  const samples: { t: number; done: number }[] = []
  return {
    async status() {
      const now = workQueueUrl(library)
      if (!now) return null
      if (now !== url) {
        if (boss) void (await boss.catch(() => null))?.stop({ graceful: false, close: true })
        url = now
        boss = openWorkQueue(now, { supervise: false })
        // a failed connection is retried on the next poll
        boss.catch(() => (boss = null, url = null))
      }
      const s = await workQueueStatus(library, await boss!)
      const t = Date.now()
      samples.push({ t, done: s.done + s.failed })
      while (samples.length > 1 && t - samples[0].t > 60_000) samples.shift()
      const first = samples[0]
      s.filesPerSecond = t - first.t >= 2000 ? Math.round(((s.done + s.failed - first.done) / ((t - first.t) / 1000)) * 100) / 100 : null
      return s
    },
    async close() {
      const b = boss
      boss = null
      if (b) await (await b.catch(() => null))?.stop({ graceful: false, close: true })
    }
  }
}
