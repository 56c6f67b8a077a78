// Starts the real backend in web mode (`platedesk serve`) on a temp library and a free port, and hands
// the spec its URL. Builds nothing: `npm test` runs `npm run build` before the e2e specs.
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Page } from '@playwright/test'
import { photoVariants as variantsOf } from '../../test/helpers/fixtures'

export const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)))
export const SHARED = resolve(ROOT, '../shared')
export const MODELS_DIR = process.env.ALPR_MODELS_DIR ?? join(SHARED, 'models')
export const FIXTURES = join(SHARED, 'fixtures/romania-dashcam')
export const IMAGES = join(FIXTURES, 'images')

/** Why the app specs cannot run here, or null. */
export function missingPrerequisite(): string | null {
  if (!existsSync(join(ROOT, 'out/renderer/index.html'))) return 'the renderer is not built (run `npm run build` first)'
  if (!existsSync(join(MODELS_DIR, 'yolo-v9-t-416-license-plates-end2end1.onnx'))) return `no models in ${MODELS_DIR} (set ALPR_MODELS_DIR)`
  if (!existsSync(IMAGES)) return `no fixtures at ${IMAGES}`
  return null
}

export interface RunningApp {
  /** http://127.0.0.1:PORT/?token=... */
  url: string
  origin: string
  token: string
  dbPath: string
  dir: string
  /** POST /api/<channel> with the token, as the page does */
  call<T = unknown>(channel: string, req?: unknown): Promise<T>
  stop(): Promise<void>
}

/** dbPath: a library to reuse; env: extra environment for the backend (e.g. ALPR_MODELS_DIR, ALPR_MODELS_BASE_URL) */
export async function startApp(opts: { dbPath?: string; env?: Record<string, string> } = {}): Promise<RunningApp> {
  const dir = mkdtempSync(join(tmpdir(), 'platedesk-e2e-'))
  const dbPath = opts.dbPath ?? join(dir, 'library.db')
  const child: ChildProcess = spawn(process.execPath, [join(ROOT, 'bin/platedesk.js'), 'serve', '--db', dbPath, '--port', '0'], {
    cwd: ROOT,
    env: { ...process.env, ALPR_MODELS_DIR: MODELS_DIR, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let output = ''
  const url = await new Promise<string>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`platedesk serve printed no URL in 60 s:\n${output}`)), 60_000)
    const onData = (d: Buffer): void => {
      output += d.toString()
      const m = /(http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]+)/.exec(output)
      if (m) {
        clearTimeout(timer)
        ok(m[1])
      }
    }
    child.stdout!.on('data', onData)
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()))
    child.once('exit', (code) => {
      clearTimeout(timer)
      fail(new Error(`platedesk serve exited (${code}):\n${output}`))
    })
  })
  const u = new URL(url)
  const token = u.searchParams.get('token')!
  const origin = u.origin
  return {
    url,
    origin,
    token,
    dbPath,
    dir,
    async call<T>(channel: string, req: unknown = {}): Promise<T> {
      const res = await fetch(`${origin}/api/${channel}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-platedesk-token': token },
        body: JSON.stringify(req)
      })
      const body = (await res.json()) as T & { error?: { message: string } }
      if (!res.ok) throw new Error(`${channel}: ${res.status} ${body.error?.message}`)
      return body
    },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r))
        child.kill('SIGTERM')
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))])
        if (child.exitCode === null) child.kill('SIGKILL')
      }
      if (!opts.dbPath) rmSync(dir, { recursive: true, force: true })
    }
  }
}

/** Opens the app in the page and waits for the shell. */
export async function openApp(page: Page, app: RunningApp, hash = '#/library'): Promise<void> {
  await page.goto(`${app.url}${hash}`)
  await page.getByTestId('nav-library').waitFor()
}

export const SCREENSHOTS = join(ROOT, 'e2e/screenshots')

/** Imports through the API and waits until the job is done. */
export async function importAndWait(app: RunningApp, paths: string[], timeout = 120_000): Promise<number> {
  const { jobId } = await app.call<{ jobId: number }>('library.import', { paths })
  const until = Date.now() + timeout
  for (;;) {
    const s = await app.call<{ jobId: number; state: string } | null>('import.status')
    if (s && s.jobId === jobId && s.state === 'done') return jobId
    if (s && s.jobId === jobId && (s.state === 'error' || s.state === 'cancelled')) throw new Error(`import ${jobId} ended ${s.state}`)
    if (Date.now() > until) throw new Error(`import ${jobId} not done in ${timeout} ms`)
    await new Promise((r) => setTimeout(r, 250))
  }
}

/** n distinct copies of the fixture photos in dir (test/helpers/fixtures.ts) */
export const photoVariants = (dir: string, n: number): string[] => variantsOf(IMAGES, dir, n)

/** Whether two on-screen rectangles overlap. */
export function overlaps(a: { x: number; y: number; width: number; height: number }, b: { x: number; y: number; width: number; height: number }): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height
}
