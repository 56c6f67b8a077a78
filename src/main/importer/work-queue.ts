// The team work queue: one recognition job per media file on PostgreSQL through pg-boss (v10: the last
// release for Node 20), so any number of worker processes on any number of machines share it.
// pg-boss keeps its own tables (schema `pgboss`) and does the delivery: SKIP LOCKED fetches, retries with
// back-off, expiry of jobs whose worker died. This module only names the queue, its policy, and what a
// job carries.
import { createHash } from 'node:crypto'
import PgBoss from 'pg-boss'

export const RECOGNITION_QUEUE = 'platedesk-recognition'
/**
 * pg-boss's dead-letter queue of RECOGNITION_QUEUE: a job whose last attempt failed (an error, or its
 * worker died and it expired) is copied here with the cause, and a worker records the file as failed in
 * the library. So no file is dropped silently, whatever way its attempts ended.
 */
export const FAILED_QUEUE = 'platedesk-recognition-failed'

/** attempts after the first before a file is recorded as failed */
export const RETRY_LIMIT = 2

/**
 * How long one attempt may stay active before pg-boss takes it back (the worker is presumed dead) and
 * hands it to another: pg-boss 10 has no heartbeat, so this is the longest a file may take. Generous,
 * since an expiry of a live worker only costs a second recognition (commits are idempotent).
 */
export const DEFAULT_JOB_TIMEOUT_S = { image: 600, video: 4 * 3600 }

/** what a job carries: the file as enqueued (workers map its prefix) and how to recognise it */
export interface RecognitionJob {
  /** the library's import job (a work-queue batch) whose item this file becomes */
  batch: number
  path: string
  root: string
  kind: 'image' | 'video'
  size: number
  mtimeMs: number
  fps: number
  recognizerId?: string
  crops?: boolean
  /** false: no parked-camera frame skip (ImportOptions.skipStatic) */
  skipStatic?: boolean
}

export interface WorkQueueOptions {
  /** seconds between pg-boss maintenance runs (expiry of dead workers' jobs, archiving); default 10 */
  maintenanceIntervalSeconds?: number
  /** this process runs no maintenance (e.g. a status reader) */
  supervise?: boolean
}

/** Connects to the queue's PostgreSQL (creating pg-boss's schema and the queue on first use). */
export async function openWorkQueue(url: string, o: WorkQueueOptions = {}): Promise<PgBoss> {
  const boss = new PgBoss({
    connectionString: url,
    max: 4,
    supervise: o.supervise ?? true,
    schedule: false,
    maintenanceIntervalSeconds: o.maintenanceIntervalSeconds ?? 10,
    // failed jobs stay visible as failed for a week (the library keeps the cause for good)
    archiveFailedAfterSeconds: 7 * 24 * 3600
  })
  // pg-boss reports background errors (a lost connection) as events; without a listener they would throw
  boss.on('error', (err) => process.stderr.write(`platedesk queue: ${err instanceof Error ? err.message : String(err)}\n`))
  try {
    await boss.start()
  } catch (err) {
    throw new Error(`cannot open the work queue at ${redactUrl(url)}: ${(err as Error).message}`)
  }
  const ensure = async (name: string, options: PgBoss.Queue) => {
    if (await boss.getQueue(name)) return
    try {
      await boss.createQueue(name, options)
    } catch (err) {
      // another process created it at the same moment
      if (!(await boss.getQueue(name))) throw err
    }
  }
  await ensure(FAILED_QUEUE, { name: FAILED_QUEUE, policy: 'standard', retryLimit: 10, retryDelay: 5, retryBackoff: true })
  await ensure(RECOGNITION_QUEUE, {
    name: RECOGNITION_QUEUE,
    policy: 'standard',
    retryLimit: RETRY_LIMIT,
    retryDelay: 5,
    retryBackoff: true,
    deadLetter: FAILED_QUEUE
  })
  return boss
}

/**
 * The job id of a file: the same path, size and modification time always give the same id, so enqueuing
 * a folder twice inserts nothing the second time (pg-boss inserts ON CONFLICT DO NOTHING), whatever state
 * the first job is in; an edited file (new size or time) is a new job.
 */
export function jobIdOf(path: string, size: number, mtimeMs: number): string {
  const h = createHash('sha256').update(`${path}\0${size}\0${Math.trunc(mtimeMs)}`).digest('hex')
  // RFC 4122 layout (version 5-like, variant 10) so PostgreSQL's uuid type takes it
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16], 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`
}

export interface SendPolicy {
  /** seconds one attempt may take before the job is handed to another worker (default per kind) */
  timeoutS?: number
  /** attempts after the first (default RETRY_LIMIT) */
  retries?: number
  /** seconds before the first retry, doubling (with jitter) after each (default 5) */
  retryDelayS?: number
}

/** Queues one file; false when a job for it (same path, size and time) is already there. */
export async function sendRecognition(boss: PgBoss, job: RecognitionJob, p: SendPolicy = {}): Promise<boolean> {
  const id = await boss.send(RECOGNITION_QUEUE, job as unknown as object, {
    id: jobIdOf(job.path, job.size, job.mtimeMs),
    expireInSeconds: p.timeoutS ?? DEFAULT_JOB_TIMEOUT_S[job.kind],
    retryLimit: p.retries ?? RETRY_LIMIT,
    retryDelay: p.retryDelayS ?? 5,
    retryBackoff: true
  })
  return id != null
}

export interface QueueSizes {
  /** waiting for a worker (new, or back for another attempt) */
  queued: number
  /** held by a worker now (or by a dead one, until its job expires) */
  active: number
}

export async function queueSizes(boss: PgBoss, name = RECOGNITION_QUEUE): Promise<QueueSizes> {
  // pg-boss states are ordered created < retry < active < completed < ...
  const waiting = await boss.getQueueSize(name, { before: 'active' })
  const held = await boss.getQueueSize(name, { before: 'completed' })
  return { queued: waiting, active: held - waiting }
}

/** nothing left to run or to record: no file waiting, held, or failed and not yet recorded */
export async function queueDrained(boss: PgBoss): Promise<boolean> {
  for (const name of [RECOGNITION_QUEUE, FAILED_QUEUE]) if ((await boss.getQueueSize(name, { before: 'completed' })) > 0) return false
  return true
}

/** the URL without its password, for messages and for the library's record of its queue */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url)
    if (u.password) u.password = ''
    return u.toString()
  } catch {
    return url
  }
}

export const isPostgresUrl = (s: string | undefined): s is string => !!s && /^postgres(ql)?:\/\//i.test(s)
