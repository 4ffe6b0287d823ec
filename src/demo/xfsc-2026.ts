import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { decodeJwt } from 'jose';
import { startFake, type FakeResponse, type FakeServer } from './http.js';
import { catalogueAuthorizer, participants, type CatalogueOptions } from './xfsc.js';
import { asArray } from '../core/group.js';
import { issuerId } from '../credentials/verification-method.js';
import { envelopedJwt } from '../credentials/suites/vc-jose.js';

/**
 * The Eclipse XFSC federated catalogue's 2026 API (`/assets`; ../shared/xfsc/fc-openapi-2026-assets.yaml),
 * faithful where the gateway meets it: `POST /assets` takes `application/vp+jwt` (each credential an
 * EnvelopedVerifiableCredential `data:application/vc+jwt,…`), `application/vc+jwt` or a JSON-LD
 * presentation (`application/vp+ld+json`); an asset is named by its credential subject's IRI and
 * each upload of new bytes is a new version (409 for the same bytes again); `GET
 * /assets/{iri}/versions`; `POST /assets/{iri}/versions/{n}/revoke` revokes only the current version
 * (409 otherwise); `DELETE /assets/by-id/{iri}` (idempotent, 204); `/participants`; errors
 * `{"code","message"}`. It really checks: each credential is fetched from its `id` URL and must be
 * byte for byte what was uploaded (the JWT itself for a VC-JWT), and `verify` checks the signatures.
 */
export interface AssetVersion {
  version: number;
  assetHash: string;
  createdAt: string;
  createdBy: string;
  status: 'active' | 'eol' | 'deprecated' | 'revoked';
  content: string;
  contentType: string;
}

export interface FakeCatalogue2026 extends FakeServer {
  /** Versions per asset IRI, oldest first. */
  assets: Map<string, AssetVersion[]>;
  participants: Map<string, string>;
}

const err = (status: number, code: string, message: string): FakeResponse => ({ status, json: { code, message } });

export async function startFakeCatalogue2026(opts: CatalogueOptions = {}): Promise<FakeCatalogue2026> {
  const assets = new Map<string, AssetVersion[]>();
  const authorize = catalogueAuthorizer(opts.issuer, '2026');
  const people = participants();
  const fetchText =
    opts.fetchText ??
    (async (url: string) => {
      const r = await fetch(url, { signal: AbortSignal.timeout(10_000) });
      return { status: r.status, text: await r.text() };
    });
  const now = () => new Date().toISOString();
  const view = (iri: string, v: AssetVersion, current: boolean) => ({
    assetHash: v.assetHash,
    id: iri,
    status: v.status,
    issuer: v.createdBy,
    validatorDids: [],
    uploadDatetime: v.createdAt,
    statusDatetime: v.createdAt,
    contentType: v.contentType,
    fileSize: Buffer.byteLength(v.content),
    ...(current ? {} : {}),
  });
  const versionView = (v: AssetVersion, current: boolean) => ({
    version: v.version,
    createdAt: v.createdAt,
    createdBy: v.createdBy,
    status: v.status,
    isCurrent: current,
  });

  /** The credentials of an upload, each with the bytes its id URL must serve. */
  const credentialsOf = (
    body: string,
    type: string,
  ): { credentials: { doc: Record<string, unknown>; served: string }[] } | FakeResponse => {
    const jwtCredential = (jwt: string) => ({ doc: decodeJwt(jwt) as Record<string, unknown>, served: jwt });
    try {
      if (/^application\/vc\+(ld\+json\+)?jwt/.test(type)) return { credentials: [jwtCredential(body.trim())] };
      if (/^application\/vp\+(ld\+json\+)?jwt/.test(type)) {
        const vp = decodeJwt(body.trim()) as Record<string, unknown>;
        const out = [];
        for (const e of asArray(vp.verifiableCredential) as Record<string, unknown>[]) {
          const jwt = envelopedJwt(e);
          if (e?.type !== 'EnvelopedVerifiableCredential' || !jwt)
            return err(
              400,
              'client_error',
              'each credential must be an EnvelopedVerifiableCredential (data:application/vc+jwt,…)',
            );
          out.push(jwtCredential(jwt));
        }
        return { credentials: out };
      }
      if (/^application\/(vp\+ld\+json|ld\+json|json)/.test(type)) {
        const vp = JSON.parse(body) as Record<string, unknown>;
        return {
          credentials: (asArray(vp.verifiableCredential) as Record<string, unknown>[]).map((c) => ({
            doc: c,
            served: JSON.stringify(c),
          })),
        };
      }
    } catch (e) {
      return err(400, 'client_error', `the body is not a credential: ${(e as Error).message}`);
    }
    return err(415, 'client_error', `unsupported content type ${type}`);
  };

  const fake = await startFake(
    async (req, url, body): Promise<FakeResponse | undefined> => {
      const path = url.pathname;
      const denied = await authorize(req.headers.authorization, req.method ?? 'GET', path);
      if (denied) return denied;
      const people_ = await people(req.method ?? 'GET', path, body);
      if (people_) return people_;
      if (req.method === 'GET' && path === '/assets') {
        const items = [...assets].map(([iri, vs]) => view(iri, vs.at(-1)!, true));
        return { json: { totalCount: items.length, items } };
      }
      if (req.method === 'POST' && path === '/assets') {
        const type = req.headers['content-type'] ?? '';
        const parsed = credentialsOf(body, type);
        if (!('credentials' in parsed)) return parsed;
        if (!parsed.credentials.length) return err(400, 'client_error', 'no credential in the upload');
        const assetHash = createHash('sha256').update(body).digest('hex');
        for (const vs of assets.values())
          if (vs.some((v) => v.assetHash === assetHash))
            return err(409, 'conflict_error', `an asset with hash ${assetHash} exists`);
        for (const c of parsed.credentials) {
          if (typeof c.doc.id !== 'string') return err(422, 'verification_error', 'a credential without id');
          const served = await fetchText(c.doc.id).catch((e: Error) => ({ status: 0, text: e.message }));
          if (served.status !== 200)
            return err(
              422,
              'verification_error',
              `${c.doc.id} answered ${served.status}: ${served.text.slice(0, 200)}`,
            );
          if (served.text.trim() !== c.served)
            return err(422, 'verification_error', `${c.doc.id} serves other bytes than the uploaded credential`);
        }
        const problem = await opts.verify?.(type.includes('jwt') ? body.trim() : JSON.parse(body));
        if (problem) return err(422, 'verification_error', problem);
        const first = parsed.credentials[0]!.doc;
        const iri = (asArray(first.credentialSubject)[0] as { id?: string } | undefined)?.id ?? String(first.id);
        const issuer = String(issuerId(first));
        const versions = assets.get(iri) ?? [];
        const previous = versions.at(-1);
        if (previous?.status === 'active') previous.status = 'deprecated';
        const v: AssetVersion = {
          version: versions.length + 1,
          assetHash,
          createdAt: now(),
          createdBy: issuer,
          status: 'active',
          content: body,
          contentType: type.split(';')[0]!,
        };
        versions.push(v);
        assets.set(iri, versions);
        return { status: 201, headers: { location: `/assets/${encodeURIComponent(iri)}` }, json: view(iri, v, true) };
      }
      const one = /^\/assets\/([^/]+)$/.exec(path);
      if (req.method === 'GET' && one && one[1] !== 'validate') {
        const iri = decodeURIComponent(one[1]!);
        const vs = assets.get(iri);
        if (!vs) return err(404, 'not_found_error', `no asset ${iri}`);
        return { json: { ...view(iri, vs.at(-1)!, true), rawContent: vs.at(-1)!.content } };
      }
      const versions = /^\/assets\/([^/]+)\/versions$/.exec(path);
      if (req.method === 'GET' && versions) {
        const iri = decodeURIComponent(versions[1]!);
        const vs = assets.get(iri);
        if (!vs) return err(404, 'not_found_error', `no asset ${iri}`);
        return {
          json: { id: iri, total: vs.length, versions: [...vs].reverse().map((v) => versionView(v, v === vs.at(-1))) },
        };
      }
      const revoke = /^\/assets\/([^/]+)\/versions\/(\d+)\/revoke$/.exec(path);
      if (req.method === 'POST' && revoke) {
        const iri = decodeURIComponent(revoke[1]!);
        const vs = assets.get(iri);
        const v = vs?.find((x) => x.version === Number(revoke[2]));
        if (!vs || !v) return err(404, 'not_found_error', `no version ${revoke[2]} of ${iri}`);
        if (v !== vs.at(-1)) return err(409, 'conflict_error', `version ${v.version} of ${iri} is not the current one`);
        if (v.status !== 'active') return err(409, 'conflict_error', `version ${v.version} of ${iri} is ${v.status}`);
        v.status = 'revoked';
        return { json: versionView(v, true) };
      }
      const byId = /^\/assets\/by-id\/([^/]+)$/.exec(path);
      if (req.method === 'DELETE' && byId) {
        assets.delete(decodeURIComponent(byId[1]!));
        return { status: 204, text: '' };
      }
      return undefined;
    },
    opts.port !== undefined ? { port: opts.port } : {},
  );
  return Object.assign(fake, { assets, participants: people.registered });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const fake = await startFakeCatalogue2026({ port: Number(process.argv[2] ?? 0) });
  process.stdout.write(`fake XFSC federated catalogue (2026 API) at ${fake.url} (any bearer token)\n`);
}
