// Electron main process: one locked-down window over the same backend as web mode.
// The renderer gets no Node: contextIsolation + sandbox, a preload exposing `window.api` only, a strict
// CSP, pages from app://platedesk/ (the built renderer folder only, never file://), no new windows, no
// navigation, redirect or frame navigation away from the app, no remote content, no permissions.
// The packaged binary's fuses (electron-builder.yml) turn off ELECTRON_RUN_AS_NODE, NODE_OPTIONS and
// --inspect, and load the app only from its integrity-checked asar. Policy: security.ts.
import { app, BrowserWindow, dialog, ipcMain, protocol, session, shell } from 'electron'
import { mkdirSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { createBackend, type Backend } from './services/app'
import { forwardEvents, registerIpc } from './ipc/index'
import { openFileRange } from './media/file-range'
import {
  APP_HOST,
  APP_INDEX_URL,
  APP_SCHEME,
  allowPermission,
  contentType,
  isAllowedRequest,
  isAppUrl as isAppUrlFor,
  isExternalLink,
  mediaVideoId,
  resolveAppFile
} from './security'

// One user-data folder named like the product on every OS (~/.config/PlateDesk, %APPDATA%\PlateDesk, ...).
app.setName('PlateDesk')
app.setPath('userData', join(app.getPath('appData'), 'PlateDesk'))

const here = fileURLToPath(new URL('.', import.meta.url))
const preloadPath = join(here, '../preload/index.cjs')
const rendererDir = join(here, '../renderer')
const devServerUrl = process.env.ELECTRON_RENDERER_URL

// before 'ready': app:// behaves like https (standard URLs, secure context, fetch) for the app's own pages;
// stream: the player's <video> reads library videos from app://platedesk/media/<id>/video in byte ranges
protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true } }])

let backend: Backend | null = null
let mainWindow: BrowserWindow | null = null

function isAppUrl(url: string): boolean {
  return isAppUrlFor(url, devServerUrl)
}

/** app://platedesk/media/<id>/video: a video of the library (by media id, never a path), in byte ranges. */
function serveVideo(request: Request, mediaId: number): Response {
  const file = backend?.videoFile(mediaId) ?? null
  if (!file) return new Response('not found', { status: 404 })
  try {
    const r = openFileRange(file, request.headers.get('range'), contentType(file), { head: request.method === 'HEAD' })
    const body = r.body ? (Readable.toWeb(r.body) as unknown as ReadableStream<Uint8Array>) : null
    return new Response(body, { status: r.status, headers: r.headers })
  } catch {
    return new Response('not found', { status: 404 })
  }
}

/** app://platedesk/<path>: a file of the built renderer or a library video, else 404 (never anything
 *  outside the renderer's folder or the library). */
async function serveApp(request: Request): Promise<Response> {
  const u = new URL(request.url)
  const videoId = u.hostname === APP_HOST ? mediaVideoId(u.pathname) : null
  if (videoId !== null) return serveVideo(request, videoId)
  const file = resolveAppFile(rendererDir, request.url)
  if (!file) return new Response('not found', { status: 404 })
  try {
    const body = await readFile(file)
    return new Response(body, { headers: { 'content-type': contentType(file), 'x-content-type-options': 'nosniff' } })
  } catch {
    return new Response('not found', { status: 404 })
  }
}

async function createWindow(b: Backend): Promise<void> {
  const win = new BrowserWindow({
    width: 1440,
    height: 900,
    minWidth: 1024,
    minHeight: 640,
    title: 'PlateDesk',
    show: false,
    backgroundColor: '#121417',
    autoHideMenuBar: true,
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      spellcheck: false
    }
  })
  mainWindow = win
  win.once('ready-to-show', () => win.show())
  win.webContents.setWindowOpenHandler(({ url }) => {
    // Links to the web (licences, docs) open in the user's browser; nothing opens inside the app.
    if (isExternalLink(url)) void shell.openExternal(url)
    return { action: 'deny' }
  })
  // the page (or any frame in it) stays on the app: no navigation, server redirect or frame navigation away
  win.webContents.on('will-navigate', (e) => {
    if (!isAppUrl(e.url)) e.preventDefault()
  })
  win.webContents.on('will-redirect', (e) => {
    if (!isAppUrl(e.url)) e.preventDefault()
  })
  win.webContents.on('will-frame-navigate', (e) => {
    if (!isAppUrl(e.url)) e.preventDefault()
  })
  win.webContents.on('will-attach-webview', (e) => e.preventDefault())
  const unforward = forwardEvents(b, win.webContents)
  win.on('closed', () => {
    unforward()
    if (mainWindow === win) mainWindow = null
  })
  await win.loadURL(devServerUrl ?? APP_INDEX_URL)
}

async function start(): Promise<void> {
  await app.whenReady()
  protocol.handle(APP_SCHEME, serveApp)
  // No remote content: refuse every permission request and check, and every non-app request.
  const ses = session.defaultSession
  ses.setPermissionRequestHandler((_wc, permission, done) => done(allowPermission(permission)))
  ses.setPermissionCheckHandler((_wc, permission) => allowPermission(permission))
  ses.setDevicePermissionHandler(() => false)
  ses.webRequest.onBeforeRequest((details, done) => done({ cancel: !isAllowedRequest(details.url, devServerUrl) }))

  const userData = app.getPath('userData')
  mkdirSync(userData, { recursive: true })
  const dbPath = process.env.PLATEDESK_DB ?? join(userData, 'library.db')
  const modelsDir = process.env.ALPR_MODELS_DIR ?? join(userData, 'models')
  backend = await createBackend({
    dbPath,
    modelsDir,
    userDataDir: userData,
    mode: 'electron',
    version: app.getVersion(),
    openFolder: async () => {
      const opts: Electron.OpenDialogOptions = { properties: ['openDirectory', 'multiSelections'], title: 'Import folders' }
      const r = mainWindow ? await dialog.showOpenDialog(mainWindow, opts) : await dialog.showOpenDialog(opts)
      return r.canceled ? [] : r.filePaths
    }
  })
  registerIpc(ipcMain, backend, (event) => {
    const frame = event.senderFrame
    // only the app's own top-level page may call the backend (no iframes, no navigated-away pages)
    return !!frame && frame.parent === null && isAppUrl(frame.url)
  })
  await createWindow(backend)
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0 && backend) void createWindow(backend)
  })
}

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit()
})
let quitting = false
app.on('before-quit', (e) => {
  if (quitting || !backend) return
  e.preventDefault()
  quitting = true
  const b = backend
  backend = null
  void b.close().finally(() => app.quit())
})

start().catch((err: unknown) => {
  dialog.showErrorBox('PlateDesk could not start', err instanceof Error ? (err.stack ?? err.message) : String(err))
  app.exit(1)
})
