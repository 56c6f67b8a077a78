// platedesk CLI: each command lives in commands/<name>.ts and is a thin layer over the services.
import { Command, CommanderError } from 'commander'
import { registerRecognize } from './commands/recognize'
import { registerEval } from './commands/eval'
import { registerBench } from './commands/bench'
import { registerModels } from './commands/models'
import { registerImport } from './commands/import'
import { registerStats } from './commands/stats'
import { registerCheck } from './commands/check'
import { registerServe } from './commands/serve'
import { registerExport } from './commands/export'
import { registerImportLabels } from './commands/import-labels'
import { registerTrain } from './commands/train'
import { registerWorker } from './commands/worker'
import { registerQueue } from './commands/queue'
import { registerUsers } from './commands/users'
import { registerPushPull } from './commands/push-pull'

/** Each register function adds its command; its action sets process.exitCode on failure. */
export async function main(argv: string[]): Promise<number> {
  const program = new Command('platedesk')
    .description('PlateDesk: licence-plate recognition, review and training-data export')
    .exitOverride()
  for (const register of [
    registerRecognize,
    registerEval,
    registerBench,
    registerModels,
    registerImport,
    registerStats,
    registerCheck,
    registerServe,
    registerExport,
    registerImportLabels,
    registerTrain,
    registerWorker,
    registerQueue,
    registerUsers,
    registerPushPull
  ]) {
    register(program)
  }
  try {
    await program.parseAsync(argv, { from: 'user' })
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode
    process.stderr.write(`platedesk: ${err instanceof Error ? err.message : String(err)}\n`)
    return 1
  }
  return typeof process.exitCode === 'number' ? process.exitCode : 0
}
