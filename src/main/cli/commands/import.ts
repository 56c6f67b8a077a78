import type { Command } from 'commander'

// TODO: implemented by its owner (see the foundation issues).
export function registerImport(program: Command): void {
  program.command('import').description('(not yet implemented)').action(() => {
    process.stderr.write('platedesk import: not implemented yet\n')
    process.exitCode = 2
  })
}
