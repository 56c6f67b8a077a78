#!/usr/bin/env node
// The `platedesk` command. Runs the TypeScript sources through tsx so the CLI, the tests and the
// web mode always run the same code as the checkout (no stale build).
import { register } from 'tsx/esm/api'
import { fileURLToPath } from 'node:url'

register()
// `platedesk recognize … | head`: the reader went away; stop quietly as other Unix tools do (no stack
// trace), after the engine's workers have finished the image in hand (exiting under them aborts)
let piped = false
process.stdout.on('error', async (err) => {
  if (err.code !== 'EPIPE') throw err
  if (piped) return
  piped = true
  const { exitAfterEngines } = await import(new URL('../src/main/engine/exit.ts', import.meta.url).href)
  exitAfterEngines(process.exitCode ?? 0)
})
const entry = fileURLToPath(new URL('../src/main/cli/index.ts', import.meta.url))
const { main } = await import(entry)
process.exitCode = await main(process.argv.slice(2))
