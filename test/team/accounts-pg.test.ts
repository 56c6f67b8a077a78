// The accounts SQL is portable: migration 008's PostgreSQL text, then every statement of db/accounts.ts,
// run unchanged (only ?-placeholders numbered, as the synchronous adapter does) on a real PostgreSQL.
import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import { ACCOUNT_SQL } from '../../src/main/db/accounts'
import { accountsPg } from '../../src/main/db/migrations/008_accounts'
import { pgMissing, stopTestCluster, testDatabase } from '../helpers/pg'

afterAll(stopTestCluster)

const numbered = (sql: string): string => {
  let i = 0
  return sql.replace(/\?/g, () => `$${++i}`)
}

describe.skipIf(!!pgMissing())('accounts SQL on PostgreSQL', () => {
  it('runs migration 008 and every accounts statement with the same results as SQLite', async () => {
    const c = new pg.Client({ connectionString: await testDatabase() })
    await c.connect()
    const ran = new Set<string>()
    const q = async (name: keyof typeof ACCOUNT_SQL, ...params: unknown[]): Promise<pg.QueryResult> => {
      ran.add(name)
      return c.query(numbered(ACCOUNT_SQL[name]), params)
    }
    try {
      await c.query(accountsPg)
      const t0 = '2026-01-01T00:00:00.000Z'
      const alice = Number((await q('addUser', 'Alice', 'admin', '$argon2id$x', t0, t0)).rows[0].id)
      const rita = Number((await q('addUser', 'rita', 'reviewer', '$argon2id$y', t0, t0)).rows[0].id)
      expect(rita).toBeGreaterThan(alice)
      // names are unique regardless of case
      await expect(q('addUser', 'ALICE', 'viewer', 'h', t0, t0)).rejects.toThrow(/duplicate key/)
      await expect(q('addUser', 'bob', 'boss', 'h', t0, t0)).rejects.toThrow(/check constraint/)
      expect(Number((await q('count')).rows[0].n)).toBe(2)
      expect(Number((await q('countAdmins')).rows[0].n)).toBe(1)
      expect((await q('list')).rows.map((r) => `${r.name}:${r.role}`)).toEqual(['Alice:admin', 'rita:reviewer'])
      expect((await q('byName', 'aLiCe')).rows[0]).toMatchObject({ name: 'Alice', role: 'admin', passwordHash: '$argon2id$x', createdAt: t0 })

      await q('addSession', 'hash-1', rita, t0, t0, '2026-01-08T00:00:00.000Z')
      await q('addSession', 'hash-2', rita, t0, t0, '2026-01-08T00:00:00.000Z')
      expect((await q('session', 'hash-1')).rows[0]).toMatchObject({ name: 'rita', role: 'reviewer', lastSeenAt: t0, expiresAt: '2026-01-08T00:00:00.000Z' })
      await q('touchSession', '2026-01-01T01:00:00.000Z', Number((await q('session', 'hash-1')).rows[0].id))
      expect((await q('session', 'hash-1')).rows[0].lastSeenAt).toBe('2026-01-01T01:00:00.000Z')
      // idle since before 00:30: hash-2 goes, hash-1 (seen at 01:00) stays
      expect((await q('removeExpired', '2026-01-01T02:00:00.000Z', '2026-01-01T00:30:00.000Z')).rowCount).toBe(1)
      await q('removeSession', 'hash-1')
      expect((await q('session', 'hash-1')).rows).toHaveLength(0)

      await q('addSession', 'hash-3', rita, t0, t0, '2026-01-08T00:00:00.000Z')
      expect((await q('setRole', 'viewer', t0, rita)).rowCount).toBe(1)
      expect((await q('setPassword', '$argon2id$z', t0, rita)).rowCount).toBe(1)
      await q('removeUserSessions', rita)
      expect((await q('session', 'hash-3')).rows).toHaveLength(0)
      // a user's sessions also go with the user (ON DELETE CASCADE)
      await q('addSession', 'hash-4', rita, t0, t0, '2026-01-08T00:00:00.000Z')
      expect((await q('removeUser', rita)).rowCount).toBe(1)
      expect((await c.query('SELECT COUNT(*)::int AS n FROM sessions')).rows[0].n).toBe(0)
      // a statement added to db/accounts.ts without a run here fails this test
      expect([...ran].sort()).toEqual(Object.keys(ACCOUNT_SQL).sort())
    } finally {
      await c.end()
    }
  })
})
