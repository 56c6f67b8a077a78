// `platedesk users`: accounts of a real library file from the command line. The password comes from a
// file or standard input, never from argv; roles and the last-admin rule hold.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import { verifyPassword } from '../../src/main/services/accounts'
import { REPO_ROOT } from '../helpers/models'

const dir = mkdtempSync(join(tmpdir(), 'platedesk-users-'))
const db = join(dir, 'library.db')
const cli = (args: string[], input?: string): { code: number; out: string; err: string } => {
  const r = spawnSync(process.execPath, [join(REPO_ROOT, 'bin/platedesk.js'), 'users', ...args, '--db', db], { input: input ?? '', encoding: 'utf8', cwd: REPO_ROOT })
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr }
}
const hashOf = (name: string): string => {
  const d = new Database(db, { readonly: true })
  try {
    return (d.prepare('SELECT password_hash FROM users WHERE name = ?').get(name) as { password_hash: string }).password_hash
  } finally {
    d.close()
  }
}

describe('platedesk users', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('adds the first admin from piped standard input, refusing a first non-admin and a short password', async () => {
    expect(cli(['add', 'rita', '--role', 'reviewer'], 'rita-password-1\n')).toMatchObject({ code: 1, err: expect.stringContaining('the first account must be an admin') })
    expect(cli(['add', 'alice', '--role', 'admin'], 'short\n')).toMatchObject({ code: 1, err: expect.stringContaining('at least 10 characters') })
    expect(cli(['add', 'alice', '--role', 'admin'], 'alice-password-1\n')).toMatchObject({ code: 0, out: 'added alice (admin)\n' })
    expect(hashOf('alice')).toMatch(/^\$argon2id\$/)
    expect(await verifyPassword(hashOf('alice'), 'alice-password-1')).toBe(true)
  })

  it('takes a password from --password-file and never from the command line', async () => {
    const file = join(dir, 'pw')
    writeFileSync(file, 'rita-password-1\nignored second line\n')
    expect(cli(['add', 'rita', '--role', 'reviewer', '--password-file', file]).code).toBe(0)
    expect(await verifyPassword(hashOf('rita'), 'rita-password-1')).toBe(true)
    const argv = cli(['add', 'eve', '--role', 'viewer', '--password', 'eve-password-1'])
    expect(argv.code).not.toBe(0)
    expect(argv.err).toMatch(/unknown option '--password'/)
    expect(cli(['add', 'RITA', '--role', 'viewer'], 'other-password-1\n')).toMatchObject({ code: 1, err: expect.stringContaining('exists already') })
    expect(cli(['add', 'x y', '--role', 'viewer'], 'other-password-1\n')).toMatchObject({ code: 1, err: expect.stringContaining('account name') })
  })

  it('lists, changes roles and passwords, and removes, keeping one admin', async () => {
    expect(JSON.parse(cli(['list', '--json']).out).map((u: { name: string; role: string }) => `${u.name}:${u.role}`)).toEqual(['alice:admin', 'rita:reviewer'])
    expect(cli(['set-role', 'rita', 'viewer'])).toMatchObject({ code: 0, out: 'rita is now viewer\n' })
    expect(cli(['set-role', 'rita', 'boss'])).toMatchObject({ code: 1, err: expect.stringContaining('admin, reviewer or viewer') })
    expect(cli(['set-role', 'alice', 'viewer'])).toMatchObject({ code: 1, err: expect.stringContaining('last admin') })
    const before = hashOf('rita')
    expect(cli(['passwd', 'rita'], 'new-rita-password\n').code).toBe(0)
    expect(hashOf('rita')).not.toBe(before)
    expect(await verifyPassword(hashOf('rita'), 'new-rita-password')).toBe(true)
    expect(cli(['remove', 'alice'])).toMatchObject({ code: 1, err: expect.stringContaining('last admin') })
    expect(cli(['remove', 'nobody'])).toMatchObject({ code: 1, err: expect.stringContaining('no account named "nobody"') })
    expect(cli(['remove', 'rita'])).toMatchObject({ code: 0, out: 'removed rita; 1 account(s) left\n' })
  })
})
