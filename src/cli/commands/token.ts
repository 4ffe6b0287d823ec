import type { Command } from 'commander';
import { writeOutput } from '../io.js';

/** `gx-gateway token`: a new operator token and the configuration line with its hash. */
export function tokenCommand(program: Command): void {
  program
    .command('token')
    .description(
      'make an operator API token: prints the token (keep it secret) and its sha256 for api.adminTokenSha256',
    )
    .option('--json', 'print {"token", "adminTokenSha256"}')
    .action(async (o: { json?: boolean }) => {
      const { createHash, randomBytes } = await import('node:crypto');
      const token = randomBytes(32).toString('base64url');
      const hash = createHash('sha256').update(token).digest('hex');
      if (o.json) writeOutput(JSON.stringify({ token, adminTokenSha256: hash }));
      else
        writeOutput(
          `token (send as "Authorization: Bearer <token>"; shown once, not stored):\n  ${token}\nconfiguration (gx-gateway.yaml):\n  api:\n    adminTokenSha256: ${hash}`,
        );
    });
}
