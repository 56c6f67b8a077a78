import type { Command } from 'commander'

// TODO: implemented by its owner (see the foundation issues).
export function registerExport(program: Command): void {
  program.command('export').description('(not yet implemented)').action(() => {
    process.stderr.write('platedesk export: not implemented yet\n')
    process.exitCode = 2
  })
}
