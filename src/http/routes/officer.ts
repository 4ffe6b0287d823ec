import type { FastifyInstance } from 'fastify';
import {
  createApiToken,
  registerOfficerKey,
  removeOfficerKey,
  signatureFromText,
  tokenView,
} from '../../approval/access.js';
import type { SigningInput } from '../../credentials/suites/external.js';
import type { OfficerKeyInput } from '../../approval/officer-keys.js';
import type { SuiteId } from '../../core/ids.js';
import { x5uUrl, verificationMethodId } from '../../credentials/did-web.js';
import type { OfficerKeyRow } from '../../store/store.js';
import { HttpProblem } from '../plugins/problem.js';
import { actorOf, servicePort, specRoute } from '../route.js';

/** A signature as the officer uploads it: base64 or base64url (what `base64 -w0 sig.bin` prints). */
export function decodeSignature(text: string): Uint8Array {
  const bytes = signatureFromText(text);
  if (!bytes) throw new HttpProblem(400, 'the signature must be base64 or base64url (e.g. `base64 -w0 signature.bin`)');
  return bytes;
}

export function signingInputView(input: SigningInput & { draft: string }) {
  const bytes = Buffer.from(input.bytes);
  const text = bytes.toString('utf8');
  const printable = /^[\x20-\x7e]+$/.test(text);
  // A JWS signing input (jws2020, vc-jose): its protected header, decoded, and its payload as sent.
  const jws = printable ? /^([A-Za-z0-9_-]+)\.([^.]+)$/.exec(text) : null;
  let header: Record<string, unknown> | null;
  try {
    header = jws ? (JSON.parse(Buffer.from(jws[1]!, 'base64url').toString('utf8')) as Record<string, unknown>) : null;
  } catch {
    header = null;
  }
  return {
    draft: input.draft,
    suite: input.suite,
    alg: input.alg,
    keyId: input.keyId,
    created: input.created,
    bytesBase64: bytes.toString('base64'),
    bytesHex: bytes.toString('hex'),
    text: printable ? text : null,
    protectedHeader: header,
    payload: header ? jws![2]! : null,
  };
}

export const officerKeyView = (base: string, did: string) => (k: OfficerKeyRow) => ({
  id: k.id,
  officer: k.officer,
  type: k.type,
  alg: k.alg,
  publicKeyJwk: JSON.parse(k.jwk) as object,
  verificationMethod: verificationMethodId(did, k.id),
  x5u: k.chain_pem ? x5uUrl(base, k.id) : null,
  addedAt: k.added_at,
  addedBy: k.added_by,
});

/** The officer's routes (drafts, signatures, revocation) and the admin's (officer keys, tokens). */
export default async function officerRoutes(app: FastifyInstance): Promise<void> {
  const service = () => servicePort(app);
  const base = app.gateway.config.publicBaseUrl;
  const did = app.gateway.credentials.did;

  specRoute(app, 'whoAmI', async (request) => ({ name: actorOf(request), roles: request.principal?.roles ?? [] }));

  specRoute(app, 'listDrafts', async (request) => {
    const { cloud } = request.query as { cloud?: string };
    const { approvals } = service();
    return { sets: await approvals.pending(cloud), decided: await approvals.decided(cloud) };
  });

  specRoute(app, 'getDraft', async (request) => {
    const { id } = request.query as { id: string };
    return service().approvals.show(id);
  });

  specRoute(app, 'approveDrafts', async (request) => {
    const body = request.body as { ids?: string[]; cloud?: string; profile?: string };
    return service().approvals.approve(body, actorOf(request));
  });

  specRoute(app, 'rejectDrafts', async (request) => {
    const body = request.body as { ids?: string[]; cloud?: string; profile?: string; reason: string };
    return service().approvals.reject(body, body.reason, actorOf(request));
  });

  specRoute(app, 'getSigningInput', async (request, reply) => {
    const q = request.query as { id: string; key: string; suite?: SuiteId; created?: string };
    const input = await service().approvals.signingInput(q.id, {
      key: q.key,
      ...(q.suite ? { suite: q.suite } : {}),
      ...(q.created ? { created: new Date(q.created) } : {}),
    });
    void reply.header('cache-control', 'no-store').header('x-gx-created', input.created);
    if (/application\/octet-stream/.test(request.headers.accept ?? ''))
      return reply.type('application/octet-stream').send(Buffer.from(input.bytes));
    return signingInputView(input);
  });

  specRoute(app, 'attachSignature', async (request) => {
    const b = request.body as { id: string; key: string; suite?: SuiteId; created?: string; signature: string };
    return service().approvals.attachSignature(
      b.id,
      {
        key: b.key,
        ...(b.suite ? { suite: b.suite } : {}),
        ...(b.created ? { created: new Date(b.created) } : {}),
        signature: decodeSignature(b.signature),
      },
      actorOf(request),
    );
  });

  specRoute(app, 'revokeCredentials', async (request) => {
    const b = request.body as { ids: string[]; reason: string };
    return service().approvals.revoke(b.ids, b.reason, actorOf(request));
  });

  specRoute(app, 'listOfficerKeys', async () => ({
    keys: (await service().store.identities.officerKeys()).map(officerKeyView(base, did)),
  }));

  specRoute(app, 'addOfficerKey', async (request, reply) => {
    const svc = service();
    const ownKeys = app.gateway.credentials.keys.list().map((k) => k.id);
    const row = await registerOfficerKey(svc.store, request.body as OfficerKeyInput, actorOf(request), ownKeys);
    await svc.officerKeysChanged();
    return reply.code(201).send(officerKeyView(base, did)(row));
  });

  specRoute(app, 'removeOfficerKey', async (request, reply) => {
    const svc = service();
    const { keyId } = request.params as { keyId: string };
    const { force } = request.query as { force?: boolean };
    await removeOfficerKey(svc.store, keyId, {
      verificationMethod: verificationMethodId(did, keyId),
      force: Boolean(force),
      actor: actorOf(request),
    });
    await svc.officerKeysChanged();
    return reply.code(204).send();
  });

  specRoute(app, 'listTokens', async () => ({
    tokens: (await service().store.identities.listTokens()).map(tokenView),
  }));

  specRoute(app, 'createToken', async (request, reply) => {
    const b = request.body as { name: string; roles: string[] };
    // An admin is not an officer, and cannot make one: officers sign in through the identity
    // provider, or get a token from whoever runs the gateway's host (`gx-gateway tokens create`).
    if (b.roles.includes('officer'))
      throw new HttpProblem(
        403,
        'an admin is not an officer and cannot make officer tokens: officers sign in through the identity provider, or get a token made on the gateway host (gx-gateway tokens create NAME --role officer)',
      );
    const made = await createApiToken(service().store, b.name, b.roles, actorOf(request));
    return reply
      .code(201)
      .header('cache-control', 'no-store')
      .send({ ...tokenView(made.row), token: made.token });
  });

  specRoute(app, 'revokeToken', async (request, reply) => {
    const { tokenId } = request.params as { tokenId: string };
    if (!(await service().store.identities.revokeToken(tokenId, actorOf(request))))
      throw new HttpProblem(404, `no active token ${tokenId}`);
    return reply.code(204).send();
  });
}
