// `import --enqueue-only`: scans the paths and queues one recognition job per media file (a video is one
// job) for the team's workers, recognising nothing here. Files already in the library (same path, size
// and time) are not queued; a file already queued is not queued again (its job id is derived from path,
// size and time). The library gets a work-queue batch (an import job) that the workers fill.
import { stat } from 'node:fs/promises'
import { resolve } from 'node:path'
import type PgBoss from 'pg-boss'
import type { Library } from '../db/index'
import type { ImportOptions } from '../db/imports'
import { getModel } from '../engine/models'
import { mediaKind, scanPaths, type ScanProgress } from './scan'
import { redactUrl, sendRecognition, type SendPolicy } from './work-queue'

export interface EnqueueResult {
  /** the library's batch (import job) id; null when nothing was queued */
  batch: number | null
  /** media files found */
  found: number
  /** jobs added to the queue */
  queued: number
  /** already in the library (same path, size and time) */
  inLibrary: number
  /** already waiting in the queue (or done/failed there and not changed since) */
  alreadyQueued: number
  /** paths that could not be read (folders, vanished files), with the cause */
  failures: { path: string; error: string }[]
  notes: string[]
}

export interface EnqueueOptions {
  library: Library
  boss: PgBoss
  /** the queue's URL, remembered (without password) in the library so the app can show the queue */
  queueUrl: string
  options?: Partial<ImportOptions>
  /** expiry and retries of the jobs */
  policy?: SendPolicy
  onScanProgress?: (p: ScanProgress) => void
}

/** the library setting that tells the app where its work queue is */
export const WORK_QUEUE_SETTING = 'workQueue'

export async function enqueuePaths(paths: string[], o: EnqueueOptions): Promise<EnqueueResult> {
  const lib = o.library
  const fps = o.options?.fps ?? lib.reader.settings().videoFps
  if (o.options?.recognizerId) for (const id of o.options.recognizerId.split('+')) getModel(id)
  const scan = await scanPaths(paths, { onProgress: o.onScanProgress })
  const res: EnqueueResult = {
    batch: null,
    found: scan.files.length,
    queued: 0,
    inLibrary: 0,
    alreadyQueued: 0,
    failures: scan.failures.map((f) => ({ path: f.path, error: f.error })),
    notes: scan.notes
  }
  const options: ImportOptions = {
    fps,
    ...(o.options?.recognizerId ? { recognizerId: o.options.recognizerId } : {}),
    ...(o.options?.crops ? { crops: true } : {}),
    ...(o.options?.skipStatic === false ? { skipStatic: false } : {})
  }
  const batch = lib.imports.createQueueBatch(
    paths.map((p) => resolve(p)),
    options
  )
  try {
    // a few sends in flight: each is one INSERT round trip
    let next = 0
    const one = async (): Promise<void> => {
      for (let i = next++; i < scan.files.length; i = next++) {
        const file = scan.files[i]
        let st
        try {
          st = await stat(file.path)
        } catch (err) {
          res.failures.push({ path: file.path, error: `${file.path}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})` })
          continue
        }
        if (lib.imports.knownPath(file.path, st.size, st.mtimeMs) != null) {
          res.inLibrary++
          continue
        }
        const kind = mediaKind(file.path)!
        const sent = await sendRecognition(
          o.boss,
          { batch, path: file.path, root: file.root, kind, size: st.size, mtimeMs: Math.trunc(st.mtimeMs), ...options },
          o.policy
        )
        if (sent) res.queued++
        else res.alreadyQueued++
      }
    }
    await Promise.all(Array.from({ length: 8 }, one))
  } finally {
    // folders that could not be read are the batch's failures, as in a local import
    for (const f of res.failures) lib.imports.addFailedItem(batch, f.path, f.path, f.error)
    if (res.queued === 0 && res.failures.length === 0) lib.imports.deleteEmptyJob(batch)
    else res.batch = batch
  }
  lib.writer.setSetting(WORK_QUEUE_SETTING, { url: redactUrl(o.queueUrl) })
  return res
}
