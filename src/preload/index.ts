// The renderer's only door to the backend: `window.api`, implementing `Api` from src/shared/api.ts over
// Electron IPC. Sandboxed preload: runtime imports are limited to 'electron' (everything else is types or
// the dependency-free channel map, which the bundler inlines).
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron'
import type { Api, Channel, EventName, Events, Request, Response } from '../shared/api'
import { IPC_EVENT, ipcChannel, type IpcResult } from '../main/ipc/channels'

type Listener = (payload: unknown) => void
const listeners = new Map<EventName, Set<Listener>>()
ipcRenderer.on(IPC_EVENT, (_e: IpcRendererEvent, name: EventName, payload: unknown) => {
  for (const cb of listeners.get(name) ?? []) {
    try {
      cb(payload)
    } catch (err) {
      console.error(`listener for ${name} failed`, err)
    }
  }
})

/** An API error as thrown to the renderer: message plus code ('not-found', 'invalid-request', ...). */
function apiError(error: { code: string; message: string }): Error {
  // Custom fields do not survive the context bridge, so the code also rides in the message as
  // "<code>: <message>" (the renderer's client parses it back, see renderer/src/api/errors.ts).
  const err = new Error(`${error.code}: ${error.message}`) as Error & { code: string }
  err.code = error.code
  return err
}

const call: Api['call'] = async <C extends Channel>(channel: C, req: Request<C>): Promise<Response<C>> => {
  const result = (await ipcRenderer.invoke(ipcChannel(channel), req ?? {})) as IpcResult
  if (!result.ok) throw apiError(result.error)
  return result.value as Response<C>
}

const on: Api['on'] = <E extends EventName>(event: E, cb: (payload: Events[E]) => void): (() => void) => {
  let set = listeners.get(event)
  if (!set) listeners.set(event, (set = new Set()))
  const l = cb as Listener
  set.add(l)
  return () => {
    set.delete(l)
  }
}

const api = {
  transport: 'electron' as const,
  call,
  on,
  onImportProgress: (cb: (p: Events['import.progress']) => void) => on('import.progress', cb),
  onLibraryChanged: (cb: (p: Events['library.changed']) => void) => on('library.changed', cb),
  onExportProgress: (cb: (p: Events['export.progress']) => void) => on('export.progress', cb),
  onModelsProgress: (cb: (p: Events['models.progress']) => void) => on('models.progress', cb),
  /** the absolute path of a dropped File (folders included); '' when it has none */
  getPathForFile: (file: File): string => webUtils.getPathForFile(file)
}

export type PreloadApi = typeof api

contextBridge.exposeInMainWorld('api', api)
