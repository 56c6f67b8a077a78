// Model download from inside the app ('models.download' → 'models.progress' events): fetches the
// missing or corrupt models into the models folder with the engine's checksum-checked, atomic
// downloadModel, one file at a time, and reports each file's bytes, verification and outcome.
// ALPR_MODELS_BASE_URL (a mirror, or a local server in tests) replaces the manifest's URL: <base>/<file>.
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { ModelDownloadProgress, ModelStatus } from '../../shared/types'
import { downloadModel, getModel, loadManifest, modelUrl, modelsInstallDir, useUserDataDir, verifyModel, verifyModels, type ModelEntry } from '../engine/models'
import { addUserModel, removeUserModel } from '../engine/model-import'
import type { Emit } from './types'

/** An error with an API code (toApiError in app.ts keeps it); not app.ts's class, to avoid an import cycle. */
class ModelsApiError extends Error {
  constructor(
    readonly code: 'invalid-request' | 'conflict',
    message: string
  ) {
    super(message)
    this.name = 'ModelsApiError'
  }
}

export interface ModelsServiceOptions {
  /** the backend's models dir (first searched, and where downloads go); else ALPR_MODELS_DIR, then user data */
  modelsDir?: string
  userDataDir?: string
  emit: Emit
  /** the model ids the current settings select (a recognizer id may join several with '+') */
  selectedIds: () => Promise<string[]>
  /** called once a job has installed at least one file, or a model was added or removed (the backend restarts its engine) */
  onInstalled: () => Promise<void>
  /** a download that receives nothing for this long fails (default 30 s) */
  stallMs?: number
}

export interface ModelsService {
  /** every manifest model's state, with its size and whether it is a default */
  status(): Promise<ModelStatus[]>
  download(req: { ids?: string[] }): Promise<{ jobId: string; models: { id: string; file: string; size: number }[] }>
  /** checks and adds a model you bring; rejects with 'invalid-request' naming the file and the cause */
  add(req: { path: string; config?: string; id?: string }): Promise<ModelStatus>
  /** removes a model you added; 'conflict' while the settings select it */
  remove(req: { id: string }): Promise<{ id: string }>
  /** the running job, awaited (tests, shutdown) */
  idle(): Promise<void>
  dispose(): Promise<void>
}

/** Adds what the user should do to a network error; checksum and HTTP errors already say it all. */
function explain(err: unknown, entry: ModelEntry, url: string, stalled: boolean): string {
  const msg = err instanceof Error ? err.message : String(err)
  if (stalled) return `download ${entry.file} from ${url}: no data received for a while (connection stalled); try again`
  const code = (err as { code?: string } | null)?.code ?? /\b(E[A-Z_]{4,})\b/.exec(msg)?.[1]
  const unreachable = ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET']
  if (code && unreachable.includes(code)) {
    return `${msg} (the download server cannot be reached: check the network connection, or set ALPR_MODELS_BASE_URL to a mirror)`
  }
  return msg.includes(entry.file) ? msg : `download ${entry.file} from ${url}: ${msg}`
}

export function createModelsService(opts: ModelsServiceOptions): ModelsService {
  // the user's own models are listed in this backend's userData dir, for every lookup in this process
  if (opts.userDataDir) useUserDataDir(opts.userDataDir)
  const where = { modelsDir: opts.modelsDir, userDataDir: opts.userDataDir }
  const stallMs = opts.stallMs ?? 30_000
  let seq = 0
  type Job = { jobId: string; models: { id: string; file: string; size: number }[]; done: Promise<void> }
  let running: Job | null = null
  const current = (): Job | null => running
  const controllers = new Set<AbortController>()
  let disposed = false

  const status = async (): Promise<ModelStatus[]> => {
    const manifest = loadManifest()
    const rows = await verifyModels(where)
    return rows.map((r) => {
      const e = manifest.models.find((m) => m.id === r.id)
      const alphabet = e?.alphabet != null ? [...e.alphabet].filter((c) => c !== e.padChar).join('') : undefined
      return { ...r, size: e?.size, default: !!e?.default, ...(alphabet != null ? { alphabet } : {}), ...(e?.user ? { user: true } : {}) }
    })
  }

  /** What a job without ids fetches: the defaults and the selected models that are not ok. */
  const wanted = async (ids?: string[]): Promise<ModelEntry[]> => {
    if (ids?.length) {
      const out: ModelEntry[] = []
      for (const id of ids) {
        let e: ModelEntry
        try {
          e = getModel(id)
        } catch (err) {
          throw new ModelsApiError('invalid-request', err instanceof Error ? err.message : String(err))
        }
        if (!e.url) {
          throw new ModelsApiError('invalid-request', e.user ? `model ${e.id} is one you added: it has no download; add its file again (Settings → Models → Add model…)` : `model ${e.id} ships with PlateDesk and has no download`)
        }
        if (!out.includes(e)) out.push(e)
      }
      return out
    }
    const manifest = loadManifest()
    const selected = new Set<string>()
    for (const id of await opts.selectedIds().catch(() => [] as string[])) {
      try {
        selected.add(getModel(id).id)
      } catch {
        // a setting naming an unknown model is the engine's error to report, not a download
      }
    }
    const rows = await verifyModels(where)
    // a model you added, or one that ships with PlateDesk, has nowhere to be downloaded from
    return manifest.models.filter((m) => m.url && (m.default || selected.has(m.id)) && rows.find((r) => r.id === m.id)?.state !== 'ok')
  }

  /**
   * Fetches the files one by one. `finish` runs before the last file's final event goes out, so a client
   * that sees it finds the engine reset and can start a new job at once.
   */
  const runJob = async (jobId: string, entries: ModelEntry[], finish: () => void): Promise<void> => {
    const dir = modelsInstallDir(where)
    let installed = 0
    let finished = false
    const end = async (): Promise<void> => {
      if (finished) return
      finished = true
      if (installed > 0 && !disposed) await opts.onInstalled().catch(() => undefined)
      finish()
    }
    for (const [i, entry] of entries.entries()) {
      if (disposed) break
      const isLast = i === entries.length - 1
      const url = modelUrl(entry)
      const base = { jobId, modelId: entry.id, file: entry.file }
      const send = (p: Omit<ModelDownloadProgress, 'jobId' | 'modelId' | 'file'>): void => opts.emit('models.progress', { ...base, ...p })
      const ac = new AbortController()
      controllers.add(ac)
      let stalled = false
      let watchdog: NodeJS.Timeout | undefined
      const arm = (): void => {
        clearTimeout(watchdog)
        watchdog = setTimeout(() => {
          stalled = true
          ac.abort()
        }, stallMs)
      }
      let bytes = 0
      let total: number | null = entry.size
      let lastSent = 0
      let trailing: NodeJS.Timeout | undefined
      const sendBytes = (): void => {
        clearTimeout(trailing)
        trailing = undefined
        lastSent = Date.now()
        if (bytes === entry.size || (total !== null && bytes === total)) {
          send({ bytes, total: entry.size, state: 'verifying', error: null })
        } else send({ bytes, total: total ?? entry.size, state: 'downloading', error: null })
      }
      send({ bytes: 0, total: entry.size, state: 'downloading', error: null })
      try {
        arm()
        await downloadModel(
          entry,
          dir,
          (p) => {
            arm()
            bytes = p.bytes
            total = p.total
            // at most ~10 events a second per file (smooth enough, light on the WebSocket); the latest
            // count always follows within 100 ms, so a stalled transfer shows where it stopped
            const wait = 100 - (Date.now() - lastSent)
            if (wait <= 0 || p.bytes === p.total) sendBytes()
            else trailing ??= setTimeout(sendBytes, wait)
          },
          { url, signal: ac.signal }
        )
        clearTimeout(trailing)
        clearTimeout(watchdog)
        installed++
        if (isLast) await end()
        send({ bytes: entry.size, total: entry.size, state: 'done', error: null })
      } catch (err) {
        clearTimeout(trailing)
        clearTimeout(watchdog)
        // downloadModel removes its .part; make sure, whatever failed, nothing half-written remains
        await rm(join(dir, `${entry.file}.part`), { force: true }).catch(() => undefined)
        if (isLast) await end()
        send({ bytes, total: entry.size, state: 'error', error: explain(err, entry, url, stalled) })
      } finally {
        clearTimeout(trailing)
        clearTimeout(watchdog)
        controllers.delete(ac)
      }
    }
    await end()
  }

  return {
    status,
    async download(req) {
      if (disposed) throw new ModelsApiError('conflict', 'the backend is closing')
      if (req.ids?.length) await wanted(req.ids) // an unknown id is refused even while a job runs
      if (running) return { jobId: running.jobId, models: running.models }
      const entries = await wanted(req.ids)
      const started = current() // another call may have started one while we checked
      if (started) return { jobId: started.jobId, models: started.models }
      const jobId = `models-${++seq}`
      const models = entries.map((e) => ({ id: e.id, file: e.file, size: e.size }))
      if (!entries.length) return { jobId, models }
      const job = { jobId, models, done: Promise.resolve() }
      running = job
      const clear = (): void => {
        if (running === job) running = null
      }
      job.done = runJob(jobId, entries, clear).finally(clear)
      return { jobId, models }
    },
    async add(req) {
      if (disposed) throw new ModelsApiError('conflict', 'the backend is closing')
      const { entry } = await addUserModel(req.path, { config: req.config, id: req.id, userDataDir: opts.userDataDir })
      await opts.onInstalled().catch(() => undefined)
      const st = await verifyModel(entry, where)
      return { ...st, size: entry.size, default: false, user: true, ...(entry.alphabet != null ? { alphabet: [...entry.alphabet].filter((c) => c !== entry.padChar).join('') } : {}) }
    },
    async remove(req) {
      const selected = await opts.selectedIds().catch(() => [] as string[])
      if (selected.includes(req.id)) {
        throw new ModelsApiError('conflict', `model ${req.id} is selected in Settings: choose another ${getModel(req.id).task} first, then remove it`)
      }
      const e = await removeUserModel(req.id, { userDataDir: opts.userDataDir })
      await opts.onInstalled().catch(() => undefined)
      return { id: e.id }
    },
    async idle() {
      await running?.done
    },
    async dispose() {
      disposed = true
      for (const ac of controllers) ac.abort()
      await running?.done.catch(() => undefined)
    }
  }
}
