// Registers every handler group on ipcMain; returns a function that removes them all.
import type { IpcMain } from 'electron'
import type { Backend } from '../services/app'
import { registerAppIpc } from './app'
import { registerLibraryIpc } from './library'
import { registerReviewIpc } from './review'
import { registerSettingsIpc } from './settings'
import { registerTrainingIpc } from './training'
import type { TrustSender } from './register'

export { forwardEvents } from './register'

export function registerIpc(ipcMain: IpcMain, backend: Backend, trust: TrustSender): () => void {
  const off = [registerAppIpc, registerLibraryIpc, registerReviewIpc, registerSettingsIpc, registerTrainingIpc].map((r) =>
    r(ipcMain, backend, trust)
  )
  return () => off.forEach((f) => f())
}
