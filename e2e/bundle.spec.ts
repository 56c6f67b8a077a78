// The built app, not the sources: the bundle Electron runs (out/main chunks) must load and serve, and the
// sandboxed preload may require nothing but 'electron'. These catch bundling mistakes that tsx never sees.
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, test } from '@playwright/test'
import { MODELS_DIR, ROOT } from './helpers/app'

const built = existsSync(join(ROOT, 'out/main/cli.js')) && existsSync(join(ROOT, 'out/preload/index.cjs'))
test.skip(!built, 'the app is not built (npm run build)')

test('the sandboxed preload requires only electron', () => {
  const code = readFileSync(join(ROOT, 'out/preload/index.cjs'), 'utf8')
  const required = [...code.matchAll(/require\(["']([^"']+)["']\)/g)].map((m) => m[1])
  expect([...new Set(required)]).toEqual(['electron'])
  expect(code).toContain('exposeInMainWorld')
})

test('the bundled backend (what Electron loads) starts and serves the API', async ({ page }) => {
  const dir = mkdtempSync(join(tmpdir(), 'platedesk-bundle-'))
  const runner = join(dir, 'run.mjs')
  writeFileSync(runner, `const m = await import(${JSON.stringify(join(ROOT, 'out/main/cli.js'))}); process.exitCode = await m.main(process.argv.slice(2))\n`)
  const child = spawn(process.execPath, [runner, 'serve', '--db', join(dir, 'library.db')], {
    env: { ...process.env, ALPR_MODELS_DIR: MODELS_DIR },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  try {
    let out = ''
    const url = await new Promise<string>((ok, fail) => {
      const t = setTimeout(() => fail(new Error(`no URL in 30 s:\n${out}`)), 30_000)
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString()
        const m = /(http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]+)/.exec(out)
        if (m) {
          clearTimeout(t)
          ok(m[1])
        }
      })
      child.stderr.on('data', (d: Buffer) => (out += d.toString()))
      child.once('exit', (c) => {
        clearTimeout(t)
        fail(new Error(`the bundled CLI exited (${c}):\n${out}`))
      })
    })
    await page.goto(`${url}#/settings`)
    await expect(page.getByTestId('models-table')).toBeVisible()
    const token = new URL(url).searchParams.get('token')!
    const res = await fetch(`${new URL(url).origin}/api/app.info`, { method: 'POST', headers: { 'x-platedesk-token': token, 'content-type': 'application/json' }, body: '{}' })
    expect(res.status).toBe(200)
    expect((await res.json()).mode).toBe('web')
  } finally {
    child.kill('SIGTERM')
    await new Promise((r) => setTimeout(r, 300))
    rmSync(dir, { recursive: true, force: true })
  }
})
