// The SQL of team-mode accounts (migration 008): users and their sessions. Portable: it runs unchanged on
// SQLite and on PostgreSQL through the synchronous adapter (?-placeholders, ISO text timestamps from JS,
// RETURNING for new ids, quoted camelCase aliases). Hashing and tokens are the services' business: this
// module stores what it is given.
import type { Db } from './db'
import { writeTransaction } from './transactions'

export type AccountRole = 'admin' | 'reviewer' | 'viewer'

export interface UserRow {
  id: number
  name: string
  role: AccountRole
  createdAt: string
  updatedAt: string
}

export interface UserWithHash extends UserRow {
  passwordHash: string
}

export interface SessionRow {
  id: number
  userId: number
  name: string
  role: AccountRole
  createdAt: string
  lastSeenAt: string
  expiresAt: string
}

const USER_COLS = `id, name, role, created_at AS "createdAt", updated_at AS "updatedAt"`

/** Every statement of this module, by name (test/team/accounts-pg.test.ts runs each on PostgreSQL). */
export const ACCOUNT_SQL = {
  count: 'SELECT COUNT(*) AS n FROM users',
  countAdmins: `SELECT COUNT(*) AS n FROM users WHERE role = 'admin'`,
  list: `SELECT ${USER_COLS} FROM users ORDER BY lower(name), id`,
  byName: `SELECT ${USER_COLS}, password_hash AS "passwordHash" FROM users WHERE lower(name) = lower(?)`,
  session: `SELECT s.id, s.user_id AS "userId", u.name, u.role, s.created_at AS "createdAt", s.last_seen_at AS "lastSeenAt",
                   s.expires_at AS "expiresAt"
              FROM sessions s JOIN users u ON u.id = s.user_id
             WHERE s.token_hash = ?`,
  addUser: 'INSERT INTO users (name, role, password_hash, created_at, updated_at) VALUES (?, ?, ?, ?, ?) RETURNING id',
  setRole: 'UPDATE users SET role = ?, updated_at = ? WHERE id = ?',
  setPassword: 'UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?',
  removeUserSessions: 'DELETE FROM sessions WHERE user_id = ?',
  removeUser: 'DELETE FROM users WHERE id = ?',
  addSession: 'INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?)',
  touchSession: 'UPDATE sessions SET last_seen_at = ? WHERE id = ?',
  removeSession: 'DELETE FROM sessions WHERE token_hash = ?',
  removeExpired: 'DELETE FROM sessions WHERE expires_at <= ? OR last_seen_at < ?'
} as const
const Q = ACCOUNT_SQL

/** Reads: who exists, and which session a token hash belongs to. */
export class AccountReader {
  constructor(private readonly db: Db) {}

  count(): number {
    return Number((this.db.prepare(Q.count).get() as { n: number | string }).n)
  }

  countAdmins(): number {
    return Number((this.db.prepare(Q.countAdmins).get() as { n: number | string }).n)
  }

  list(): UserRow[] {
    return (this.db.prepare(Q.list).all() as UserRow[]).map(num)
  }

  /** by name, regardless of case */
  byName(name: string): UserWithHash | null {
    const row = this.db.prepare(Q.byName).get(name) as
      | UserWithHash
      | undefined
    return row ? num(row) : null
  }

  session(tokenHash: string): SessionRow | null {
    const row = this.db.prepare(Q.session).get(tokenHash) as SessionRow | undefined
    return row ? { ...row, id: Number(row.id), userId: Number(row.userId) } : null
  }
}

/** Writes. A change of role or password, and a removal, end the user's sessions in the same transaction. */
export class AccountWriter {
  constructor(private readonly db: Db) {}

  addUser(name: string, role: AccountRole, passwordHash: string, now: string): number {
    const row = this.db.prepare(Q.addUser).get(name, role, passwordHash, now, now) as { id: number | string }
    return Number(row.id)
  }

  /** false when no such user */
  setRole(userId: number, role: AccountRole, now: string): boolean {
    return writeTransaction(this.db, () => {
      const changed = this.db.prepare(Q.setRole).run(role, now, userId).changes > 0
      this.db.prepare(Q.removeUserSessions).run(userId)
      return changed
    })
  }

  setPassword(userId: number, passwordHash: string, now: string): boolean {
    return writeTransaction(this.db, () => {
      const changed = this.db.prepare(Q.setPassword).run(passwordHash, now, userId).changes > 0
      this.db.prepare(Q.removeUserSessions).run(userId)
      return changed
    })
  }

  removeUser(userId: number): boolean {
    return writeTransaction(this.db, () => {
      this.db.prepare(Q.removeUserSessions).run(userId)
      return this.db.prepare(Q.removeUser).run(userId).changes > 0
    })
  }

  addSession(userId: number, tokenHash: string, now: string, expiresAt: string): void {
    this.db.prepare(Q.addSession).run(tokenHash, userId, now, now, expiresAt)
  }

  touchSession(id: number, now: string): void {
    this.db.prepare(Q.touchSession).run(now, id)
  }

  removeSession(tokenHash: string): void {
    this.db.prepare(Q.removeSession).run(tokenHash)
  }

  /** sessions past their absolute expiry, or idle since before idleBefore */
  removeExpired(now: string, idleBefore: string): number {
    return this.db.prepare(Q.removeExpired).run(now, idleBefore).changes
  }
}

function num<T extends { id: number }>(row: T): T {
  return { ...row, id: Number(row.id) }
}
