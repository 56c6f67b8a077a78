// One model-download state for the whole renderer (the first-run dialog and Settings → Models show the
// same job): 'models.download' starts it, 'models.progress' events move each file's bar.
import { useSyncExternalStore } from 'react'
import type { ModelDownloadProgress, ModelStatus } from '@shared/types'
import { api, ApiError } from '../api/client'

export interface FileDownload {
  modelId: string
  file: string
  bytes: number
  total: number | null
  state: 'queued' | ModelDownloadProgress['state']
  error: string | null
}

export interface ModelsDownloadState {
  jobId: string | null
  /** true from the click until every file of the job has ended */
  running: boolean
  /** this job's files, in download order */
  files: FileDownload[]
  /** the call itself failed (server unreachable, invalid id) */
  error: string | null
  /** bumps whenever a job ends: views refetch the model states */
  finished: number
}

let state: ModelsDownloadState = { jobId: null, running: false, files: [], error: null, finished: 0 }
const subscribers = new Set<() => void>()
/** events of jobs whose id we do not know yet (an event may beat the call's answer) */
const early = new Map<string, ModelDownloadProgress[]>()
let listening = false

function set(next: Partial<ModelsDownloadState>): void {
  state = { ...state, ...next }
  for (const s of subscribers) s()
}

const ended = (f: FileDownload): boolean => f.state === 'done' || f.state === 'error'

function apply(e: ModelDownloadProgress): void {
  if (state.jobId !== e.jobId) {
    const list = early.get(e.jobId) ?? []
    list.push(e)
    early.set(e.jobId, list)
    return
  }
  const files = state.files.some((f) => f.modelId === e.modelId)
    ? state.files.map((f) => (f.modelId === e.modelId ? { ...f, bytes: e.bytes, total: e.total, state: e.state, error: e.error } : f))
    : [...state.files, { modelId: e.modelId, file: e.file, bytes: e.bytes, total: e.total, state: e.state, error: e.error }]
  const running = !files.every(ended)
  set({ files, running, finished: state.running && !running ? state.finished + 1 : state.finished })
}

function listen(): void {
  if (listening) return
  listening = true
  api.on('models.progress', apply)
}

/** Starts (or joins) a download of the given ids, or of every missing default/selected model. */
export async function startModelsDownload(ids?: string[]): Promise<void> {
  listen()
  if (state.running) return
  set({ running: true, error: null, files: [] })
  try {
    const job = await api.call('models.download', ids?.length ? { ids } : {})
    const files: FileDownload[] = job.models.map((m) => ({ modelId: m.id, file: m.file, bytes: 0, total: m.size, state: 'queued', error: null }))
    set({ jobId: job.jobId, files, running: files.length > 0, finished: files.length ? state.finished : state.finished + 1 })
    for (const e of early.get(job.jobId) ?? []) apply(e)
    early.clear()
  } catch (err) {
    set({ running: false, error: ApiError.from(err).message, finished: state.finished + 1 })
  }
}

export function useModelsDownload(): ModelsDownloadState {
  listen()
  return useSyncExternalStore(
    (cb) => {
      subscribers.add(cb)
      return () => subscribers.delete(cb)
    },
    () => state
  )
}

/** The models the app needs now: the defaults and the ones the settings select. */
export function neededModels(models: ModelStatus[], selected: (string | undefined)[]): ModelStatus[] {
  const ids = selected.flatMap((s) => (s ? s.split('+') : [])).map((s) => s.replace(/\.onnx$/i, ''))
  return models.filter((m) => m.default || ids.some((id) => id === m.id || id === m.file.replace(/\.onnx$/i, '')))
}

export function formatMB(bytes: number): string {
  return bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1e3))} kB`
}
