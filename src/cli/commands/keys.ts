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
    k.location === 'pkcs11'
      ? `pkcs11:${k.label}${k.extractable ? ', extractable' : ''}`
      : k.encrypted
        ? 'file, encrypted'
        : 'file',
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
    .option('--pkcs11', 'generate it inside the PKCS#11 token of keys.pkcs11 (not extractable)')
    .option('--label <label>', 'its label in the token (with --pkcs11; default: the key id)')
    .option('--json', 'print machine-readable output')
    .action(
      async (o: {
        type: string;
        id?: string;
        bits: string;
        alg?: string;
        activate?: boolean;
        devCertificate?: boolean;
        pkcs11?: boolean;
        label?: string;
        json?: boolean;
      }) => {
        if (o.label && !o.pkcs11) throw new GatewayError('--label names a key in a token: add --pkcs11', 'usage');
        await withService(globals(), async (svc) => {
          const spec = {
            type: parseType(o.type),
            ...(o.id ? { id: o.id } : {}),
            rsaBits: Number(o.bits),
            ...(o.alg ? { alg: o.alg as JwsAlg } : {}),
            ...(o.activate ? { activate: true } : {}),
          };
          let info = o.pkcs11
            ? await svc.keys.createInToken({ ...spec, ...(o.label ? { label: o.label } : {}) })
            : await svc.keys.create(spec);
          if (o.devCertificate) info = await svc.attachDevChain(info.id);
          writeOutput(
            o.json
              ? JSON.stringify(info, null, 2)
              : `created ${info.type} key ${info.id}${info.location === 'pkcs11' ? ` in the PKCS#11 token (label ${info.label})` : ''}${info.active ? ' (active)' : ''}`,
          );
        });
      },
    );

  keys
    .command('import')
    .description(
      'import a private key (PEM), or adopt a key of the PKCS#11 token, and optionally its certificate chain',
    )
    .option('--pem <file>', 'private key PEM (PKCS#8, PKCS#1 or SEC1)')
    .option('--pkcs11 <label>', 'adopt the key pair the PKCS#11 token of keys.pkcs11 holds under this label')
    .option('--extractable', 'with --pkcs11: adopt it although the token would export it wrapped (CKA_EXTRACTABLE)')
    .option('--chain <file>', 'certificate chain PEM, leaf first, root included')
    .option('--pem-passphrase-env <name>', 'environment variable holding the passphrase of an encrypted PEM')
    .option('--id <id>', 'key id')
    .option('--alg <alg>', 'JWS algorithm for RSA: PS256 (default) or RS256')
    .option('--activate', 'make it the active signing key')
    .action(
      async (o: {
        pem?: string;
        pkcs11?: string;
        extractable?: boolean;
        chain?: string;
        pemPassphraseEnv?: string;
        id?: string;
        alg?: string;
        activate?: boolean;
      }) => {
        if (Boolean(o.pem) === Boolean(o.pkcs11))
          throw new GatewayError('give either --pem <file> or --pkcs11 <label>', 'usage');
        if (o.extractable && !o.pkcs11)
          throw new GatewayError('--extractable is about a key of the PKCS#11 token: add --pkcs11 <label>', 'usage');
        if (o.pkcs11) {
          const label = o.pkcs11;
          await withService(globals(), async (svc) => {
            const info = await svc.keys.adoptFromToken(label, {
              ...(o.chain ? { chainPem: readInput(o.chain, 1024 * 1024) } : {}),
              ...(o.id ? { id: o.id } : {}),
              ...(o.alg ? { alg: o.alg as JwsAlg } : {}),
              ...(o.activate ? { activate: true } : {}),
              ...(o.extractable ? { allowExtractable: true } : {}),
            });
            writeOutput(
              `adopted ${info.type} key ${info.id} of the PKCS#11 token (label ${label})${info.active ? ' (active)' : ''}${info.hasChain ? ' with certificate chain' : ''}`,
            );
          });
          return;
        }
        const pem = o.pem!;
        await withService(globals(), async (svc) => {
          const pemPassphrase = o.pemPassphraseEnv ? process.env[o.pemPassphraseEnv] : undefined;
          if (o.pemPassphraseEnv && !pemPassphrase) throw new GatewayError(`${o.pemPassphraseEnv} is not set`, 'usage');
          const info = await svc.keys.import({
            pem: readInput(pem, 1024 * 1024),
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
