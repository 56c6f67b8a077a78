// Issue 9 item 12, without an Electron binary: the packaged app's fuses as electron-builder itself loads
// and validates electron-builder.yml, the window's policy (security.ts: app:// file resolution, navigation,
// requests, links, permissions) on real files, and that the main process wires that policy in.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  APP_INDEX_URL,
  allowPermission,
  isAllowedRequest,
  isAppUrl,
  isExternalLink,
  resolveAppFile
} from '../../src/main/security'
import { loadManifest } from '../../src/main/engine/models'
import { REPO_ROOT } from '../helpers/models'

describe('electron-builder.yml', () => {
  it('flips the fuses: no run-as-node, NODE_OPTIONS or --inspect; the app only from an integrity-checked asar', async () => {
    const require = createRequire(import.meta.url)
    const { getConfig, validateConfiguration } = require('app-builder-lib/out/util/config/config.js') as {
      getConfig(dir: string, file: string): Promise<Record<string, unknown>>
      validateConfiguration(c: unknown, logger: { isEnabled: boolean; add(): void }): Promise<void>
    }
    const config = await getConfig(REPO_ROOT, 'electron-builder.yml')
    // electron-builder's own schema check: a misspelt fuse would fail the build, and this test
    await validateConfiguration(config, { isEnabled: false, add: () => undefined })
    expect(config.asar).toBe(true)
    expect(config.electronFuses).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      onlyLoadAppFromAsar: true,
      enableEmbeddedAsarIntegrityValidation: true,
      grantFileProtocolExtraPrivileges: false
    })
    // every model the manifest marks bundled ships with its licence and NOTICE (the default detector
    // is one: without it the packaged app could not find a plate)
    const models = (config.extraResources as { from: string; filter?: string[] }[]).find((r) => r.from === 'models')!
    for (const m of loadManifest().models.filter((e) => e.bundled)) {
      expect(models.filter, m.file).toContain(`${m.file.replace(/\.onnx$/, '')}.*`)
    }
    // native modules load from outside the asar
    expect(config.asarUnpack).toEqual(expect.arrayContaining(['node_modules/koffi/**', 'node_modules/@koromix/**', 'node_modules/onnxruntime-node/**']))
  })
})

describe('app:// serves the built renderer folder and nothing else', () => {
  let dir: string
  let renderer: string
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'platedesk-sec-'))
    renderer = join(dir, 'renderer')
    mkdirSync(join(renderer, 'assets'), { recursive: true })
    writeFileSync(join(renderer, 'index.html'), '<!doctype html>')
    writeFileSync(join(renderer, 'assets', 'app.js'), '')
    writeFileSync(join(dir, 'library.db'), 'secret')
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('resolves app URLs inside the folder', () => {
    expect(resolveAppFile(renderer, APP_INDEX_URL)).toBe(join(renderer, 'index.html'))
    expect(resolveAppFile(renderer, 'app://platedesk/')).toBe(join(renderer, 'index.html'))
    expect(resolveAppFile(renderer, 'app://platedesk/assets/app.js?v=1#x')).toBe(join(renderer, 'assets', 'app.js'))
    expect(resolveAppFile(renderer, 'app://platedesk/assets/a%20b.js')).toBe(join(renderer, 'assets', 'a b.js'))
  })

  it('refuses path traversal, other hosts and schemes, NUL bytes and bad encodings', () => {
    for (const url of [
      'app://platedesk/../library.db',
      'app://platedesk/%2e%2e/library.db',
      'app://platedesk/..%2flibrary.db',
      'app://platedesk/assets/..%2F..%2Flibrary.db',
      'app://platedesk/..%5clibrary.db',
      'app://platedesk/%2Fetc%2Fpasswd',
      'app://platedesk/index.html%00.js',
      'app://platedesk/%E0%A4%A',
      'app://evil/index.html',
      'app://platedesk:8080/index.html',
      'app://user@platedesk/index.html',
      'file:///etc/passwd',
      `file://${join(renderer, 'index.html')}`,
      'https://platedesk/index.html',
      'not a url'
    ]) {
      // either refused, or (URL parsing already dropped the ../) a path that stays inside the folder
      const file = resolveAppFile(renderer, url)
      if (file !== null) expect(file.startsWith(join(renderer, '/')), `${url} → ${file}`).toBe(true)
    }
    expect(resolveAppFile(renderer, 'app://platedesk/..%2flibrary.db')).toBeNull()
    expect(resolveAppFile(renderer, 'app://platedesk/index.html%00.js')).toBeNull()
    expect(resolveAppFile(renderer, 'app://evil/index.html')).toBeNull()
    expect(resolveAppFile(renderer, `file://${join(renderer, 'index.html')}`)).toBeNull()
  })
})

describe('the window stays on the app', () => {
  it('navigation and frame navigation: the app (and the dev server in development) only', () => {
    expect(isAppUrl('app://platedesk/index.html#/review')).toBe(true)
    for (const url of ['app://evil/index.html', 'file:///etc/passwd', 'https://example.com/', 'http://127.0.0.1:5173/', 'javascript:alert(1)', 'data:text/html,x', '']) {
      expect(isAppUrl(url), url).toBe(false)
    }
    const dev = 'http://localhost:5173/'
    expect(isAppUrl('http://localhost:5173/#/library', dev)).toBe(true)
    expect(isAppUrl('http://localhost:5173.evil.com/', dev)).toBe(false)
    expect(isAppUrl('http://localhost:5174/', dev)).toBe(false)
  })

  it('requests: no remote content, no file://', () => {
    expect(isAllowedRequest('app://platedesk/assets/app.js')).toBe(true)
    expect(isAllowedRequest('data:image/jpeg;base64,AAAA')).toBe(true)
    expect(isAllowedRequest('blob:app://platedesk/1234')).toBe(true)
    for (const url of ['https://example.com/x.js', 'http://127.0.0.1:8080/', 'file:///etc/passwd', 'ws://127.0.0.1:1/', 'ftp://x/']) {
      expect(isAllowedRequest(url), url).toBe(false)
    }
    expect(isAllowedRequest('ws://localhost:5173/', 'http://localhost:5173/')).toBe(true)
    expect(isAllowedRequest('ws://localhost:9999/', 'http://localhost:5173/')).toBe(false)
  })

  it('links go to the browser only over https; every permission is refused', () => {
    expect(isExternalLink('https://github.com/ankandrew/fast-plate-ocr')).toBe(true)
    for (const url of ['http://example.com/', 'file:///etc/passwd', 'javascript:alert(1)', 'smb://host/share', 'https://user:pw@example.com/']) {
      expect(isExternalLink(url), url).toBe(false)
    }
    for (const p of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal', 'fullscreen']) expect(allowPermission(p)).toBe(false)
  })

  it('the main process wires the policy in: app:// protocol, permission check handler, redirect and frame-navigation guards', () => {
    const src = readFileSync(join(REPO_ROOT, 'src/main/index.ts'), 'utf8')
    expect(src).toMatch(/protocol\.registerSchemesAsPrivileged\(/)
    expect(src).toMatch(/protocol\.handle\(APP_SCHEME/)
    expect(src).toMatch(/setPermissionCheckHandler\(/)
    expect(src).toMatch(/setPermissionRequestHandler\(/)
    for (const ev of ['will-navigate', 'will-redirect', 'will-frame-navigate']) expect(src).toContain(`on('${ev}'`)
    expect(src).toMatch(/setWindowOpenHandler\(/)
    expect(src).not.toMatch(/loadFile\(|pathToFileURL/)
  })
})
