import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { asArray } from '../core/group.js';
import { credentialsIn } from '../publish/xfsc.js';
import { startFake, type FakeResponse, type FakeServer } from './http.js';
import { issuerId } from '../credentials/verification-method.js';

/**
 * The Eclipse XFSC federated catalogue's 2025 API (`/self-descriptions`, the API most deployments
 * run; ../shared/xfsc/fc-openapi-2025-self-descriptions.yaml), faithful where the gateway meets it:
 * bearer JWTs from its OIDC provider with `resource_access.federated-catalogue.roles`; a
 * self-description is a VC 1.1 JSON-LD presentation posted as the request body; its id is the
 * SHA-256 hex of the exact body (409 for the same bytes again); one active entry per credential
 * subject (a new upload deprecates the old); revoke only an active one (409 otherwise); errors
 * `{"code","message"}`. It really checks what it receives: every credential carries a proof, is
 * fetched from its `id` URL and must be byte for byte what was uploaded (as catalogues pull), and an
 * optional verifier checks the signatures.
 */
export interface CatalogueEntry {
  sdHash: string;
  id: string;
  status: 'active' | 'eol' | 'deprecated' | 'revoked';
  issuer: string;
  validatorDids: string[];
  uploadDatetime: string;
  statusDatetime: string;
  content: string;
}

export type CatalogueOptions = FakeCatalogueOptions;

export interface FakeCatalogueOptions {
  port?: number;
  /** The OIDC provider whose tokens it accepts (its JWKS); without one, any bearer token. */
  issuer?: string;
  /** Verify an uploaded presentation's signatures (the gateway's verifier in tests and the demo). */
  verify?: (presentation: Record<string, unknown>) => Promise<string | undefined>;
  /** Fetch credential id URLs (default: fetch; the demo and tests reach loopback). */
  fetchText?: (url: string) => Promise<{ status: number; text: string }>;
}

export interface FakeCatalogue extends FakeServer {
  entries: Map<string, CatalogueEntry>;
  /** Registered participants: id → the credential (or presentation) registered. */
  participants: Map<string, string>;
}

const err = (status: number, code: string, message: string): FakeResponse => ({ status, json: { code, message } });

/**
 * Who may call what, as the catalogue's Spring SecurityConfig says (2025: commit 8effb88; 2026:
 * c243a65). Roles come from `resource_access.federated-catalogue.roles`. `[]`: any valid token.
 * Registering a participant (POST /participants) is the catalogue admin's (Ro-MU-CA) in both.
 */
type Rule = [method: string, path: RegExp, roles: string[]];
const SD_WRITE = ['Ro-MU-CA', 'Ro-SD-A', 'Ro-MU-A'];
const RULES: Record<'2025' | '2026', Rule[]> = {
  '2025': [
    ['GET', /^\/self-descriptions(\/[^/]+)?$/, []],
    ['POST', /^\/self-descriptions(\/[^/]+\/revoke)?$/, SD_WRITE],
    ['DELETE', /^\/self-descriptions\/[^/]+$/, SD_WRITE],
    ['POST', /^\/participants$/, ['Ro-MU-CA']],
    ['GET', /^\/participants$/, ['Ro-MU-CA']],
    ['PUT', /^\/participants\/[^/]+$/, ['Ro-MU-CA', 'Ro-MU-A']],
    ['GET', /^\/participants\/[^/]+$/, ['Ro-MU-CA', 'Ro-MU-A', 'Ro-PA-A', 'Ro-SD-A']],
  ],
  '2026': [
    ['POST', /^\/assets\/[^/]+\/versions\/[^/]+\/revoke$/, ['ASSET_UPDATE', 'ADMIN_ALL']],
    ['GET', /^\/assets\/[^/]+\/versions$/, ['ASSET_READ', 'ADMIN_ALL']],
    ['GET', /^\/assets(\/[^/]+)?$/, ['ASSET_READ', 'ADMIN_ALL']],
    ['POST', /^\/assets$/, ['ASSET_CREATE', 'ADMIN_ALL']],
    ['DELETE', /^\/assets\/by-id\/.+$/, ['ASSET_DELETE', 'ADMIN_ALL']],
    ['POST', /^\/participants$/, ['Ro-MU-CA']],
    ['GET', /^\/participants$/, ['Ro-MU-CA']],
    ['PUT', /^\/participants\/[^/]+$/, ['Ro-MU-CA', 'Ro-MU-A']],
    ['GET', /^\/participants\/[^/]+$/, ['Ro-MU-CA', 'Ro-MU-A', 'Ro-PA-A', 'Ro-AS-A', 'ASSET_READ']],
  ],
};

/** Spring's resource server without an accepted token: 401, an empty body, the reason in WWW-Authenticate. */
const unauthorized = (reason?: string): FakeResponse => ({
  status: 401,
  headers: {
    'www-authenticate': reason
      ? `Bearer error="invalid_token", error_description="${reason.replace(/["\\]/g, '')}", error_uri="https://tools.ietf.org/html/rfc6750#section-3.1"`
      : 'Bearer',
  },
  text: '',
});

/** The catalogue's AccessDeniedHandler: 403 `{"code":"forbidden_error",…}`, pretty-printed. */
const forbidden = (): FakeResponse => ({
  status: 403,
  headers: { 'content-type': 'application/json' },
  text: JSON.stringify(
    { code: 'forbidden_error', message: 'User does not have permission to execute this request.' },
    null,
    2,
  ),
});

/**
 * Bearer JWTs of the catalogue's OIDC provider, with the roles the call needs (see RULES); without
 * a provider, any bearer token with every role.
 */
export function catalogueAuthorizer(issuer: string | undefined, generation: '2025' | '2026') {
  const jwks = issuer ? createRemoteJWKSet(new URL(`${issuer}/jwks`)) : undefined;
  return async (header: string | undefined, method: string, path: string): Promise<FakeResponse | undefined> => {
    const m = /^Bearer (.+)$/.exec(header ?? '');
    if (!m) return unauthorized();
    if (!jwks) return undefined;
    let roles: string[];
    try {
      const { payload } = await jwtVerify(m[1]!, jwks, { issuer: issuer! });
      roles =
        (payload.resource_access as Record<string, { roles?: string[] }> | undefined)?.['federated-catalogue']?.roles ??
        [];
    } catch (e) {
      return unauthorized(`An error occurred while attempting to decode the Jwt: ${(e as Error).message}`);
    }
    const rule = RULES[generation].find(([verb, re]) => verb === method && re.test(path));
    // Anything else: authenticated() only.
    if (rule && rule[2].length && !roles.some((r) => rule[2].includes(r))) return forbidden();
    return undefined;
  };
}

/**
 * `/participants` of both API generations: POST registers the participant whose credential (a
 * presentation, a VC-JWT or a VP-JWT) is the body (409 when registered; Ro-MU-CA only, see RULES), PUT updates it, GET reads it.
 */
export function participants() {
  const registered = new Map<string, string>();
  const idOf = (body: string): string | undefined =>
    (asArray(credentialsIn(body)[0]?.credentialSubject)[0] as { id?: string } | undefined)?.id;
  const handler = async (method: string, path: string, body: string): Promise<FakeResponse | undefined> => {
    if (method === 'POST' && path === '/participants') {
      const id = idOf(body);
      if (!id) return err(400, 'client_error', 'the body is not a participant credential');
      if (registered.has(id)) return err(409, 'conflict_error', `participant ${id} is registered`);
      registered.set(id, body);
      return { status: 201, headers: { location: `/participants/${encodeURIComponent(id)}` }, json: { id, name: id } };
    }
    const one = /^\/participants\/([^/]+)$/.exec(path);
    if (!one) return undefined;
    const id = decodeURIComponent(one[1]!);
    if (!registered.has(id)) return err(404, 'not_found_error', `no participant ${id}`);
    if (method === 'PUT') {
      if (idOf(body) !== id) return err(400, 'client_error', `the credential is not about participant ${id}`);
      registered.set(id, body);
    }
    return method === 'PUT' || method === 'GET' ? { json: { id, name: id } } : undefined;
  };
  return Object.assign(handler, { registered });
}

export async function startFakeCatalogue(opts: FakeCatalogueOptions = {}): Promise<FakeCatalogue> {
  const entries = new Map<string, CatalogueEntry>();
  const fetchText =
    opts.fetchText ??
    (async (url: string) => {
      const r = await fetch(url, { signal: AbortSignal.timeout(10_000), redirect: 'follow' });
      return { status: r.status, text: await r.text() };
    });
  const now = () => new Date().toISOString();

  const authorize = catalogueAuthorizer(opts.issuer, '2025');
  const people = participants();

  const fake = await startFake(
    async (req, url, body): Promise<FakeResponse | undefined> => {
      const path = url.pathname;
      const denied = await authorize(req.headers.authorization, req.method ?? 'GET', path);
      if (denied) return denied;
      if (req.method === 'GET' && path === '/self-descriptions') {
        const statuses = url.searchParams.get('statuses')?.split(',');
        const ids = url.searchParams.get('ids')?.split(',');
        const items = [...entries.values()]
          .filter((e) => (!statuses || statuses.includes(e.status)) && (!ids || ids.includes(e.id)))
          .map(({ content, ...meta }) => ({
            meta,
            ...(url.searchParams.get('withContent') === 'true' ? { content } : {}),
          }));
        return { json: { totalCount: items.length, items } };
      }
      const registered = await people(req.method ?? 'GET', path, body);
      if (registered) return registered;
      if (req.method === 'POST' && path === '/self-descriptions') {
        const sdHash = createHash('sha256').update(body).digest('hex');
        if (entries.has(sdHash)) return err(409, 'conflict_error', `a self-description with hash ${sdHash} exists`);
        let vp: Record<string, unknown>;
        try {
          vp = JSON.parse(body) as Record<string, unknown>;
        } catch {
          return err(400, 'client_error', 'the body is not JSON');
        }
        const types = asArray(vp.type);
        const credentials = asArray(vp.verifiableCredential) as Record<string, unknown>[];
        if (!types.includes('VerifiablePresentation') || !credentials.length)
          return err(400, 'client_error', 'expected a VerifiablePresentation with verifiableCredential');
        for (const c of credentials) {
          if (!c.proof) return err(422, 'verification_error', `credential ${String(c.id)} has no proof`);
          if (typeof c.id !== 'string') return err(422, 'verification_error', 'a credential without id');
          // As a catalogue pulls: the credential at its id URL must be exactly what was uploaded.
          const served = await fetchText(c.id).catch((e: Error) => ({ status: 0, text: e.message }));
          if (served.status !== 200)
            return err(422, 'verification_error', `${c.id} answered ${served.status}: ${served.text.slice(0, 200)}`);
          if (served.text !== JSON.stringify(c))
            return err(422, 'verification_error', `${c.id} serves other bytes than the uploaded credential`);
        }
        const problem = await opts.verify?.(vp);
        if (problem) return err(422, 'verification_error', problem);
        const first = credentials[0]!;
        const subject = (asArray(first.credentialSubject)[0] as { id?: string } | undefined)?.id;
        const issuer = String(issuerId(first));
        const at = now();
        for (const e of entries.values())
          if (e.id === subject && e.status === 'active') Object.assign(e, { status: 'deprecated', statusDatetime: at });
        const entry: CatalogueEntry = {
          sdHash,
          id: subject ?? String(first.id),
          status: 'active',
          issuer,
          validatorDids: [],
          uploadDatetime: at,
          statusDatetime: at,
          content: body,
        };
        entries.set(sdHash, entry);
        const { content: _content, ...meta } = entry;
        return { status: 201, headers: { location: `/self-descriptions/${sdHash}` }, json: meta };
      }
      const revoke = /^\/self-descriptions\/([0-9a-f]{64})\/revoke$/.exec(path);
      if (req.method === 'POST' && revoke) {
        const e = entries.get(revoke[1]!);
        if (!e) return err(404, 'not_found_error', `no self-description ${revoke[1]}`);
        if (e.status !== 'active')
          return err(409, 'conflict_error', `self-description ${e.sdHash} is ${e.status}, not active`);
        Object.assign(e, { status: 'revoked', statusDatetime: now() });
        const { content: _content, ...meta } = e;
        return { json: meta };
      }
      const one = /^\/self-descriptions\/([0-9a-f]{64})$/.exec(path);
      if (one && req.method === 'DELETE') {
        if (!entries.delete(one[1]!)) return err(404, 'not_found_error', `no self-description ${one[1]}`);
        return { status: 200, json: {} };
      }
      return undefined;
    },
    opts.port !== undefined ? { port: opts.port } : {},
  );
  return Object.assign(fake, { entries, participants: people.registered });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const fake = await startFakeCatalogue({ port: Number(process.argv[2] ?? 0) });
  process.stdout.write(`fake XFSC federated catalogue (2025 API) at ${fake.url} (any bearer token)\n`);
}
