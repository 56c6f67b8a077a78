// platedesk CLI: each command lives in commands/<name>.ts and is a thin layer over the services.
import { Command, CommanderError } from 'commander'

type Register = (program: Command) => void

/**
 * Each command's module by the names it registers. Only the command being run is loaded: loading all
 * of them (sharp, ONNX Runtime, pg, zod, koffi...) took ~1.5 s before any command ran; `--help` and an
 * unknown name load them all.
 */
const COMMANDS: Record<string, () => Promise<Register>> = {
  recognize: () => import('./commands/recognize').then((m) => m.registerRecognize),
  eval: () => import('./commands/eval').then((m) => m.registerEval),
  bench: () => import('./commands/bench').then((m) => m.registerBench),
  models: () => import('./commands/models').then((m) => m.registerModels),
  import: () => import('./commands/import').then((m) => m.registerImport),
  stats: () => import('./commands/stats').then((m) => m.registerStats),
  check: () => import('./commands/check').then((m) => m.registerCheck),
  serve: () => import('./commands/serve').then((m) => m.registerServe),
  export: () => import('./commands/export').then((m) => m.registerExport),
  'import-labels': () => import('./commands/import-labels').then((m) => m.registerImportLabels),
  train: () => import('./commands/train').then((m) => m.registerTrain),
  worker: () => import('./commands/worker').then((m) => m.registerWorker),
  queue: () => import('./commands/queue').then((m) => m.registerQueue),
  users: () => import('./commands/users').then((m) => m.registerUsers),
  // one module registers both
  push: () => import('./commands/push-pull').then((m) => m.registerPushPull),
  pull: () => import('./commands/push-pull').then((m) => m.registerPushPull)
}

/** Each register function adds its command; its action sets process.exitCode on failure. */
export async function main(argv: string[]): Promise<number> {
  const program = new Command('platedesk')
    .description('PlateDesk: licence-plate recognition, review and training-data export')
    .exitOverride()
  const name = argv[0]
  const loaders = name && Object.hasOwn(COMMANDS, name) ? [COMMANDS[name]!] : Object.values(COMMANDS).filter((l) => l !== COMMANDS.pull)
  for (const register of await Promise.all(loaders.map((load) => load()))) register(program)
  try {
    await program.parseAsync(argv, { from: 'user' })
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode
    process.stderr.write(`platedesk: ${err instanceof Error ? err.message : String(err)}\n`)
    return 1
  }
  return typeof process.exitCode === 'number' ? process.exitCode : 0
}
