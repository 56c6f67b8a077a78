// The composition root of the backend: one library (SQLite file), one lazily created engine per process,
// and every handler group of src/shared/api.ts behind one validated entry point. Electron IPC and the web
// server are both thin transports over `Backend.invoke` and `Backend.subscribe`.
import { readFileSync } from 'node:fs'
import { ZodError } from 'zod'
import {
  clipErrorMessage,
  isApiErrorCode,
  requests,
  type ApiErrorPayload,
  type AppInfo,
  type Channel,
  type EventName,
  type Events,
  type Handlers,
  type Request,
  type Response
} from '../../shared/api'
import type { EngineStatus, ModelStatus, Settings } from '../../shared/types'
import { openLibrary, redactUrl } from '../db/index'
import { ffmpegInfo } from '../media/ffmpeg'
import { createLibraryService, videoFile } from './library'
import { createModelsService } from './models'
import { createTrainingHandlers } from './training'
import { createRulesStore } from './rules'
import { createTrainService, trainJobsRoot } from './train'
import type { Emit } from './types'
import { createAccounts, type Accounts, type SessionPolicy } from './accounts'
import { createEngineHandle } from './engine-handle'
import { currentCaller } from './caller'
import { roleAllows, roleNeeded } from '../../shared/roles'

export interface BackendOptions {
  /** the library's SQLite file (created when absent) */
  dbPath: string
  /** model directory; default: the engine's own resolution (ALPR_MODELS_DIR, then user data) */
  modelsDir?: string
  /** Electron's userData dir: its models/ folder is searched (and downloaded into when modelsDir is unset) */
  userDataDir?: string
  mode: 'electron' | 'web'
  /** recorded as `by` in the review history */
  user?: string
  /** app version; default: package.json's */
  version?: string
  /** where "Improve the model" job folders go; default: PLATEDESK_TRAINING_DIR, else <user data>/training */
  trainingDir?: string
  /** Electron's native folder picker; web mode has none and answers { paths: [] } */
  openFolder?: () => Promise<string[]>
  /** team mode: how long sign-in sessions last (default: accounts.ts) */
  sessions?: Partial<SessionPolicy>
}

export type BackendListener = <E extends EventName>(event: E, payload: Events[E]) => void

/** What a transport sends back: the response, or the error as { code, message }. */
export type InvokeResult = { ok: true; value: unknown } | { ok: false; error: ApiErrorPayload }

export interface Backend {
  /** every channel, each validating its request with `requests[channel].parse()` first */
  readonly handlers: Handlers
  /** for transports: validates an untrusted channel name and request, never throws */
  invoke(channel: string, req: unknown): Promise<InvokeResult>
  /** typed convenience for in-process callers (CLI, tests); throws BackendError */
  call<C extends Channel>(channel: C, req: Request<C>): Promise<Response<C>>
  /** every event the services emit; returns unsubscribe */
  subscribe(listener: BackendListener): () => void
  /** the file of a library video, for the player's /media/<id>/video (null: not a video of this library) */
  videoFile(mediaId: number): string | null
  close(): Promise<void>
  /** why the library is damaged and how to recover (it is then open read-only); null when healthy */
  readonly damage: string | null
  /** team-mode accounts of this library (enabled() false: no accounts, no sign-in) */
  readonly accounts: Accounts
}


/** An error that crosses the API boundary with its code. */
export class BackendError extends Error {
  constructor(
    readonly code: ApiErrorPayload['code'],
    message: string
  ) {
    super(message)
    this.name = 'BackendError'
  }
}

/** Maps anything thrown by a handler to the { code, message } the UI shows, the message clipped (an
 *  error never echoes a large request back). */
export function toApiError(err: unknown): ApiErrorPayload {
  const e = mapError(err)
  return { code: e.code, message: clipErrorMessage(e.message) }
}

function mapError(err: unknown): ApiErrorPayload {
  if (err instanceof ZodError) {
    const issues = err.issues
      .slice(0, 5)
      .map((i) => `${i.path.length ? i.path.join('.') : 'request'}: ${i.message}`)
      .join('; ')
    return { code: 'invalid-request', message: issues || 'invalid request' }
  }
  if (err && typeof err === 'object') {
    const e = err as { code?: unknown; message?: unknown; name?: unknown }
    const message = typeof e.message === 'string' && e.message ? e.message : String(err)
    if (isApiErrorCode(e.code)) {
      return { code: e.code, message }
    }
    if (e.name === 'ZodError') return { code: 'invalid-request', message }
    if (typeof e.code === 'string' && /^E[A-Z]+$/.test(e.code)) return { code: 'io', message }
    if (/\bnot found\b|no such|does not exist/i.test(message)) return { code: 'not-found', message }
    return { code: 'internal', message }
  }
  return { code: 'internal', message: String(err) }
}

function packageVersion(): string {
  for (const rel of ['../../../package.json', '../../package.json', '../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string }
      if (pkg.name === 'platedesk' && pkg.version) return pkg.version
    } catch {
      // try the next candidate (source tree vs bundle layout)
    }
  }
  return '0.0.0'
}

type PartialHandlers = Partial<Handlers>

export async function createBackend(opts: BackendOptions): Promise<Backend> {
  const listeners = new Set<BackendListener>()
  const emit: Emit = (event, payload) => {
    for (const l of [...listeners]) {
      try {
        l(event, payload)
      } catch {
        // a failing transport must not break the service that emitted
      }
    }
  }

  const library = openLibrary(opts.dbPath)
  const rules = createRulesStore({ userDataDir: opts.userDataDir })

  // ---------------------------------------------------------------- engine: one per process, on first use
  let readSettings: () => Promise<Settings | null> = async () => null
  const engines = createEngineHandle(async () => {
    const { createEngine } = await import('../engine/index')
    const s = await readSettings()
    return createEngine({
      modelsDir: opts.modelsDir,
      userDataDir: opts.userDataDir,
      ...(s
        ? {
            detectorId: s.detectorId,
            recognizerId: s.recognizerId,
            provider: s.provider,
            detectionThreshold: s.detectionThreshold,
            countryRules: rules.engineOptions(s)
          }
        : {})
    })
  })

  // ---------------------------------------------------------------- handler groups
  const libraryService = createLibraryService({ library, engine: engines.get, emit, user: opts.user, resume: !library.damage })
  const training = createTrainingHandlers({ library, emit, engine: engines.get })
  const libraryHandlers: PartialHandlers = libraryService.handlers
  const trainingHandlers: PartialHandlers = {
    'export.run': (req) => training['export.run'](req),
    'export.status': (req) => training['export.status'](req),
    'eval.run': (req) => training['eval.run'](req),
    'eval.compare': (req) => training['eval.compare'](req)
  }
  readSettings = async () => (await libraryService.handlers['settings.get']({})) as Settings

  const models = createModelsService({
    modelsDir: opts.modelsDir,
    userDataDir: opts.userDataDir,
    emit,
    selectedIds: async () => {
      const s = await readSettings()
      return s ? [s.detectorId, ...s.recognizerId.split('+')].filter(Boolean) : []
    },
    onInstalled: async () => {
      // the next use starts an engine on the new files; app.info stops reporting the old failure
      await engines.restart()
      emit('library.changed', { reason: 'settings' })
    }
  })
  const modelStatus = (): Promise<ModelStatus[]> => models.status()

  const train = createTrainService({
    library,
    emit,
    jobsRoot: opts.trainingDir ?? trainJobsRoot(opts.userDataDir),
    models: { modelsDir: opts.modelsDir, userDataDir: opts.userDataDir },
    currentRecognizer: async () => ((await readSettings())?.recognizerId ?? '').split('+')[0] || 'cct-xs-v2-global',
    adopt: async (job) => {
      const { adoptTrainedModel } = await import('../train/adopt')
      // through the models service: checked, listed, and the engine restarted as for any model added
      const id = await adoptTrainedModel(job, (r) => models.add(r))
      // through the composed handler: the engine restarts on the new recognizer
      await composed['settings.set']!({ recognizerId: id })
      emit('library.changed', { reason: 'settings' })
      return id
    }
  })

  const version = opts.version ?? packageVersion()
  const appHandlers: PartialHandlers = {
    'app.info': async (): Promise<AppInfo> => {
      let status: EngineStatus
      const engine = engines.running()
      if (engine) status = engine.status()
      else {
        let models: ModelStatus[] = []
        let error: string | null = engines.error()
        try {
          models = await modelStatus()
        } catch (err) {
          error ??= err instanceof Error ? err.message : String(err)
        }
        status = { ready: false, detector: null, recognizer: null, provider: 'cpu', workers: 0, error, models }
      }
      return { version, mode: opts.mode, dbPath: redactUrl(opts.dbPath), engine: status, ffmpeg: ffmpegInfo() }
    },
    'models.status': () => modelStatus(),
    'models.download': (req) => models.download(req),
    'models.add': (req) => models.add(req),
    'models.remove': (req) => models.remove(req),
    'dialog.openFolder': async () => ({ paths: opts.openFolder ? await opts.openFolder() : [] })
  }
  // country rule files: a change applies to the reads of the next import (the engine restarts)
  const rulesChanged = async (): Promise<void> => {
    await engines.restart()
    emit('library.changed', { reason: 'settings' })
  }
  const ruleHandlers: PartialHandlers = {
    'rules.list': async () => rules.list((await readSettings()) ?? { disabledRules: [] }),
    'rules.get': async (req) => ({ id: req.id, ...rules.text(req.id) }),
    'rules.save': async (req) => {
      const res = rules.save(req.id, req.text)
      if (!res.errors.length) await rulesChanged()
      return res
    },
    'rules.delete': async (req) => {
      rules.remove(req.id)
      await rulesChanged()
      return rules.list((await readSettings()) ?? { disabledRules: [] })
    }
  }

  const accounts = createAccounts(library.db, opts.sessions)
  const composed: PartialHandlers = { ...libraryHandlers, ...trainingHandlers, ...train.handlers, ...appHandlers, ...ruleHandlers, ...accounts.handlers }

  // settings that change the engine restart it on the next use
  const setSettings = composed['settings.set']
  if (setSettings) {
    composed['settings.set'] = async (req) => {
      const before = await readSettings()
      const after = await setSettings(req)
      if (
        before &&
        (before.detectorId !== after.detectorId ||
          before.recognizerId !== after.recognizerId ||
          before.provider !== after.provider ||
          before.detectionThreshold !== after.detectionThreshold ||
          before.countryRules !== after.countryRules ||
          before.defaultCountry !== after.defaultCountry ||
          before.disabledRules.join() !== after.disabledRules.join())
      ) {
        await engines.restart()
      }
      return after
    }
  }

  const handlers = {} as Record<Channel, (req: unknown) => Promise<unknown>>
  for (const channel of Object.keys(requests) as Channel[]) {
    const schema = requests[channel] as { parse(v: unknown): unknown }
    handlers[channel] = async (req: unknown) => {
      // team mode: the signed-in caller's role must reach the channel's (shared/roles.ts)
      const caller = currentCaller()
      if (caller && !roleAllows(caller.role, channel)) {
        throw new BackendError('forbidden', `${channel} needs the ${roleNeeded(channel)} role; ${caller.user} is ${caller.role === 'admin' ? 'an' : 'a'} ${caller.role}`)
      }
      const parsed = schema.parse(req ?? {})
      const impl = composed[channel] as ((r: unknown) => unknown) | undefined
      if (!impl) throw new BackendError('internal', `${channel}: not implemented`)
      return await impl(parsed)
    }
  }

  let closed = false
  return {
    handlers: handlers as unknown as Handlers,
    damage: library.damage,
    accounts,
    async invoke(channel, req) {
      if (closed) return { ok: false, error: { code: 'internal', message: 'the backend is closed' } }
      if (!Object.prototype.hasOwnProperty.call(requests, channel)) {
        return { ok: false, error: { code: 'invalid-request', message: `unknown channel: ${String(channel).slice(0, 100)}` } }
      }
      try {
        return { ok: true, value: await handlers[channel as Channel](req) }
      } catch (err) {
        return { ok: false, error: toApiError(err) }
      }
    },
    async call(channel, req) {
      try {
        return (await handlers[channel](req)) as never
      } catch (err) {
        const e = toApiError(err)
        throw new BackendError(e.code, e.message)
      }
    },
    subscribe(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    videoFile: (mediaId) => (closed ? null : videoFile(library, mediaId)),
    async close() {
      if (closed) return
      closed = true
      listeners.clear()
      training.close()
      await train.close()
      await models.dispose()
      await libraryService.dispose().catch(() => undefined)
      await engines.close()
      library.close()
    }
  }
}
