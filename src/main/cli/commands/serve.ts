import type { Command } from 'commander'

// TODO: implemented by its owner (see the foundation issues).
export function registerServe(program: Command): void {
  program.command('serve').description('(not yet implemented)').action(() => {
    process.stderr.write('platedesk serve: not implemented yet\n')
    process.exitCode = 2
  })
}
