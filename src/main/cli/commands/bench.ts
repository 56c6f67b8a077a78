import type { Command } from 'commander'

// TODO: implemented by its owner (see the foundation issues).
export function registerBench(program: Command): void {
  program.command('bench').description('(not yet implemented)').action(() => {
    process.stderr.write('platedesk bench: not implemented yet\n')
    process.exitCode = 2
  })
}
