// The renderer's one API object: Electron's preload (window.api) when present, else the web-mode client.
// Screens cannot tell which one they talk to.
import type { Api, Channel, Request, Response } from '@shared/api'
import { ApiError } from './errors'
import { createWebClient, type Auth } from './web'

export interface ClientApi extends Api {
  transport: 'electron' | 'web'
  /** web mode: sign-in for a team server (the desktop app has none) */
  auth?: Auth
  /** Electron only: the absolute path of a dropped file or folder */
  getPathForFile?: (file: File) => string
}

function pick(): ClientApi {
  const pre = window.api
  if (pre) {
    return {
      transport: 'electron',
      // errors crossing the context bridge keep only their message: rebuild the ApiError
      call: <C extends Channel>(channel: C, req: Request<C>): Promise<Response<C>> =>
        pre.call(channel, req).catch((err: unknown) => {
          throw ApiError.from(err)
        }),
      on: pre.on,
      getPathForFile: pre.getPathForFile
    }
  }
  return createWebClient()
}

export const api: ClientApi = pick()
export { ApiError }
