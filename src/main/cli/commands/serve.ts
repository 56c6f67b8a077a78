import { spawn } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import type { Command } from 'commander'
import { DB_OPTION_HELP, isServerUrl, libraryTarget, redactUrl } from '../db-arg'

/** `platedesk serve --db FILE [--port P] [--open]`: the review app in a browser, on 127.0.0.1 with a token. */
export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('web mode: serve the review app on 127.0.0.1 with a random access token')
    .requiredOption('--db <file>', `${DB_OPTION_HELP} (a file is created when absent)`)
    .option('--port <port>', 'port (0 = any free port)', '0')
    .option('--models <dir>', 'model directory (default: $ALPR_MODELS_DIR, then the user-data folder)')
    .option('--renderer <dir>', 'built renderer directory (default: out/renderer)')
    .option('--open', 'open the URL in the default browser')
    .action(async (o: { db: string; port: string; models?: string; renderer?: string; open?: boolean }) => {
      const port = Number(o.port)
      if (!Number.isInteger(port) || port < 0 || port > 65535) {
        process.stderr.write(`platedesk serve: invalid --port ${JSON.stringify(o.port)}\n`)
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
        server = await startServer({ backend, port, rendererDir: o.renderer ? resolve(o.renderer) : undefined })
      } catch (err) {
        await backend.close()
        throw err
      }
      process.stdout.write(`PlateDesk web mode, library ${redactUrl(dbPath)}\n${server.url}\n`)
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
