// Team-mode accounts: argon2id password hashes, sessions behind random tokens (only their SHA-256 is
// stored), and the users.* API handlers. A library with no account is not in team mode: the web server
// then keeps its loopback token and the desktop app is unchanged.
import { createHash, randomBytes } from 'node:crypto'
import { hash, verify } from '@node-rs/argon2'
import type { Db } from '../db/db'
import { apiError, type AccountInfo, type Handlers } from '../../shared/api'
import type { Role } from '../../shared/roles'
import { AccountReader, AccountWriter, type UserRow } from '../db/accounts'

/** OWASP's argon2id minimum (19 MiB, 2 passes, 1 lane): ~30-60 ms a hash here, so guessing stays slow */
// algorithm 2 = Algorithm.Argon2id (a const enum, which isolatedModules cannot inline)
export const ARGON2_OPTIONS = { algorithm: 2 as const, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2_OPTIONS)
}

export async function verifyPassword(phc: string, password: string): Promise<boolean> {
  try {
    return await verify(phc, password)
  } catch {
    return false // a damaged hash never signs anyone in
  }
}

export interface SessionPolicy {
  /** a session unused for this long ends (default 12 h) */
  idleMs: number
  /** a session ends this long after sign-in whatever its use (default 7 days) */
  absoluteMs: number
}
export const DEFAULT_SESSION_POLICY: SessionPolicy = { idleMs: 12 * 3600_000, absoluteMs: 7 * 24 * 3600_000 }
/** last_seen_at is written at most this often per session (not on every request) */
const TOUCH_MS = 60_000

export interface SignedIn {
  user: string
  role: Role
}

export interface Accounts {
  readonly policy: SessionPolicy
  /** true when the library has at least one account (team mode) */
  enabled(): boolean
  list(): AccountInfo[]
  add(name: string, role: Role, password: string): Promise<AccountInfo>
  setRole(name: string, role: Role): AccountInfo
  setPassword(name: string, password: string): Promise<AccountInfo>
  remove(name: string): AccountInfo[]
  /** the new session's token (for the cookie), or null: wrong name or password. Takes as long for an
   *  unknown name as for a wrong password (a dummy hash is verified), so timing tells no names. */
  signIn(name: string, password: string): Promise<{ token: string; user: SignedIn } | null>
  /** who holds this token, or null (unknown, expired, idle too long, user removed) */
  session(token: string): SignedIn | null
  signOut(token: string): void
  handlers: Pick<Handlers, 'users.list' | 'users.add' | 'users.setRole' | 'users.setPassword' | 'users.remove'>
}

export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex')
}

function info(u: UserRow): AccountInfo {
  return { name: u.name, role: u.role, createdAt: u.createdAt, updatedAt: u.updatedAt }
}

export function createAccounts(db: Db, policy: Partial<SessionPolicy> = {}, now: () => number = Date.now): Accounts {
  const reader = new AccountReader(db)
  const writer = new AccountWriter(db)
  const { idleMs, absoluteMs } = { ...DEFAULT_SESSION_POLICY, ...policy }
  const iso = (ms: number): string => new Date(ms).toISOString()
  // verified against when the name is unknown, so a miss costs what a wrong password costs
  let dummy: Promise<string> | null = null

  const existing = (name: string): UserRow => {
    const u = reader.byName(name)
    if (!u) throw apiError('not-found', `no account named ${JSON.stringify(name)}`)
    return u
  }
  /** a change that would leave accounts without any admin locks everyone out of the admin screens */
  const keepAnAdmin = (u: UserRow, what: string): void => {
    if (u.role === 'admin' && reader.countAdmins() === 1 && reader.count() > 1) {
      throw apiError('conflict', `${u.name} is the last admin: ${what} would leave nobody able to manage accounts (make another admin first)`)
    }
  }

  const accounts: Accounts = {
    policy: { idleMs, absoluteMs },
    enabled: () => reader.count() > 0,
    list: () => reader.list().map(info),
    async add(name, role, password) {
      if (role !== 'admin' && reader.count() === 0) throw apiError('conflict', 'the first account must be an admin (--role admin)')
      if (reader.byName(name)) throw apiError('conflict', `an account named ${JSON.stringify(name)} exists already`)
      const phc = await hashPassword(password)
      try {
        writer.addUser(name, role, phc, iso(now()))
      } catch (err) {
        // two adds of one name at once: the unique index decides
        if (/unique|duplicate/i.test((err as Error).message)) throw apiError('conflict', `an account named ${JSON.stringify(name)} exists already`)
        throw err
      }
      return info(existing(name))
    },
    setRole(name, role) {
      const u = existing(name)
      if (role !== 'admin') keepAnAdmin(u, `making them ${role}`)
      writer.setRole(u.id, role, iso(now()))
      return info(existing(name))
    },
    async setPassword(name, password) {
      const u = existing(name)
      writer.setPassword(u.id, await hashPassword(password), iso(now()))
      return info(existing(name))
    },
    remove(name) {
      const u = existing(name)
      keepAnAdmin(u, 'removing them')
      writer.removeUser(u.id)
      return accounts.list()
    },
    async signIn(name, password) {
      const u = reader.byName(name)
      if (!u) {
        dummy ??= hashPassword(randomBytes(16).toString('hex'))
        await verifyPassword(await dummy, password)
        return null
      }
      if (!(await verifyPassword(u.passwordHash, password))) return null
      const t = now()
      writer.removeExpired(iso(t), iso(t - idleMs))
      const token = randomBytes(32).toString('base64url')
      writer.addSession(u.id, tokenHash(token), iso(t), iso(t + absoluteMs))
      return { token, user: { user: u.name, role: u.role } }
    },
    session(token) {
      if (!token || token.length > 200) return null
      const s = reader.session(tokenHash(token))
      if (!s) return null
      const t = now()
      if (Date.parse(s.expiresAt) <= t || Date.parse(s.lastSeenAt) + idleMs <= t) {
        writer.removeSession(tokenHash(token))
        return null
      }
      if (t - Date.parse(s.lastSeenAt) >= TOUCH_MS) writer.touchSession(s.id, iso(t))
      return { user: s.name, role: s.role }
    },
    signOut(token) {
      if (token) writer.removeSession(tokenHash(token))
    },
    handlers: {
      'users.list': () => accounts.list(),
      'users.add': (req) => accounts.add(req.name, req.role, req.password),
      'users.setRole': (req) => accounts.setRole(req.name, req.role),
      'users.setPassword': (req) => accounts.setPassword(req.name, req.password),
      'users.remove': (req) => accounts.remove(req.name)
    }
  }
  return accounts
}
