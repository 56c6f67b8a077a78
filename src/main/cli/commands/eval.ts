import type { Command } from 'commander'

// TODO: implemented by its owner (see the foundation issues).
export function registerEval(program: Command): void {
  program.command('eval').description('(not yet implemented)').action(() => {
    process.stderr.write('platedesk eval: not implemented yet\n')
    process.exitCode = 2
  })
}
