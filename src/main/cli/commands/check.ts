import type { Command } from 'commander'

// TODO: implemented by its owner (see the foundation issues).
export function registerCheck(program: Command): void {
  program.command('check').description('(not yet implemented)').action(() => {
    process.stderr.write('platedesk check: not implemented yet\n')
    process.exitCode = 2
  })
}
