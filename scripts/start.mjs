#!/usr/bin/env node
// `npm start` / `npm run web` after the build: the Electron window where Electron's binary is installed,
// else (a server, CI, ELECTRON_SKIP_BINARY_DOWNLOAD) the same app in web mode on 127.0.0.1 with a token.
//   node scripts/start.mjs          Electron if possible, else web mode
//   node scripts/start.mjs --web    web mode
//   node scripts/start.mjs --dev    electron-vite dev (hot reload) when Electron is installed
// Web mode's library: $PLATEDESK_DB, else library.db in the user-data folder Electron uses
// (~/.config/PlateDesk, %APPDATA%\PlateDesk, ~/Library/Application Support/PlateDesk). $PORT picks the port.
import { spawn, spawnSync } from 'node:child_process'
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { homedir, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const webOnly = process.argv.includes('--web')

function electronBinary() {
  try {
    const p = createRequire(import.meta.url)('electron')
    return typeof p === 'string' && existsSync(p) ? p : null
  } catch {
    return null // the electron package throws when its binary was never downloaded
  }
}

function userDataDir() {
  if (process.platform === 'win32') return join(process.env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'PlateDesk')
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'PlateDesk')
  return join(process.env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'PlateDesk')
}

function run(cmd, args) {
  const child = spawn(cmd, args, { cwd: root, stdio: 'inherit' })
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig))
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)))
}

/**
 * better-sqlite3 is not N-API: node_modules holds a build for Node (CLI, tests, web mode), which
 * Electron cannot load. Build a second copy for Electron's ABI once, beside it, and point the app at
 * it (PLATEDESK_SQLITE_BINDING); packaged installers rebuild in place instead (electron-builder).
 */
function electronSqliteBinding(electron) {
  const require = createRequire(import.meta.url)
  const version = require('electron/package.json').version
  const out = join(root, 'node_modules', '.platedesk-electron', version, 'better_sqlite3.node')
  if (existsSync(out)) return out
  const src = dirname(require.resolve('better-sqlite3/package.json'))
  const work = mkdtempSync(join(tmpdir(), 'platedesk-sqlite-'))
  console.log(`PlateDesk: building better-sqlite3 for Electron ${version} (once)…`)
  cpSync(src, work, { recursive: true, filter: (p) => !p.includes(`${src}/build`) })
  const gyp = process.env.npm_config_node_gyp ?? require.resolve('node-gyp/bin/node-gyp.js', { paths: [dirname(process.execPath), join(dirname(process.execPath), '../lib/node_modules/npm')] })
  const res = spawnSync(process.execPath, [gyp, 'rebuild', '--release', '--runtime=electron', `--target=${version}`, '--dist-url=https://electronjs.org/headers'], { cwd: work, stdio: 'inherit' })
  if (res.status !== 0) {
    console.error(`PlateDesk: could not build better-sqlite3 for Electron ${version} (node-gyp exit ${res.status}); the window would fail to open its library. Try \`npx @electron/rebuild -o better-sqlite3\` or run \`npm run web\`.`)
    process.exit(1)
  }
  mkdirSync(dirname(out), { recursive: true })
  copyFileSync(join(work, 'build/Release/better_sqlite3.node'), out)
  rmSync(work, { recursive: true, force: true })
  return out
}

const electron = webOnly ? null : electronBinary()
if (electron) {
  process.env.PLATEDESK_SQLITE_BINDING = electronSqliteBinding(electron)
  // --dev: electron-vite's dev server with hot reload, same native binding
  if (process.argv.includes('--dev')) run(process.execPath, [join(root, 'node_modules/electron-vite/bin/electron-vite.js'), 'dev'])
  else run(electron, ['.'])
} else {
  if (!webOnly) {
    console.log(
      'PlateDesk: no Electron binary is installed here (e.g. ELECTRON_SKIP_BINARY_DOWNLOAD, or a server without a display),\n' +
        'so the same app starts in web mode instead: open the URL below in a browser on this machine.\n' +
        'For the desktop window, install Electron\'s binary (`npm rebuild electron` or `node node_modules/electron/install.js`).\n'
    )
  }
  const db = process.env.PLATEDESK_DB ?? join(userDataDir(), 'library.db')
  mkdirSync(dirname(db), { recursive: true })
  const args = [join(root, 'bin/platedesk.js'), 'serve', '--db', db, '--port', process.env.PORT ?? '0']
  if (process.stdout.isTTY && !process.env.CI) args.push('--open')
  run(process.execPath, args)
}
