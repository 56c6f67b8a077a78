#!/usr/bin/env node
// The `platedesk` command. Runs the TypeScript sources through tsx so the CLI, the tests and the
// web mode always run the same code as the checkout (no stale build).
import { register } from 'tsx/esm/api'
import { fileURLToPath } from 'node:url'

register()
// `platedesk recognize … | head`: the reader went away; stop quietly as other Unix tools do (no stack trace)
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0)
  throw err
})
const entry = fileURLToPath(new URL('../src/main/cli/index.ts', import.meta.url))
const { main } = await import(entry)
process.exitCode = await main(process.argv.slice(2))
