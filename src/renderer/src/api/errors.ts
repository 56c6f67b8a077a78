import { isApiErrorCode, type ApiErrorPayload } from '@shared/api'


/** An API failure with the backend's code, whichever transport carried it. */
export class ApiError extends Error {
  constructor(
    readonly code: ApiErrorPayload['code'],
    message: string
  ) {
    super(message)
    this.name = 'ApiError'
  }

  /** Electron's context bridge keeps only the message ("<code>: <message>"); web mode sends the payload. */
  static from(err: unknown): ApiError {
    if (err instanceof ApiError) return err
    const raw = err instanceof Error ? err.message : String(err)
    // ipcRenderer.invoke may prefix "Error invoking remote method 'x': Error: "
    const msg = raw.replace(/^Error invoking remote method '[^']*': (Error: )?/, '')
    const m = /^([a-z-]+): ([\s\S]*)$/.exec(msg)
    if (m && isApiErrorCode(m[1])) return new ApiError(m[1], m[2])
    return new ApiError('internal', msg)
  }
}
