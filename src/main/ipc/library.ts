// IPC for the 'library' handler group (see channels.ts for its channels).
import type { IpcMain } from 'electron'
import type { Backend } from '../services/app'
import { registerGroup, type TrustSender } from './register'

export const registerLibraryIpc = (ipcMain: IpcMain, backend: Backend, trust: TrustSender): (() => void) =>
  registerGroup(ipcMain, backend, 'library', trust)
