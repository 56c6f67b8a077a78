import { spawn } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import type { Command } from 'commander'
import { DB_OPTION_HELP, isServerUrl, libraryTarget, redactUrl } from '../db-arg'

const collect = (v: string, prev: string[]): string[] => [...prev, v]

/** `platedesk serve --db FILE [--port P] [--open]`: the review app in a browser, on 127.0.0.1 with a token;
 *  a library with accounts is a team server (sign-in), which may listen on the LAN over TLS. */
export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('web mode: serve the review app on 127.0.0.1 with a random access token')
    .requiredOption('--db <file>', `${DB_OPTION_HELP} (a file is created when absent)`)
    .option('--port <port>', 'port (0 = any free port)', '0')
    .option('--models <dir>', 'model directory (default: $ALPR_MODELS_DIR, then the user-data folder)')
    .option('--renderer <dir>', 'built renderer directory (default: out/renderer)')
    .option('--open', 'open the URL in the default browser')
    .option('--host <address>', 'listen address: 127.0.0.1 (default), or 0.0.0.0 / a LAN IP for a team server (needs accounts and TLS)', '127.0.0.1')
    .option('--tls-cert <file>', 'PEM certificate: serve https and wss')
    .option('--tls-key <file>', 'PEM private key of --tls-cert')
    .option('--tls-self-signed', 'make (once) and use a self-signed certificate in the user-data folder (tls/)')
    .option('--public-host <name>', 'a name people use for this machine (allowed in the Host header; repeatable)', collect, [])
    .action(async (o: {
      db: string
      port: string
      models?: string
      renderer?: string
      open?: boolean
      host: string
      tlsCert?: string
      tlsKey?: string
      tlsSelfSigned?: boolean
      publicHost: string[]
    }) => {
      const port = Number(o.port)
      if (!Number.isInteger(port) || port < 0 || port > 65535) {
        process.stderr.write(`platedesk serve: invalid --port ${JSON.stringify(o.port)}\n`)
        process.exitCode = 2
        return
      }
      if (!!o.tlsCert !== !!o.tlsKey) {
        process.stderr.write('platedesk serve: give both --tls-cert and --tls-key\n')
        process.exitCode = 2
        return
      }
      let tls: { cert: Buffer; key: Buffer } | undefined
      try {
        const { readTlsFiles, selfSignedCert } = await import('../../server/tls')
        const { userModelsDir } = await import('../../engine/models')
        if (o.tlsCert && o.tlsKey) tls = readTlsFiles(resolve(o.tlsCert), resolve(o.tlsKey))
        else if (o.tlsSelfSigned) {
          const files = selfSignedCert(join(dirname(userModelsDir()), 'tls'), [o.host, ...o.publicHost])
          process.stdout.write(`self-signed certificate: ${files.certFile}\n`)
          tls = files
        }
      } catch (err) {
        process.stderr.write(`platedesk serve: ${err instanceof Error ? err.message : String(err)}\n`)
        process.exitCode = 2
        return
      }
      const dbPath = libraryTarget(o.db)
      if (!isServerUrl(dbPath)) mkdirSync(dirname(dbPath), { recursive: true })
      const { createBackend } = await import('../../services/app')
      const { startServer } = await import('../../server/index')
      const backend = await createBackend({ dbPath, modelsDir: o.models ? resolve(o.models) : undefined, mode: 'web' })
      let server
      try {
        server = await startServer({
          backend,
          port,
          host: o.host,
          tls,
          publicHosts: o.publicHost,
          rendererDir: o.renderer ? resolve(o.renderer) : undefined
        })
      } catch (err) {
        await backend.close()
        throw err
      }
      process.stdout.write(
        server.teamMode
          ? `PlateDesk team server, library ${redactUrl(dbPath)} (${backend.accounts.list().length} accounts: sign in)\n${server.url}\n`
          : `PlateDesk web mode, library ${redactUrl(dbPath)}\n${server.url}\n`
      )
      if (backend.damage) process.stderr.write(`platedesk serve: warning: ${backend.damage}\n`)
      if (o.open) openInBrowser(server.url)
      await new Promise<void>((done) => {
        const stop = (): void => {
          process.off('SIGINT', stop)
          process.off('SIGTERM', stop)
          void server.close().then(() => backend.close()).finally(done)
        }
        process.on('SIGINT', stop)
        process.on('SIGTERM', stop)
      })
    })
}

function openInBrowser(url: string): void {
  const [cmd, args] =
    process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? ['cmd', ['/c', 'start', '""', url]]
        : ['xdg-open', [url]]
  try {
    const child = spawn(cmd, args as string[], { stdio: 'ignore', detached: true })
    child.on('error', () => process.stderr.write(`platedesk serve: could not open a browser; open ${url}\n`))
    child.unref()
  } catch {
    process.stderr.write(`platedesk serve: could not open a browser; open ${url}\n`)
  }
}
