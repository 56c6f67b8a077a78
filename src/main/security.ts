// The Electron window's security policy as pure functions (no electron import, so unit tests can run
// without the binary): which URLs are the app, which requests leave the session, which links open in the
// user's browser, and which file an app:// URL serves. src/main/index.ts wires them to Electron.
//
// The renderer is served from app://platedesk/ (a privileged standard scheme, protocol.handle) rather
// than file://: a file:// page is an origin that can fetch any other local file, app:// serves only the
// built renderer folder.
import { extname, isAbsolute, relative, resolve, sep } from 'node:path'

export const APP_SCHEME = 'app'
export const APP_HOST = 'platedesk'
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`
export const APP_INDEX_URL = `${APP_ORIGIN}/index.html`

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.map': 'application/json',
  // library videos for the player (/media/<id>/video)
  '.mp4': 'video/mp4',
  '.m4v': 'video/mp4',
  '.mov': 'video/quicktime',
  '.mkv': 'video/x-matroska',
  '.webm': 'video/webm',
  '.avi': 'video/x-msvideo'
}

export function contentType(file: string): string {
  return MIME[extname(file).toLowerCase()] ?? 'application/octet-stream'
}

/** The player's address for a library video, the same path in web mode and under app:// (Electron). */
export const MEDIA_VIDEO_PATH = /^\/media\/([1-9][0-9]{0,14})\/video$/

/** The media id a /media/<id>/video path names, or null for any other path. */
export function mediaVideoId(pathname: string): number | null {
  const m = MEDIA_VIDEO_PATH.exec(pathname)
  return m ? Number(m[1]) : null
}

function parse(url: string): URL | null {
  try {
    return new URL(url)
  } catch {
    return null
  }
}

/**
 * The file inside `rendererDir` that an app:// URL names ('/' is index.html), or null for another scheme
 * or host, a bad %-encoding, a NUL byte, or a path that leaves the folder (../, encoded %2e%2e or %2f,
 * backslashes, absolute or drive paths).
 */
export function resolveAppFile(rendererDir: string, url: string): string | null {
  const u = parse(url)
  if (!u || u.protocol !== `${APP_SCHEME}:` || u.hostname !== APP_HOST || u.port || u.username || u.password) return null
  let rel: string
  try {
    rel = decodeURIComponent(u.pathname)
  } catch {
    return null
  }
  if (rel.includes('\0') || rel.includes('\\')) return null
  if (rel === '/' || rel === '') rel = '/index.html'
  const root = resolve(rendererDir)
  const file = resolve(root, `.${rel}`)
  const inside = relative(root, file)
  if (!inside || inside.startsWith('..') || isAbsolute(inside) || inside.split(sep).includes('..')) return null
  return file
}

/** Whether `url` is the app itself (its own pages; with `npm run dev`, the Vite dev server's origin). */
export function isAppUrl(url: string, devServerUrl?: string): boolean {
  const u = parse(url)
  if (!u) return false
  if (u.protocol === `${APP_SCHEME}:`) return u.hostname === APP_HOST && !u.port && !u.username && !u.password
  if (devServerUrl) {
    const dev = parse(devServerUrl)
    return !!dev && u.origin === dev.origin
  }
  return false
}

/** Requests the window's session lets out: the app, data:/blob: URLs, devtools, and in development the
 *  dev server and its hot-reload socket. Everything else (http(s), file:, ws to elsewhere) is cancelled. */
export function isAllowedRequest(url: string, devServerUrl?: string): boolean {
  if (isAppUrl(url, devServerUrl)) return true
  const u = parse(url)
  if (!u) return false
  if (u.protocol === 'data:' || u.protocol === 'blob:' || u.protocol === 'devtools:') return true
  if (devServerUrl && (u.protocol === 'ws:' || u.protocol === 'wss:')) {
    const dev = parse(devServerUrl)
    return !!dev && u.host === dev.host
  }
  return false
}

/** Links the app may hand to the user's browser (https only; nothing opens inside the app). */
export function isExternalLink(url: string): boolean {
  const u = parse(url)
  return !!u && u.protocol === 'https:' && !u.username && !u.password
}

/** Every permission request and check (camera, notifications, clipboard, ...) is refused: the app needs none. */
export function allowPermission(_permission: string): boolean {
  return false
}
