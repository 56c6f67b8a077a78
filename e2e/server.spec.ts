// Web mode's two guards: the token on every request, and the loopback interface only.
import { connect } from 'node:net'
import { networkInterfaces } from 'node:os'
import { expect, test } from '@playwright/test'
import WebSocket from 'ws'
import { startServer } from '../src/main/server/index'
import { startApp, type RunningApp } from './helpers/app'

let app: RunningApp
test.beforeAll(async () => {
  app = await startApp()
})
test.afterAll(async () => {
  await app?.stop()
})

test('refuses every request without the token (401), serves it with the token', async ({ request }) => {
  const bad = 'f'.repeat(64)
  expect((await request.get(`${app.origin}/`)).status()).toBe(401)
  expect((await request.get(`${app.origin}/?token=${bad}`)).status()).toBe(401)
  expect((await request.post(`${app.origin}/api/app.info`, { data: {} })).status()).toBe(401)
  expect((await request.post(`${app.origin}/api/app.info`, { data: {}, headers: { 'x-platedesk-token': bad } })).status()).toBe(401)
  const noToken = await request.post(`${app.origin}/api/plates.list`, { data: {} })
  expect(noToken.status()).toBe(401)
  expect((await noToken.json()).error.code).toBe('unauthorized')

  const ok = await request.post(`${app.origin}/api/app.info`, { data: {}, headers: { 'x-platedesk-token': app.token } })
  expect(ok.status()).toBe(200)
  expect((await ok.json()).mode).toBe('web')
  // a request that fails validation is a 400 with the cause, not a crash
  const invalid = await request.post(`${app.origin}/api/plates.get`, { data: { id: 'x' }, headers: { 'x-platedesk-token': app.token } })
  expect(invalid.status()).toBe(400)
  expect((await invalid.json()).error.code).toBe('invalid-request')

  // the event socket too
  const refused = await new Promise<string>((done) => {
    const ws = new WebSocket(`${app.origin.replace('http', 'ws')}/events`)
    ws.on('open', () => done('open'))
    ws.on('error', (e) => done(e.message))
  })
  expect(refused).toContain('401')
  const accepted = await new Promise<string>((done) => {
    const ws = new WebSocket(`${app.origin.replace('http', 'ws')}/events?token=${app.token}`)
    ws.on('open', () => {
      ws.close()
      done('open')
    })
    ws.on('error', (e) => done(e.message))
  })
  expect(accepted).toBe('open')
})

test('listens on 127.0.0.1 only', async () => {
  const url = new URL(app.origin)
  expect(url.hostname).toBe('127.0.0.1')

  // in-process: the socket's own address, and a non-loopback host is refused outright
  const stub = { invoke: async () => ({ ok: true as const, value: null }), subscribe: () => () => undefined }
  const srv = await startServer({ backend: stub, port: 0 })
  try {
    expect(srv.address.address).toBe('127.0.0.1')
  } finally {
    await srv.close()
  }
  await expect(startServer({ backend: stub, host: '0.0.0.0' })).rejects.toThrow(/loopback/)

  // a connection to this machine's non-loopback address on the same port is refused
  const external = Object.values(networkInterfaces())
    .flat()
    .find((i) => i && i.family === 'IPv4' && !i.internal)?.address
  if (!external) {
    console.log('server.spec: this machine has no non-loopback IPv4 address; skipped the external connection check')
    return
  }
  const result = await new Promise<string>((done) => {
    const s = connect({ host: external, port: Number(url.port) })
    s.setTimeout(3000, () => {
      s.destroy()
      done('timeout')
    })
    s.on('connect', () => {
      s.destroy()
      done('connected')
    })
    s.on('error', (e: NodeJS.ErrnoException) => done(e.code ?? e.message))
  })
  expect(result).toBe('ECONNREFUSED')
})
