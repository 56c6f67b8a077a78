// The private PostgreSQL cluster helper that every PostgreSQL test and benchmark stands on.
import { afterAll, describe, expect, it } from 'vitest'
import pg from 'pg'
import { pgMissing, stopTestCluster, testDatabase } from '../helpers/pg'

afterAll(stopTestCluster)

describe('private PostgreSQL cluster', () => {
  it('starts on loopback, hands out separate databases and answers queries', async () => {
    expect(pgMissing()).toBe(false)
    const a = await testDatabase()
    const b = await testDatabase()
    expect(a).not.toBe(b)
    expect(new URL(a).hostname).toBe('127.0.0.1')
    const c = new pg.Client({ connectionString: a })
    await c.connect()
    try {
      await c.query('CREATE TABLE t (x int)')
      await c.query('INSERT INTO t VALUES (41), (1)')
      const r = await c.query('SELECT sum(x)::int AS s, current_database() AS db FROM t')
      expect(r.rows[0].s).toBe(42)
      expect(r.rows[0].db).toBe(new URL(a).pathname.slice(1))
    } finally {
      await c.end()
    }
  })
})
