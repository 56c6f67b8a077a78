// platedesk CLI: each command lives in commands/<name>.ts and is a thin layer over the services.
import { Command, CommanderError } from 'commander'

type Register = (program: Command) => void

/**
 * Each command module with the names it registers. Only the module of the command being run is loaded:
 * loading all of them (sharp, ONNX Runtime, pg, zod, koffi...) took ~1.3 s before any command ran;
 * `--help` and an unknown name load them all.
 */
const COMMANDS: { names: string[]; load: () => Promise<Register> }[] = [
  { names: ['recognize'], load: () => import('./commands/recognize').then((m) => m.registerRecognize) },
  { names: ['eval'], load: () => import('./commands/eval').then((m) => m.registerEval) },
  { names: ['bench'], load: () => import('./commands/bench').then((m) => m.registerBench) },
  { names: ['models'], load: () => import('./commands/models').then((m) => m.registerModels) },
  { names: ['import'], load: () => import('./commands/import').then((m) => m.registerImport) },
  { names: ['stats'], load: () => import('./commands/stats').then((m) => m.registerStats) },
  { names: ['check'], load: () => import('./commands/check').then((m) => m.registerCheck) },
  { names: ['serve'], load: () => import('./commands/serve').then((m) => m.registerServe) },
  { names: ['export'], load: () => import('./commands/export').then((m) => m.registerExport) },
  { names: ['import-labels'], load: () => import('./commands/import-labels').then((m) => m.registerImportLabels) },
  { names: ['train'], load: () => import('./commands/train').then((m) => m.registerTrain) },
  { names: ['worker'], load: () => import('./commands/worker').then((m) => m.registerWorker) },
  { names: ['queue'], load: () => import('./commands/queue').then((m) => m.registerQueue) },
  { names: ['users'], load: () => import('./commands/users').then((m) => m.registerUsers) },
  { names: ['push', 'pull'], load: () => import('./commands/push-pull').then((m) => m.registerPushPull) }
]

/** Each register function adds its command; its action sets process.exitCode on failure. */
export async function main(argv: string[]): Promise<number> {
  const program = new Command('platedesk')
    .description('PlateDesk: licence-plate recognition, review and training-data export')
    .exitOverride()
  const named = COMMANDS.filter((c) => c.names.includes(argv[0] ?? ''))
  for (const register of await Promise.all((named.length ? named : COMMANDS).map((c) => c.load()))) register(program)
  try {
    await program.parseAsync(argv, { from: 'user' })
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode
    process.stderr.write(`platedesk: ${err instanceof Error ? err.message : String(err)}\n`)
    return 1
  }
  return typeof process.exitCode === 'number' ? process.exitCode : 0
}
