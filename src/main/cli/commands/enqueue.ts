// `platedesk import --enqueue-only`: the scan-and-queue half of a team import (see importer/enqueue.ts).
import { openLibrary } from '../../db/index'
import { enqueuePaths } from '../../importer/enqueue'
import { openWorkQueue } from '../../importer/work-queue'
import { queueUrlFor } from './queue-url'

export interface EnqueueCliOptions {
  db: string
  queue?: string
  jobTimeout?: string
  retries?: string
  retryDelay?: string
  fps?: number
  recognizerId?: string
  crops?: boolean
  skipStatic?: boolean
}

export async function enqueueCommand(paths: string[], o: EnqueueCliOptions): Promise<void> {
  if (!paths.length) throw new Error('--enqueue-only needs the files or folders to queue')
  const url = queueUrlFor(o.db, o.queue)
  const whole = (v: string | undefined, name: string, min: number): number | undefined => {
    if (v == null) return undefined
    const n = Number(v)
    if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be a whole number >= ${min}, got ${v}`)
    return n
  }
  const policy = { timeoutS: whole(o.jobTimeout, '--job-timeout', 1), retries: whole(o.retries, '--retries', 0), retryDelayS: whole(o.retryDelay, '--retry-delay', 0) }
  const library = openLibrary(o.db)
  const boss = await openWorkQueue(url, { supervise: false }).catch((err) => {
    library.close()
    throw err
  })
  try {
    const r = await enqueuePaths(paths, {
      library,
      boss,
      queueUrl: url,
      policy,
      options: { ...(o.fps != null ? { fps: o.fps } : {}), ...(o.recognizerId ? { recognizerId: o.recognizerId } : {}), ...(o.crops ? { crops: true } : {}), ...(o.skipStatic === false ? { skipStatic: false } : {}) }
    })
    for (const n of r.notes) process.stderr.write(`note: ${n}\n`)
    for (const f of r.failures) process.stderr.write(`failed: ${f.error}\n`)
    process.stdout.write(
      `queued ${r.queued} file${r.queued === 1 ? '' : 's'} of ${r.found} found` +
        ` (${r.inLibrary} already in the library, ${r.alreadyQueued} already queued)` +
        (r.batch != null ? `; batch ${r.batch}` : '') +
        '\n'
    )
    if (r.failures.length) process.exitCode = 1
  } finally {
    await boss.stop({ graceful: false, close: true })
    library.close()
  }
}
