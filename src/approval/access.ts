import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { GatewayError } from '../core/errors.js';
import type { ApiTokenRow, OfficerKeyRow, Store } from '../store/store.js';
import { parseOfficerKey, type OfficerKeyInput } from './officer-keys.js';

export const ROLE_NAMES = ['admin', 'operator', 'officer', 'reader'] as const;

/**
 * Register an officer's public key (the API's and the CLI's one way): not one of the gateway's own
 * key ids, a public key only, an optional chain whose leaf holds it; audited.
 */
export async function registerOfficerKey(
  store: Store,
  input: OfficerKeyInput,
  actor: string,
  ownKeyIds: string[],
): Promise<OfficerKeyRow> {
  if (ownKeyIds.includes(input.id))
    throw new GatewayError(`${input.id} is the id of one of the gateway's own keys: choose another`, 'conflict');
  const parsed = parseOfficerKey(input);
  const row = {
    id: input.id,
    officer: input.officer,
    type: parsed.type,
    alg: parsed.alg,
    jwk: JSON.stringify(parsed.jwk),
    chain_pem: parsed.chainPem,
    added_at: new Date().toISOString(),
    added_by: actor,
  };
  await store.identities.addOfficerKey(row);
  return { ...row, removed_at: null };
}

/** Remove an officer key; refused while published credentials name it (they would stop verifying) unless forced. */
export async function removeOfficerKey(
  store: Store,
  id: string,
  opts: { verificationMethod: string; force: boolean; actor: string },
): Promise<void> {
  const signed = await store.credentials.countSignedWith(opts.verificationMethod);
  if (signed && !opts.force)
    throw new GatewayError(
      `${signed} published credentials are signed with ${id}: they stop verifying when it leaves the DID document. Revoke or re-sign them first, or force it`,
      'conflict',
    );
  if (!(await store.identities.removeOfficerKey(id, opts.actor)))
    throw new GatewayError(`no officer key ${id}`, 'not-found');
}

/** Make an API token with roles: the token is returned once; the store keeps its sha256. */
export async function createApiToken(
  store: Store,
  name: string,
  roles: string[],
  actor: string,
): Promise<{ row: ApiTokenRow; token: string }> {
  if (!/^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/.test(name))
    throw new GatewayError('a token name is letters, digits and . _ @ - (up to 64)', 'usage');
  const bad = roles.filter((r) => !(ROLE_NAMES as readonly string[]).includes(r));
  if (!roles.length || bad.length)
    throw new GatewayError(`roles are ${ROLE_NAMES.join(', ')} (not ${bad.join(', ') || 'none'})`, 'usage');
  const token = randomBytes(32).toString('base64url');
  const row = {
    id: randomUUID(),
    name,
    sha256: createHash('sha256').update(token).digest('hex'),
    roles: JSON.stringify([...new Set(roles)]),
    created_at: new Date().toISOString(),
    created_by: actor,
  };
  await store.identities.createToken(row);
  return { row: { ...row, revoked_at: null }, token };
}

export const tokenView = (t: ApiTokenRow) => ({
  id: t.id,
  name: t.name,
  roles: JSON.parse(t.roles) as string[],
  createdAt: t.created_at,
  createdBy: t.created_by,
  revokedAt: t.revoked_at,
});

/**
 * A signature as an officer hands it over, as text: base64 or base64url (what `base64 -w0
 * signature.bin` prints). Undefined when the text is not that (then it is the raw bytes).
 */
export function signatureFromText(text: string): Uint8Array | undefined {
  const t = text.trim().replace(/\s+/g, '');
  if (t.length < 16 || !/^[A-Za-z0-9+/_-]+={0,2}$/.test(t)) return undefined;
  return new Uint8Array(Buffer.from(t.replace(/-/g, '+').replace(/_/g, '/'), 'base64'));
}
