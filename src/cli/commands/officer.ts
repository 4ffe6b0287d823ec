import type { Command } from 'commander';
import { GatewayError } from '../../core/errors.js';
import type { GlobalOptions } from '../context.js';
import { writeOutput } from '../io.js';
import type { OfficerClient, RemoteOptions } from '../officer-client.js';

type Opts = RemoteOptions & { json?: boolean };

export async function withClient<T>(
  globals: () => GlobalOptions,
  o: RemoteOptions,
  fn: (c: OfficerClient) => Promise<T>,
): Promise<T> {
  const { openOfficerClient } = await import('../officer-client.js');
  const client = await openOfficerClient(globals(), o);
  try {
    return await fn(client);
  } finally {
    await client.close();
  }
}

const SUITES = 'jws2020, jws2020-ccg, vc-jose, eddsa-rdfc-2022, ed25519-2020';

/** `--url` and `--token-file`: the command goes to a running gateway instead of the store. */
export const remote = (cmd: Command) =>
  cmd
    .option('--url <url>', 'a running gateway instead of the store directly')
    .option('--token-file <file>', 'with --url: a file holding an API or OIDC token (default: $GXG_TOKEN)');

/** A draft target from ids or --cloud. */
function target(ids: string[], o: { cloud?: string; profile?: string }) {
  if (ids.length && o.cloud) throw new GatewayError('name drafts or --cloud, not both', 'usage');
  if (!ids.length && !o.cloud) throw new GatewayError('name the drafts, or --cloud for its whole pending set', 'usage');
  if (o.profile && !o.cloud) throw new GatewayError('--profile goes with --cloud', 'usage');
  return ids.length ? { ids } : { cloud: o.cloud!, ...(o.profile ? { profile: o.profile } : {}) };
}

/**
 * The compliance officer's commands (signing.mode approval) and the admin's (officer keys, API
 * tokens): against the store directly by default, or a running gateway with --url.
 */
export function officerCommands(program: Command, globals: () => GlobalOptions): void {
  const drafts = program
    .command('drafts')
    .description('drafts waiting for a compliance officer (signing.mode approval)');
  remote(
    drafts
      .command('list')
      .description('pending drafts per cloud and profile, proposed revocations, and recent decisions')
      .option('--cloud <id>', 'one cloud only')
      .option('--json', 'print JSON'),
  ).action(async (o: Opts & { cloud?: string }) =>
    withClient(globals, o, async (c) => {
      const r = await c.drafts(o.cloud);
      if (o.json) return writeOutput(JSON.stringify(r, null, 2));
      if (!r.sets.length) writeOutput(`nothing waits for a decision (${c.where})`);
      for (const s of r.sets) {
        writeOutput(
          `${s.cloud} · ${s.profile}: ${s.drafts.length} drafts${s.revocations.length ? `, ${s.revocations.length} proposed revocations` : ''}`,
        );
        for (const d of s.drafts)
          writeOutput(`  ${d.replaces ? `~ replaces v${d.replaces.split('/v/').pop()}` : '+ new       '}  ${d.id}`);
        for (const d of s.revocations) writeOutput(`  - revoke      ${d.id}`);
      }
      const decided = r.decided.slice(0, 10);
      if (decided.length) {
        writeOutput('recently decided or replaced:');
        for (const d of decided)
          writeOutput(
            `  ${d.state.padEnd(9)} ${d.id}${d.decidedBy ? ` (${d.decidedBy}${d.reason ? `: ${d.reason}` : ''})` : ''}`,
          );
      }
    }),
  );
  remote(
    drafts
      .command('show')
      .description('one draft: what it changes against the published version, and the credential')
      .argument('<draft>', 'the draft id (its version URL)')
      .option('--json', 'print JSON'),
  ).action(async (id: string, o: Opts) =>
    withClient(globals, o, async (c) => {
      const d = await c.draft(id);
      if (o.json) return writeOutput(JSON.stringify(d, null, 2));
      const s = d.draft;
      writeOutput(
        `${s.id}\n  ${s.state} · ${s.cloud} · ${s.profile} · ${s.kind} · drafted ${s.createdAt} by run ${s.run}`,
      );
      if (s.decidedBy) writeOutput(`  decided by ${s.decidedBy} at ${s.decidedAt}${s.reason ? `: ${s.reason}` : ''}`);
      if (d.added) writeOutput('  a new resource: nothing of it is published');
      else if (s.replaces) writeOutput(`  replaces ${s.replaces}`);
      for (const ch of d.changes)
        writeOutput(
          `    ${ch.path}: ${ch.before === undefined ? '(absent)' : JSON.stringify(ch.before)} -> ${ch.after === undefined ? '(absent)' : JSON.stringify(ch.after)}`,
        );
      writeOutput(JSON.stringify(d.credential, null, 2));
    }),
  );
  remote(
    drafts
      .command('approve')
      .description(
        "approve drafts (or a cloud's whole pending set, its proposed revocations included): the gateway signs and publishes them as one",
      )
      .argument('[drafts...]', 'draft ids')
      .option('--cloud <id>', 'every pending draft of this cloud')
      .option('--profile <profile>', 'with --cloud: only the set of gaia-x-25.11 or tagus-22.10'),
  ).action(async (ids: string[], o: RemoteOptions & { cloud?: string; profile?: string }) =>
    withClient(globals, o, async (c) => {
      const r = await c.approve(target(ids, o));
      writeOutput(
        `approved and published ${r.approved.length}${r.revoked.length ? `, revoked ${r.revoked.length}` : ''}`,
      );
    }),
  );
  remote(
    drafts
      .command('reject')
      .description(
        "reject drafts (or a cloud's pending set) with a reason; the same content is not drafted again until it changes",
      )
      .argument('[drafts...]', 'draft ids')
      .option('--cloud <id>', 'every pending draft of this cloud')
      .option('--profile <profile>', 'with --cloud: only the set of gaia-x-25.11 or tagus-22.10')
      .requiredOption('--reason <text>', 'why (goes to the audit log)'),
  ).action(async (ids: string[], o: RemoteOptions & { cloud?: string; profile?: string; reason: string }) =>
    withClient(globals, o, async (c) => {
      const r = await c.reject(target(ids, o), o.reason);
      writeOutput(`rejected ${r.rejected.length}`);
    }),
  );

  remote(
    program
      .command('signing-input')
      .description(
        'write the exact bytes to sign elsewhere (a smartcard, an HSM, openssl) for a draft, with a registered officer key',
      )
      .argument('<draft>', 'the draft id')
      .requiredOption('--key <id>', 'the officer key (see `gx-gateway officers list`)')
      .option('--suite <suite>', `${SUITES} (default: signing.defaultSuite)`)
      .option('--created <date-time>', 'the proof date (default: when the draft was made)')
      .requiredOption('-o, --out <file>', 'where to write the bytes')
      .option('--json', 'print what was written as JSON'),
  ).action(
    async (
      id: string,
      o: RemoteOptions & { key: string; suite?: string; created?: string; out: string; json?: boolean },
    ) =>
      withClient(globals, o, async (c) => {
        const r = await c.signingInput(id, {
          key: o.key,
          ...(o.suite ? { suite: o.suite as never } : {}),
          ...(o.created ? { created: o.created } : {}),
        });
        const { writeFileSync } = await import('node:fs');
        writeFileSync(o.out, r.bytes);
        const meta = {
          draft: r.draft,
          suite: r.suite,
          alg: r.alg,
          key: r.keyId,
          created: r.created,
          bytes: r.bytes.length,
          file: o.out,
        };
        if (o.json) return writeOutput(JSON.stringify(meta, null, 2));
        const how =
          r.alg === 'EdDSA'
            ? `openssl pkeyutl -sign -inkey KEY.pem -rawin -in ${o.out} -out signature.bin`
            : r.alg === 'PS256'
              ? `openssl dgst -sha256 -sign KEY.pem -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32 -out signature.bin ${o.out}`
              : `openssl dgst -sha256 -sign KEY.pem -out signature.bin ${o.out}`;
        writeOutput(
          `wrote ${r.bytes.length} bytes to ${o.out} (suite ${r.suite}, ${r.alg}, key ${r.keyId}, created ${r.created})\nsign them: ${how}\nthen: gx-gateway attach-signature ${r.draft} signature.bin --key ${r.keyId} --suite ${r.suite}${o.created ? ` --created ${r.created}` : ''}`,
        );
      }),
  );
  remote(
    program
      .command('attach-signature')
      .description(
        'publish a draft with a signature made elsewhere over its signing input (verified before anything is stored)',
      )
      .argument('<draft>', 'the draft id')
      .argument('<signature>', 'the signature file: raw bytes (as openssl writes them) or base64 text')
      .requiredOption('--key <id>', 'the officer key it was made with')
      .option('--suite <suite>', `${SUITES} (default: signing.defaultSuite)`)
      .option(
        '--created <date-time>',
        'the created date the signing input was made with (default: when the draft was made)',
      ),
  ).action(async (id: string, file: string, o: RemoteOptions & { key: string; suite?: string; created?: string }) =>
    withClient(globals, o, async (c) => {
      const { readFileSync } = await import('node:fs');
      const raw = readFileSync(file);
      const { signatureFromText } = await import('../../approval/access.js');
      const signature = signatureFromText(raw.toString('latin1')) ?? raw;
      const r = await c.attachSignature(id, {
        key: o.key,
        signature,
        ...(o.suite ? { suite: o.suite as never } : {}),
        ...(o.created ? { created: o.created } : {}),
      });
      writeOutput(`signature verified; published ${r.published} (signed with ${r.signedWith})`);
    }),
  );
  remote(
    program
      .command('revoke')
      .description('revoke published credentials (status list bit, change-feed event, audit entry)')
      .argument('<credentials...>', 'credential ids')
      .requiredOption('--reason <text>', 'why (goes to the audit log)'),
  ).action(async (ids: string[], o: RemoteOptions & { reason: string }) =>
    withClient(globals, o, async (c) => {
      const r = await c.revoke(ids, o.reason);
      writeOutput(`revoked ${r.revoked.length}`);
    }),
  );

  const officers = program
    .command('officers')
    .description("officers' public keys (verification methods in the DID document)");
  remote(officers.command('list').description('registered officer keys').option('--json', 'print JSON')).action(
    async (o: Opts) =>
      withClient(globals, o, async (c) => {
        const keys = await c.officerKeys();
        if (o.json) return writeOutput(JSON.stringify(keys, null, 2));
        if (!keys.length) writeOutput('no officer key is registered');
        for (const k of keys)
          writeOutput(
            `${k.id}  ${k.officer}  ${k.type} ${k.alg}  ${k.verificationMethod}${k.x5u ? `  x5u ${k.x5u}` : ''}`,
          );
      }),
  );
  remote(
    officers
      .command('add')
      .description("register an officer's public key (PEM or JWK file, optional X.509 chain); private keys are refused")
      .argument('<id>', 'key id: its verification method is <did>#<id>')
      .requiredOption('--officer <name>', 'who holds the key')
      .option('--pem <file>', 'public key (SPKI PEM, `openssl pkey -pubout`) or certificate')
      .option('--jwk <file>', 'public JWK (JSON)')
      .option('--chain <file>', "X.509 chain, PEM, leaf first (served at the key's x5u)")
      .option('--alg <alg>', 'RSA keys: PS256 (default) or RS256'),
  ).action(
    async (
      id: string,
      o: RemoteOptions & { officer: string; pem?: string; jwk?: string; chain?: string; alg?: string },
    ) =>
      withClient(globals, o, async (c) => {
        const { readFileSync } = await import('node:fs');
        const k = await c.addOfficerKey({
          id,
          officer: o.officer,
          ...(o.pem ? { pem: readFileSync(o.pem, 'utf8') } : {}),
          ...(o.jwk ? { jwk: JSON.parse(readFileSync(o.jwk, 'utf8')) as Record<string, unknown> } : {}),
          ...(o.chain ? { chainPem: readFileSync(o.chain, 'utf8') } : {}),
          ...(o.alg ? { alg: o.alg } : {}),
        });
        writeOutput(`registered ${k.id} (${k.type} ${k.alg}) as ${k.verificationMethod}`);
      }),
  );
  remote(
    officers
      .command('remove')
      .description('remove an officer key from the DID document (refused while published credentials name it)')
      .argument('<id>', 'key id')
      .option('--force', 'remove it even so (those credentials stop verifying)'),
  ).action(async (id: string, o: RemoteOptions & { force?: boolean }) =>
    withClient(globals, o, async (c) => {
      await c.removeOfficerKey(id, Boolean(o.force));
      writeOutput(`removed ${id}`);
    }),
  );

  const tokens = program.command('tokens').description('API tokens with roles (admin, operator, officer, reader)');
  remote(
    tokens
      .command('create')
      .description('make an API token: printed once, only its sha256 is kept')
      .argument('<name>', 'what it is for (the audit log shows token:<name>)')
      .requiredOption('--role <role...>', 'admin, operator, officer or reader (repeatable)')
      .option('-o, --out <file>', 'write the token alone to this file (owner-only) instead of printing it')
      .option('--json', 'print JSON'),
  ).action(async (name: string, o: Opts & { role: string[]; out?: string }) =>
    withClient(globals, o, async (c) => {
      const { existsSync, writeFileSync } = await import('node:fs');
      if (o.out && existsSync(o.out))
        throw new GatewayError(`${o.out} exists: name a new file (a token file is never overwritten)`, 'usage');
      const t = await c.createToken(name, o.role);
      if (o.out) {
        writeFileSync(o.out, `${t.token}\n`, { mode: 0o600, flag: 'wx' });
        return writeOutput(`token ${t.id} (${t.roles.join(', ')}) written to ${o.out}`);
      }
      if (o.json) return writeOutput(JSON.stringify(t, null, 2));
      writeOutput(
        `token ${t.id} (${t.roles.join(', ')}); send as "Authorization: Bearer <token>"; shown once:\n  ${t.token}`,
      );
    }),
  );
  remote(
    tokens.command('list').description('tokens (never the tokens themselves)').option('--json', 'print JSON'),
  ).action(async (o: Opts) =>
    withClient(globals, o, async (c) => {
      const list = await c.tokens();
      if (o.json) return writeOutput(JSON.stringify(list, null, 2));
      for (const t of list)
        writeOutput(
          `${t.id}  ${t.name}  ${t.roles.join(',')}  ${t.revokedAt ? `revoked ${t.revokedAt}` : `since ${t.createdAt}`}`,
        );
    }),
  );
  remote(tokens.command('revoke').description('revoke a token (refused at once)').argument('<id>', 'token id')).action(
    async (id: string, o: RemoteOptions) =>
      withClient(globals, o, async (c) => {
        await c.revokeToken(id);
        writeOutput(`revoked ${id}`);
      }),
  );
}
