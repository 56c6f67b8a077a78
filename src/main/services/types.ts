// Services are the plain-Node backend behind the API: the Electron IPC handlers and the web-mode
// server both route each channel of src/shared/api.ts to exactly one service method.
import type { Events, EventName } from '../../shared/api'

/** A tiny typed event bus that the services publish to and the transports (IPC, WebSocket) forward. */
export type Emit = <E extends EventName>(event: E, payload: Events[E]) => void
