import { createContext, useContext } from 'react'
import type { AppInfo } from '@shared/api'
import type { Settings } from '@shared/types'

export interface AppContextValue {
  info: AppInfo | undefined
  settings: Settings | undefined
  /** saves settings (partial) and applies them (theme) at once */
  saveSettings: (patch: Partial<Settings>) => Promise<void>
  /** true while a dialog owns the keyboard: screens pause their shortcuts */
  setModal: (open: boolean) => void
}

export const AppContext = createContext<AppContextValue>({
  info: undefined,
  settings: undefined,
  saveSettings: async () => undefined,
  setModal: () => undefined
})

export const useApp = (): AppContextValue => useContext(AppContext)
