import type { Command } from 'commander'

// TODO: implemented by its owner (see the foundation issues).
export function registerStats(program: Command): void {
  program.command('stats').description('(not yet implemented)').action(() => {
    process.stderr.write('platedesk stats: not implemented yet\n')
    process.exitCode = 2
  })
}
