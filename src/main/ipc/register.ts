// Thin IPC: one ipcMain.handle per channel; the backend validates the request, calls the service and
// maps errors to { code, message }.
import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron'
import type { Backend } from '../services/app'
import { channelGroups, ipcChannel, IPC_EVENT, type ChannelGroup, type IpcResult } from './channels'

/** Decides whether an IPC call comes from our own renderer (not some other frame or navigated page). */
export type TrustSender = (event: IpcMainInvokeEvent) => boolean

export function registerGroup(ipcMain: IpcMain, backend: Backend, group: ChannelGroup, trust: TrustSender): () => void {
  const channels = channelGroups[group]
  for (const channel of channels) {
    ipcMain.handle(ipcChannel(channel), async (event, req: unknown): Promise<IpcResult> => {
      if (!trust(event)) return { ok: false, error: { code: 'unauthorized', message: 'untrusted sender' } }
      return backend.invoke(channel, req)
    })
  }
  return () => {
    for (const channel of channels) ipcMain.removeHandler(ipcChannel(channel))
  }
}

/** Forwards every backend event to the window; returns unsubscribe. */
export function forwardEvents(backend: Backend, contents: WebContents): () => void {
  return backend.subscribe((event, payload) => {
    if (!contents.isDestroyed()) contents.send(IPC_EVENT, event, payload)
  })
}
