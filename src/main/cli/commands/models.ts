import type { Command } from 'commander'

// TODO: implemented by its owner (see the foundation issues).
export function registerModels(program: Command): void {
  program.command('models').description('(not yet implemented)').action(() => {
    process.stderr.write('platedesk models: not implemented yet\n')
    process.exitCode = 2
  })
}
