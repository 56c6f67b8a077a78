// Who uses the app. The desktop app and web mode without accounts: nobody in particular, everything
// allowed (role null). A team server: the signed-in account and its role; the screens ask can(channel)
// to hide or disable what the role may not do (the server refuses it anyway: shared/roles.ts).
import { createContext, useContext } from 'react'
import type { Channel } from '@shared/api'
import { roleAllows, type Role } from '@shared/roles'

export interface AuthValue {
  /** the signed-in account in team mode, else null */
  user: string | null
  role: Role | null
  signOut: () => void
}

export const AuthContext = createContext<AuthValue>({ user: null, role: null, signOut: () => undefined })

export const useAuth = (): AuthValue => useContext(AuthContext)

/** may the signed-in role call this channel? (always true outside team mode) */
export function useCan(): (channel: Channel) => boolean {
  const { role } = useAuth()
  return (channel) => role === null || roleAllows(role, channel)
}
