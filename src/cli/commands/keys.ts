import type { Command } from 'commander';
import { GatewayError } from '../../core/errors.js';
import type { JwsAlg } from '../../credentials/keys/key-types.js';
import { KEY_TYPES, type KeyType } from '../../core/ids.js';
import type { KeyInfo } from '../../credentials/keys/keystore.js';
import { withService, type GlobalOptions } from '../context.js';
import { readInput, writeOutput } from '../io.js';

function parseType(value: string): KeyType {
  const found = KEY_TYPES.find((t) => t.toLowerCase().replace('-', '') === value.toLowerCase().replace('-', ''));
  if (!found) throw new GatewayError(`--type must be one of ed25519, p-256, rsa (got "${value}")`, 'usage');
  return found;
}

function table(keys: KeyInfo[]): string {
  if (keys.length === 0) return 'no keys yet: create one with `gx-gateway keys create --type rsa`';
  const rows = keys.map((k) => [
    k.active ? '*' : ' ',
    k.id,
    k.type,
    k.alg,
    k.encrypted ? 'encrypted' : 'plain',
    k.hasChain ? 'x5u' : '-',
    k.created,
  ]);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export function keysCommand(program: Command, globals: () => GlobalOptions): void {
  const keys = program.command('keys').description('create, import, list and activate signing keys');

  keys
    .command('create')
    .description('generate a key pair (private key stored 0600, encrypted when the passphrase variable is set)')
    .requiredOption('--type <type>', 'ed25519 | p-256 | rsa')
    .option('--id <id>', 'key id (default: type and thumbprint)')
    .option('--bits <n>', 'RSA modulus length (>= 2048)', '3072')
    .option('--alg <alg>', 'JWS algorithm for RSA: PS256 (default) or RS256')
    .option('--activate', 'make it the active signing key')
    .option('--dev-certificate', 'attach a development certificate chain (x5u) from a throw-away root')
    .option('--json', 'print machine-readable output')
    .action(
      async (o: {
        type: string;
        id?: string;
        bits: string;
        alg?: string;
        activate?: boolean;
        devCertificate?: boolean;
        json?: boolean;
      }) => {
        await withService(globals(), async (svc) => {
          let info = await svc.keys.create({
            type: parseType(o.type),
            ...(o.id ? { id: o.id } : {}),
            rsaBits: Number(o.bits),
            ...(o.alg ? { alg: o.alg as JwsAlg } : {}),
            ...(o.activate ? { activate: true } : {}),
          });
          if (o.devCertificate) info = await svc.attachDevChain(info.id);
          writeOutput(
            o.json
              ? JSON.stringify(info, null, 2)
              : `created ${info.type} key ${info.id}${info.active ? ' (active)' : ''}`,
          );
        });
      },
    );

  keys
    .command('import')
    .description('import a private key (PEM) and optionally its certificate chain')
    .requiredOption('--pem <file>', 'private key PEM (PKCS#8, PKCS#1 or SEC1)')
    .option('--chain <file>', 'certificate chain PEM, leaf first, root included')
    .option('--pem-passphrase-env <name>', 'environment variable holding the passphrase of an encrypted PEM')
    .option('--id <id>', 'key id')
    .option('--alg <alg>', 'JWS algorithm for RSA: PS256 (default) or RS256')
    .option('--activate', 'make it the active signing key')
    .action(
      async (o: {
        pem: string;
        chain?: string;
        pemPassphraseEnv?: string;
        id?: string;
        alg?: string;
        activate?: boolean;
      }) => {
        await withService(globals(), async (svc) => {
          const pemPassphrase = o.pemPassphraseEnv ? process.env[o.pemPassphraseEnv] : undefined;
          if (o.pemPassphraseEnv && !pemPassphrase) throw new GatewayError(`${o.pemPassphraseEnv} is not set`, 'usage');
          const info = await svc.keys.import({
            pem: readInput(o.pem, 1024 * 1024),
            ...(o.chain ? { chainPem: readInput(o.chain, 1024 * 1024) } : {}),
            ...(pemPassphrase ? { pemPassphrase } : {}),
            ...(o.id ? { id: o.id } : {}),
            ...(o.alg ? { alg: o.alg as JwsAlg } : {}),
            ...(o.activate ? { activate: true } : {}),
          });
          writeOutput(
            `imported ${info.type} key ${info.id}${info.active ? ' (active)' : ''}${info.hasChain ? ' with certificate chain' : ''}`,
          );
        });
      },
    );

  keys
    .command('chain <id> <file>')
    .description("store the certificate chain (PEM, leaf first) served as the key's x5u")
    .action(async (id: string, file: string) => {
      await withService(globals(), async (svc) => {
        const info = svc.keys.setChain(id, readInput(file, 1024 * 1024));
        writeOutput(`stored certificate chain for ${info.id}`);
      });
    });

  keys
    .command('list')
    .description('list keys (public facts only; * marks the active key)')
    .option('--json', 'print machine-readable output')
    .action(async (o: { json?: boolean }) => {
      await withService(globals(), async (svc) => {
        const list = svc.keys.list();
        writeOutput(o.json ? JSON.stringify(list, null, 2) : table(list));
      });
    });

  keys
    .command('activate <id>')
    .description('make a key the active signing key')
    .action(async (id: string) => {
      await withService(globals(), async (svc) => {
        writeOutput(`active key: ${svc.keys.activate(id).id}`);
      });
    });
}
