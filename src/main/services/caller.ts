// Who makes the current API call. In team mode the web server authenticates each request and runs its
// handler inside runAs(), so the services can name the author of every history row and hold review
// leases per person without threading a parameter through every handler. The desktop app and the CLI
// have no caller: the backend's own user (BackendOptions.user, else the OS user) is the author.
import { AsyncLocalStorage } from 'node:async_hooks'
import type { Role } from '../../shared/roles'

export type { Role }

export interface Caller {
  /** account name, recorded as `by` in history */
  user: string
  role: Role
}

const store = new AsyncLocalStorage<Caller>()

export function runAs<T>(caller: Caller, fn: () => T): T {
  return store.run(caller, fn)
}

/** the authenticated caller of the API call in progress; undefined outside team mode */
export function currentCaller(): Caller | undefined {
  return store.getStore()
}
