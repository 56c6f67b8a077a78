import type { Command } from 'commander'

// TODO: implemented by its owner (see the foundation issues).
export function registerRecognize(program: Command): void {
  program.command('recognize').description('(not yet implemented)').action(() => {
    process.stderr.write('platedesk recognize: not implemented yet\n')
    process.exitCode = 2
  })
}
