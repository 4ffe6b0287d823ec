import { Command, CommanderError } from 'commander';
import { GatewayError, describeError } from '../core/errors.js';
import { packageVersion } from '../paths.js';
import { contextsCommand } from './commands/contexts.js';
import { describeCommands } from './commands/describe.js';
import { didCommand } from './commands/did.js';
import { healthCommand } from './commands/health.js';
import { introspectCommand } from './commands/introspect.js';
import { validateCommand } from './commands/validate.js';
import { keysCommand } from './commands/keys.js';
import { officerCommands } from './commands/officer.js';
import { outboxCommands } from './commands/outbox.js';
import { serveCommand } from './commands/serve.js';
import { signCommands } from './commands/sign.js';
import { tokenCommand } from './commands/token.js';
import { verifyCommand } from './commands/verify.js';
import type { GlobalOptions } from './context.js';

export function buildProgram(): Command {
  const program = new Command('gx-gateway')
    .description(
      'Gaia-X self-descriptions for a Sovereign Cloud Stack deployment: the service, keys, did:web, introspection, describe, validate, signing, verification',
    )
    .version(packageVersion)
    .option(
      '-c, --config <file>',
      'configuration file (default: $GXG_CONFIG, ./gx-gateway.yaml, else the embedded demo default)',
    )
    .showHelpAfterError()
    .exitOverride();
  const globals = () => program.opts<GlobalOptions>();
  serveCommand(program, globals);
  keysCommand(program, globals);
  didCommand(program, globals);
  signCommands(program, globals);
  verifyCommand(program, globals);
  introspectCommand(program, globals);
  describeCommands(program, globals);
  validateCommand(program, globals);
  contextsCommand(program);
  healthCommand(program, globals);
  tokenCommand(program);
  officerCommands(program, globals);
  outboxCommands(program, globals);
  return program;
}

/** Run the CLI; sets process.exitCode (0, 1 for failures, 2 for usage and unreadable input). */
export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode === 0 ? 0 : 2;
      return;
    }
    process.stderr.write(`gx-gateway: ${describeError(err)}\n`);
    process.exitCode = err instanceof GatewayError ? err.exitCode : 1;
  }
}
