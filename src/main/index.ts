// Electron main process: one locked-down window over the same backend as web mode.
// The renderer gets no Node: contextIsolation + sandbox, a preload exposing `window.api` only, a strict
// CSP (index.html), no new windows, no navigation away from the app, no remote content.
import { app, BrowserWindow, dialog, ipcMain, session, shell } from 'electron'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { createBackend, type Backend } from './services/app'
import { forwardEvents, registerIpc } from './ipc/index'

// One user-data folder named like the product on every OS (~/.config/PlateDesk, %APPDATA%\PlateDesk, ...).
app.setName('PlateDesk')
app.setPath('userData', join(app.getPath('appData'), 'PlateDesk'))

const here = fileURLToPath(new URL('.', import.meta.url))
const preloadPath = join(here, '../preload/index.cjs')
const rendererIndex = join(here, '../renderer/index.html')
const devServerUrl = process.env.ELECTRON_RENDERER_URL

let backend: Backend | null = null
let mainWindow: BrowserWindow | null = null

function isAppUrl(url: string): boolean {
  if (devServerUrl && url.startsWith(devServerUrl)) return true
  return url.startsWith(pathToFileURL(rendererIndex).href)
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
    if (/^https:\/\//.test(url)) void shell.openExternal(url)
    return { action: 'deny' }
  })
  win.webContents.on('will-navigate', (e, url) => {
    if (!isAppUrl(url)) e.preventDefault()
  })
  win.webContents.on('will-attach-webview', (e) => e.preventDefault())
  const unforward = forwardEvents(b, win.webContents)
  win.on('closed', () => {
    unforward()
    if (mainWindow === win) mainWindow = null
  })
  if (devServerUrl) await win.loadURL(devServerUrl)
  else await win.loadFile(rendererIndex)
}

async function start(): Promise<void> {
  await app.whenReady()
  // No remote content: refuse every permission request and every non-app request.
  session.defaultSession.setPermissionRequestHandler((_wc, _perm, done) => done(false))
  session.defaultSession.webRequest.onBeforeRequest((details, done) => {
    const u = details.url
    const local =
      u.startsWith('file:') ||
      u.startsWith('data:') ||
      u.startsWith('blob:') ||
      u.startsWith('devtools:') ||
      // `npm run dev`: the Vite dev server and its hot-reload socket
      (!!devServerUrl && (u.startsWith(devServerUrl) || u.startsWith(devServerUrl.replace(/^http/, 'ws'))))
    done({ cancel: !local })
  })

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
