// platedesk users add|list|set-role|passwd|remove --db FILE: the team-mode accounts of a library.
// A password never comes from the command line (it would sit in the shell history and in `ps`): it is
// read from --password-file, from standard input when that is not a terminal, or typed without echo.
import { readFileSync } from 'node:fs'
import type { Command } from 'commander'
import { accountName, accountPassword } from '../../../shared/api'
import { isRole, type Role } from '../../../shared/roles'
import { libraryTarget } from '../db-arg'
import { openLibrary } from '../../db/index'
import { createAccounts, type Accounts } from '../../services/accounts'

type DbOpt = { db: string }

async function withAccounts<T>(db: string, fn: (a: Accounts) => Promise<T> | T): Promise<T> {
  const library = openLibrary(libraryTarget(db))
  try {
    if (library.damage) throw new Error(library.damage)
    return await fn(createAccounts(library.db))
  } finally {
    library.close()
  }
}

function fail(cmd: string, err: unknown): void {
  process.stderr.write(`platedesk users ${cmd}: ${err instanceof Error ? err.message : String(err)}\n`)
  process.exitCode = 1
}

function checkName(name: string): string {
  const r = accountName.safeParse(name)
  if (!r.success) throw new Error(`${JSON.stringify(name)}: ${r.error.issues[0]?.message ?? 'not an account name'}`)
  return name
}

function checkRole(role: string): Role {
  if (!isRole(role)) throw new Error(`--role must be admin, reviewer or viewer, not ${JSON.stringify(role)}`)
  return role
}

function checkPassword(pw: string, from: string): string {
  const r = accountPassword.safeParse(pw)
  if (!r.success) throw new Error(`${from}: ${r.error.issues[0]?.message ?? 'not a usable password'}`)
  return pw
}

/** one line typed on the terminal, not echoed */
function promptHidden(question: string): Promise<string> {
  return new Promise((ok, fail) => {
    const stdin = process.stdin
    process.stderr.write(question)
    let text = ''
    stdin.setRawMode(true)
    stdin.resume()
    stdin.setEncoding('utf8')
    const done = (err?: Error): void => {
      stdin.setRawMode(false)
      stdin.pause()
      stdin.off('data', onData)
      process.stderr.write('\n')
      if (err) fail(err)
      else ok(text)
    }
    const onData = (chunk: string): void => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return done()
        if (ch === '\u0003') return done(new Error('cancelled'))
        if (ch === '\u007f' || ch === '\b') text = text.slice(0, -1)
        else if (ch >= ' ') text += ch
      }
    }
    stdin.on('data', onData)
  })
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = []
  for await (const c of process.stdin) chunks.push(c as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

/** the new password: --password-file, piped standard input (first line), or typed twice without echo */
export async function readNewPassword(file: string | undefined): Promise<string> {
  if (file) {
    let text: string
    try {
      text = readFileSync(file, 'utf8')
    } catch (err) {
      throw new Error(`--password-file ${file}: ${(err as Error).message}`)
    }
    return checkPassword(text.split(/\r?\n/)[0] ?? '', `--password-file ${file}`)
  }
  if (!process.stdin.isTTY) return checkPassword((await readStdin()).split(/\r?\n/)[0] ?? '', 'the password on standard input')
  const a = await promptHidden('Password: ')
  checkPassword(a, 'the password typed')
  const b = await promptHidden('Repeat it: ')
  if (a !== b) throw new Error('the two passwords differ')
  return a
}

export function registerUsers(program: Command): void {
  const users = program.command('users').description('team-mode accounts of a library (a library with accounts is served only to signed-in people)')
  const pwHelp = 'read the password from the first line of this file (else: standard input, or typed without echo)'

  users
    .command('add <name>')
    .description('add an account (the first one must be an admin)')
    .requiredOption('--db <file>', 'library file')
    .requiredOption('--role <role>', 'admin, reviewer or viewer')
    .option('--password-file <file>', pwHelp)
    .action(async (name: string, o: DbOpt & { role: string; passwordFile?: string }) => {
      try {
        checkName(name)
        const role = checkRole(o.role)
        const password = await readNewPassword(o.passwordFile)
        const u = await withAccounts(o.db, (a) => a.add(name, role, password))
        process.stdout.write(`added ${u.name} (${u.role})\n`)
      } catch (err) {
        fail('add', err)
      }
    })

  users
    .command('list')
    .description('the accounts and their roles')
    .requiredOption('--db <file>', 'library file')
    .option('--json', 'print JSON')
    .action(async (o: DbOpt & { json?: boolean }) => {
      try {
        const list = await withAccounts(o.db, (a) => a.list())
        if (o.json) process.stdout.write(JSON.stringify(list) + '\n')
        else if (!list.length) process.stdout.write('no accounts: the library is not in team mode\n')
        else {
          const w = Math.max(...list.map((u) => u.name.length))
          for (const u of list) process.stdout.write(`${u.name.padEnd(w)}  ${u.role.padEnd(8)}  since ${u.createdAt}\n`)
        }
      } catch (err) {
        fail('list', err)
      }
    })

  users
    .command('set-role <name> <role>')
    .description("change an account's role (its sessions end)")
    .requiredOption('--db <file>', 'library file')
    .action(async (name: string, role: string, o: DbOpt) => {
      try {
        const u = await withAccounts(o.db, (a) => a.setRole(checkName(name), checkRole(role)))
        process.stdout.write(`${u.name} is now ${u.role}\n`)
      } catch (err) {
        fail('set-role', err)
      }
    })

  users
    .command('passwd <name>')
    .description("set an account's password (its sessions end)")
    .requiredOption('--db <file>', 'library file')
    .option('--password-file <file>', pwHelp)
    .action(async (name: string, o: DbOpt & { passwordFile?: string }) => {
      try {
        checkName(name)
        const password = await readNewPassword(o.passwordFile)
        const u = await withAccounts(o.db, (a) => a.setPassword(name, password))
        process.stdout.write(`password of ${u.name} changed\n`)
      } catch (err) {
        fail('passwd', err)
      }
    })

  users
    .command('remove <name>')
    .description('remove an account (its sessions end; its history rows keep its name)')
    .requiredOption('--db <file>', 'library file')
    .action(async (name: string, o: DbOpt) => {
      try {
        const left = await withAccounts(o.db, (a) => a.remove(checkName(name)))
        process.stdout.write(`removed ${name}; ${left.length} account(s) left${left.length ? '' : ' (the library is no longer in team mode)'}\n`)
      } catch (err) {
        fail('remove', err)
      }
    })
}
