// `platedesk serve` beyond loopback: refused without accounts or TLS, served over https with
// --tls-self-signed (the certificate made once in the user-data folder).
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { request } from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { REPO_ROOT } from '../helpers/models'

const dir = mkdtempSync(join(tmpdir(), 'platedesk-serve-'))
const db = join(dir, 'library.db')
const env = { ...process.env, XDG_CONFIG_HOME: join(dir, 'config') }
const run = (args: string[], input = ''): { code: number; out: string; err: string } => {
  const r = spawnSync(process.execPath, [join(REPO_ROOT, 'bin/platedesk.js'), ...args], { input, encoding: 'utf8', cwd: REPO_ROOT, env })
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr }
}

describe('platedesk serve --host', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('refuses 0.0.0.0 without accounts, then without TLS', () => {
    const none = run(['serve', '--db', db, '--host', '0.0.0.0'])
    expect(none.code).not.toBe(0)
    expect(none.err).toMatch(/add an admin first \(platedesk users add NAME --role admin/)
    expect(run(['users', 'add', 'alice', '--role', 'admin', '--db', db], 'alice-password-1\n').code).toBe(0)
    const plain = run(['serve', '--db', db, '--host', '0.0.0.0'])
    expect(plain.code).not.toBe(0)
    expect(plain.err).toMatch(/needs TLS/)
    expect(run(['serve', '--db', db, '--tls-cert', join(dir, 'nope.pem')]).err).toMatch(/give both --tls-cert and --tls-key/)
  })

  it('serves https with --tls-self-signed and asks for sign-in', async () => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'bin/platedesk.js'), 'serve', '--db', db, '--host', '0.0.0.0', '--tls-self-signed', '--public-host', 'localhost'], {
      cwd: REPO_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe']
    })
    try {
      let out = ''
      const url = await new Promise<string>((ok, fail) => {
        const t = setTimeout(() => fail(new Error(`no URL in 60 s: ${out}`)), 60_000)
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString()
          const m = /(https:\/\/localhost:\d+\/)\n/.exec(out)
          if (m) {
            clearTimeout(t)
            ok(m[1]!)
          }
        })
        child.stderr.on('data', (d: Buffer) => (out += d.toString()))
      })
      expect(out).toContain('PlateDesk team server')
      expect(existsSync(join(dir, 'config/PlateDesk/tls/self-signed-cert.pem'))).toBe(true)
      const status = await new Promise<number>((ok, fail) => {
        // the self-signed certificate is not trusted here: this checks the server, not the chain
        const req = request(`${url}auth/session`, { rejectUnauthorized: false }, (res) => {
          res.resume()
          ok(res.statusCode ?? 0)
        })
        req.on('error', fail)
        req.end()
      })
      expect(status).toBe(401)
    } finally {
      child.kill('SIGTERM')
    }
  })
})
