// The backend's one engine, started on first use and restarted when a setting it depends on changes
// (detector, recognizer, threshold, country rules, a model installed). Consumers (an import, an
// evaluation) hold this handle's Engine across restarts: what they already sent finishes on the old
// engine, which drains and then stops; what they send next goes to the new one. Holding the engine
// itself, an import running across a settings change failed all its remaining files ("engine is
// closed": 83 of 96 photos).
import { engineClosedError, isEngineClosedError } from '../engine/pool'
import type { Engine } from '../engine/types'

export interface EngineHandle {
  /** an Engine that always routes to the current engine, once one runs (starting it on first use) */
  get(): Promise<Engine>
  /** the running engine, or null (none started yet, or starting) */
  running(): Engine | null
  /** why the last start failed, until a start succeeds or the engine is restarted */
  error(): string | null
  /** the next request starts an engine with the current settings; the old one drains, then stops */
  restart(): Promise<void>
  /** drains and stops the engine; later requests reject */
  close(): Promise<void>
}

export function createEngineHandle(start: () => Promise<Engine>): EngineHandle {
  let current: Promise<Engine> | null = null
  let engine: Engine | null = null
  let failure: string | null = null
  let closed = false

  const real = (): Promise<Engine> => {
    if (closed) return Promise.reject(engineClosedError())
    if (!current) {
      const p = start()
      current = p
      p.then(
        (e) => {
          if (current !== p) return
          engine = e
          failure = null
        },
        (err: unknown) => {
          if (current !== p) return
          current = null // a failed start (e.g. missing models) is retried on the next use
          failure = `the recognition engine could not start: ${err instanceof Error ? err.message : String(err)}`
        }
      )
    }
    return current
  }

  /** one request on the current engine */
  const route = async <T>(fn: (e: Engine) => Promise<T>): Promise<T> => {
    const p = real()
    try {
      return await fn(await p)
    } catch (err) {
      // refused by an engine that a restart is closing (it never reached a worker): the next one takes it
      if (isEngineClosedError(err) && !closed && current !== p) return fn(await real())
      throw err
    }
  }

  const facade: Engine = {
    status: () =>
      engine?.status() ?? { ready: false, detector: null, recognizer: null, provider: 'cpu', workers: 0, error: failure, models: [] },
    recognizeFile: (path, o) => route((e) => e.recognizeFile(path, o)),
    recognizeBytes: (bytes, name, o) => route((e) => (e.recognizeBytes ? e.recognizeBytes(bytes, name, o) : e.recognizeFile(name, o))),
    recognizeRaw: (image, o) => route((e) => e.recognizeRaw(image, o)),
    threadIds: () => engine?.threadIds?.() ?? [],
    // consumers share the engine; only the handle stops it
    close: async () => undefined
  }

  const stop = async (): Promise<void> => {
    const p = current
    current = null
    engine = null
    if (p) await p.then((e) => e.close({ drain: true })).catch(() => undefined)
  }

  return {
    get: async () => {
      await real()
      return facade
    },
    running: () => engine,
    error: () => failure,
    restart: async () => {
      failure = null
      await stop()
    },
    close: async () => {
      closed = true
      await stop()
    }
  }
}
