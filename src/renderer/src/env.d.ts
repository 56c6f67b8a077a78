/// <reference types="vite/client" />
import type { PreloadApi } from '../../preload/index'

declare global {
  interface Window {
    /** present in Electron (preload); absent in web mode, where api/web.ts talks HTTP + WebSocket */
    api?: PreloadApi
  }
}
