import { responseText } from '../net/body.js';
import { peerFetch } from '../net/peer-fetch.js';
import { decodeJwt } from 'jose';
import { asArray } from '../core/group.js';
import { envelopedJwt } from '../credentials/suites/vc-jose.js';
import type { JsonObject } from '../core/ids.js';
import type { CredentialRow, Store } from '../store/store.js';
import { httpFailure, type Delivery, type DeliveryResult, type Publisher } from './outbox.js';

/** A catalogue's answers are read up to this size (its listings are paged). */
const MAX_ANSWER_BYTES = 8 << 20;
const boundedJson = async (r: Response): Promise<unknown> => JSON.parse(await responseText(r, MAX_ANSWER_BYTES));

/**
 * Bearer tokens from the catalogue's OIDC provider: the client credentials grant, or the password
 * grant existing deployments use for service users; kept until shortly before they expire.
 */
export class CatalogueTokens {
  private cached: { token: string; until: number } | undefined;

  constructor(
    private readonly o: {
      tokenUrl: string;
      clientId: string;
      clientSecret: string;
      /** The password grant's user (a service user); without it, client credentials. */
      user?: { username: string; password: string };
      scope?: string;
    },
  ) {}

  /** The token request in flight: deliveries in parallel wait for the same one. */
  private pending: Promise<string> | undefined;

  async token(signal?: AbortSignal): Promise<string> {
    if (this.cached && Date.now() < this.cached.until) return this.cached.token;
    this.pending ??= this.request(signal).finally(() => (this.pending = undefined));
    return this.pending;
  }

  private async request(signal?: AbortSignal): Promise<string> {
    const { o } = this;
    const r = await peerFetch(o.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({
        ...(o.user
          ? { grant_type: 'password', username: o.user.username, password: o.user.password }
          : { grant_type: 'client_credentials' }),
        client_id: o.clientId,
        ...(o.clientSecret ? { client_secret: o.clientSecret } : {}),
        ...(o.scope ? { scope: o.scope } : {}),
      }),
      ...(signal ? { signal } : {}),
    });
    const body = (await boundedJson(r).catch(() => ({}))) as {
      access_token?: string;
      expires_in?: number;
      error?: string;
      error_description?: string;
    };
    if (!r.ok || !body.access_token)
      throw new Error(
        `the catalogue's identity provider refused the ${o.user ? 'password' : 'client credentials'} grant: ${r.status} ${body.error ?? ''} ${body.error_description ?? ''}`.trim(),
      );
    this.cached = { token: body.access_token, until: Date.now() + Math.max(0, (body.expires_in ?? 300) - 30) * 1000 };
    return body.access_token;
  }

  forget(): void {
    this.cached = undefined;
  }
}

/** What each catalogue status means, for people (the catalogue's own `{"code","message"}` follows). */
const MEANING: Record<number, string> = {
  400: 'the catalogue refused the request as malformed',
  401: "the catalogue did not accept the token (its identity provider's client, secret or user)",
  403: "the token's roles or participant do not allow this (2025 API: Ro-SD-A, and participant_id equal to the issuer; 2026 API: ASSET_CREATE, ASSET_UPDATE, ASSET_DELETE, ASSET_READ; registering the participant: Ro-MU-CA)",
  404: 'the catalogue has no such entry',
  409: 'the catalogue has this already, or it is not active',
  415: 'the catalogue does not take this media type',
  422: 'the catalogue could not verify the credential (signature, x5u chain, or the bytes at its id URL)',
  429: 'the catalogue is throttling requests',
  500: 'the catalogue failed',
  502: 'the catalogue is unreachable behind its gateway',
  503: 'the catalogue is unavailable',
  504: 'the catalogue timed out (it verifies signatures and fetches credentials before answering)',
};

export async function catalogueError(r: Response): Promise<string> {
  const text = await responseText(r, MAX_ANSWER_BYTES).catch((e: Error) => e.message);
  // Spring's resource server answers 401 with an empty body and the reason in WWW-Authenticate.
  const challenge = r.headers.get('www-authenticate');
  let detail = text.slice(0, 300) || (challenge ? `WWW-Authenticate: ${challenge.slice(0, 300)}` : '');
  try {
    const e = JSON.parse(text) as { code?: string; message?: string };
    if (e.code || e.message) detail = `${e.code ?? ''}: ${e.message ?? ''}`;
  } catch {
    // not JSON: the text itself
  }
  return `${r.status} ${MEANING[r.status] ?? 'unexpected answer'} (${detail})`;
}

/** One generation of the catalogue API behind one interface. */
export interface CatalogueApi {
  readonly generation: '2025' | '2026';
  /** Upload a credential; the catalogue's reference to it (2025: its hash; 2026: `<iri>#<version>`). */
  add(row: CredentialRow, signal: AbortSignal): Promise<{ ref: string } | DeliveryResult>;
  /** Revoke what `add` returned; done also when it is no longer active there. */
  revoke(ref: string, signal: AbortSignal): Promise<{ state: string } | DeliveryResult>;
  /** Delete it for good. */
  delete(ref: string, signal: AbortSignal): Promise<{ state: string } | DeliveryResult>;
  /** Register the participant with its credential (or update it). */
  participant(row: CredentialRow, signal: AbortSignal): Promise<DeliveryResult>;
  /** The active entry holding exactly this credential, if the catalogue has one (after a lost answer). */
  find(row: CredentialRow, signal: AbortSignal): Promise<string | undefined>;
}

/**
 * The credentials an uploaded body carries: a presentation (JSON or a VP-JWT, enveloped VC-JWTs
 * decoded) or a single credential; none when it is neither.
 */
export function credentialsIn(content: string): JsonObject[] {
  try {
    const text = content.trim();
    const doc = (text.startsWith('{') ? JSON.parse(text) : decodeJwt(text)) as JsonObject;
    return asArray(doc.verifiableCredential ?? doc).map((c) => {
      const jwt = envelopedJwt(c);
      return (jwt ? decodeJwt(jwt) : c) as JsonObject;
    });
  } catch {
    return [];
  }
}

/** Whether an uploaded body holds the credential with this id. */
export function holdsCredential(content: string, id: string): boolean {
  return credentialsIn(content).some((c) => c.id === id);
}

export interface CatalogueDeps {
  store: Store;
  /** A signed JSON-LD presentation of one credential (JSON text: VC 1.1 / 2.0 with a proof). */
  presentLd(credential: JsonObject): Promise<string>;
  /** A signed VP-JWT of VC-JWTs (each an EnvelopedVerifiableCredential). */
  presentJwt(jwts: string[]): Promise<string>;
  tokens: CatalogueTokens;
  /** Register the provider as a participant with its legal-person credential (needs the catalogue admin role). */
  registerParticipant?: boolean;
  /** Deliveries in flight at once (publish.catalogues[].concurrency); 1 when not given. */
  concurrency?: number;
}

type Call = (
  method: string,
  path: string,
  signal: AbortSignal,
  body?: { type: string; text: string },
) => Promise<Response>;

function caller(baseUrl: string, tokens: CatalogueTokens): Call {
  const base = baseUrl.replace(/\/+$/, '');
  return async (method, path, signal, body) => {
    const token = await tokens.token(signal);
    const r = await peerFetch(`${base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        accept: 'application/json',
        ...(body ? { 'content-type': body.type } : {}),
      },
      ...(body ? { body: body.text } : {}),
      signal,
    });
    if (r.status === 401) tokens.forget();
    return r;
  };
}

const isJwt = (row: CredentialRow) => !row.body.startsWith('{');
const fail = async (r: Response) => httpFailure(r.status, await catalogueError(r), r.headers.get('retry-after'));

/** The 2025 `/self-descriptions` API: signed JSON-LD presentations; id = SHA-256 of the exact body. */
export function xfsc2025(baseUrl: string, deps: CatalogueDeps): CatalogueApi {
  const call = caller(baseUrl, deps.tokens);
  const body = async (row: CredentialRow) => ({
    type: 'application/json',
    text: await deps.presentLd(JSON.parse(row.body) as JsonObject),
  });
  return {
    generation: '2025',
    async add(row, signal) {
      if (isJwt(row))
        return {
          ok: false,
          retry: false,
          error: 'the 2025 API takes JSON-LD credentials, not JWTs (use the 2026 API)',
        };
      const r = await call('POST', '/self-descriptions', signal, await body(row));
      if (r.status === 201) return { ref: ((await boundedJson(r)) as { sdHash: string }).sdHash };
      return fail(r);
    },
    async revoke(ref, signal) {
      const r = await call('POST', `/self-descriptions/${ref}/revoke`, signal);
      // 409: not active there any more (a newer upload deprecated it); 404: gone. Either way done.
      if (r.ok || r.status === 409 || r.status === 404) return { state: r.ok ? 'revoked' : 'inactive' };
      return fail(r);
    },
    async delete(ref, signal) {
      const r = await call('DELETE', `/self-descriptions/${ref}`, signal);
      if (r.ok || r.status === 404) return { state: 'deleted' };
      return fail(r);
    },
    async participant(row, signal) {
      if (isJwt(row)) return { ok: true };
      return register(call, row, await body(row), signal);
    },
    async find(row, signal) {
      const q = new URLSearchParams({ ids: row.subject, statuses: 'active', withContent: 'true' });
      const r = await call('GET', `/self-descriptions?${q}`, signal);
      if (!r.ok) return undefined;
      const { items } = (await boundedJson(r)) as { items: { meta: { sdHash: string }; content?: string }[] };
      return items.find((i) => i.content !== undefined && holdsCredential(i.content, row.id))?.meta.sdHash;
    },
  };
}

/** The 2026 `/assets` API: VP-JWTs of VC-JWTs (JSON-LD presentations for JSON-LD credentials); versions per IRI. */
export function xfsc2026(baseUrl: string, deps: CatalogueDeps): CatalogueApi {
  const call = caller(baseUrl, deps.tokens);
  const body = async (row: CredentialRow) =>
    isJwt(row)
      ? { type: 'application/vp+jwt', text: await deps.presentJwt([row.body.trim()]) }
      : { type: 'application/vp+ld+json', text: await deps.presentLd(JSON.parse(row.body) as JsonObject) };
  const split = (ref: string) => {
    const at = ref.lastIndexOf('#');
    return { iri: ref.slice(0, at), version: Number(ref.slice(at + 1)) };
  };
  return {
    generation: '2026',
    async add(row, signal) {
      const r = await call('POST', '/assets', signal, await body(row));
      if (r.status !== 201 && r.status !== 200) return fail(r);
      const asset = (await boundedJson(r)) as { id: string };
      // The version this upload made: the asset's current one.
      const v = await call('GET', `/assets/${encodeURIComponent(asset.id)}/versions?size=1`, signal);
      if (!v.ok) return fail(v);
      const list = (await boundedJson(v)) as { versions: { version: number; isCurrent: boolean }[] };
      const current = list.versions.find((x) => x.isCurrent) ?? list.versions[0];
      return { ref: `${asset.id}#${current?.version ?? 1}` };
    },
    async revoke(ref, signal) {
      const { iri, version } = split(ref);
      const r = await call('POST', `/assets/${encodeURIComponent(iri)}/versions/${version}/revoke`, signal);
      // 409: not the current version any more (a newer upload) or already revoked; 404: gone.
      if (r.ok || r.status === 409 || r.status === 404) return { state: r.ok ? 'revoked' : 'inactive' };
      return fail(r);
    },
    async delete(ref, signal) {
      const r = await call('DELETE', `/assets/by-id/${encodeURIComponent(split(ref).iri)}`, signal);
      if (r.ok) return { state: 'deleted' };
      return fail(r);
    },
    async participant(row, signal) {
      return register(call, row, await body(row), signal);
    },
    async find(row, signal) {
      const r = await call('GET', `/assets/${encodeURIComponent(row.subject)}`, signal);
      if (!r.ok) return undefined;
      const asset = (await boundedJson(r)) as { id: string; status: string; rawContent?: string; version?: number };
      if (asset.status !== 'active' || !asset.rawContent || !holdsCredential(asset.rawContent, row.id))
        return undefined;
      const v = await call('GET', `/assets/${encodeURIComponent(asset.id)}/versions?size=1`, signal);
      if (!v.ok) return undefined;
      const list = (await boundedJson(v)) as { versions: { version: number; isCurrent: boolean }[] };
      const current = list.versions.find((x) => x.isCurrent);
      return current ? `${asset.id}#${current.version}` : undefined;
    },
  };
}

/** POST /participants, or PUT when it is registered (both generations). */
async function register(
  call: Call,
  row: CredentialRow,
  body: { type: string; text: string },
  signal: AbortSignal,
): Promise<DeliveryResult> {
  const r = await call('POST', '/participants', signal, body);
  if (r.ok) return { ok: true };
  if (r.status !== 409) return fail(r);
  const u = await call('PUT', `/participants/${encodeURIComponent(row.subject)}`, signal, body);
  return u.ok ? { ok: true } : fail(u);
}

/** The participant's own credential (the legal person / legal participant): registered with the catalogue. */
const isParticipant = (row: CredentialRow) =>
  (JSON.parse(row.types) as string[]).some((t) => /^(gx:)?(LegalPerson|LegalParticipant)$/.test(t));

/**
 * An XFSC federated catalogue as an outbox target, either API generation (configured, or detected
 * at the first delivery: `/assets` answering means 2026): `add` uploads the credential (and
 * registers or updates the participant with its own credential), `revoke` revokes the entry the
 * catalogue made, `delete` deletes it; the catalogue's hash or IRI is kept per credential. An update
 * is the new version's add, then the old one's revoke (the outbox's order).
 */
export function xfscPublisher(
  target: string,
  baseUrl: string,
  api: '2025' | '2026' | 'auto',
  deps: CatalogueDeps,
): Publisher & { generation(): '2025' | '2026' | undefined } {
  let chosen: CatalogueApi | undefined =
    api === 'auto' ? undefined : (api === '2025' ? xfsc2025 : xfsc2026)(baseUrl, deps);
  const detect = async (signal: AbortSignal): Promise<CatalogueApi> => {
    if (chosen) return chosen;
    const r = await caller(baseUrl, deps.tokens)('GET', '/assets?limit=1', signal);
    await r.body?.cancel();
    // 2xx: the 2026 API; 404: no /assets, the 2025 API; anything else says nothing (set `api`).
    if (!r.ok && r.status !== 404)
      throw new Error(
        `cannot tell the catalogue's API generation: GET /assets answered ${r.status}; set publish.catalogues[].api`,
      );
    chosen = (r.ok ? xfsc2026 : xfsc2025)(baseUrl, deps);
    return chosen;
  };
  return {
    target,
    concurrency: deps.concurrency ?? 1,
    generation: () => chosen?.generation,
    async deliver(d: Delivery, signal: AbortSignal): Promise<DeliveryResult> {
      const { store } = deps;
      const catalogue = await detect(signal);
      if (d.action === 'add') {
        const row = await store.credentials.get(d.subject);
        if (!row) return { ok: false, retry: false, error: `${d.subject} is not in the store` };
        // Superseded or revoked before it was delivered: its revocation follows; nothing to add.
        if (row.state !== 'published') return { ok: true };
        const entry = await store.catalogue.get(target, d.subject);
        if (!entry || entry.state !== 'active') {
          // A resumed delivery may have reached the catalogue already: never upload it twice.
          const found = d.resumed ? await catalogue.find(row, signal) : undefined;
          const added = found ? { ref: found } : await catalogue.add(row, signal);
          if (!('ref' in added)) return added;
          await store.catalogue.put(target, d.subject, added.ref, 'active');
        }
        return deps.registerParticipant && isParticipant(row) ? catalogue.participant(row, signal) : { ok: true };
      }
      if (d.action === 'revoke' || d.action === 'delete') {
        const entry = await store.catalogue.get(target, d.subject);
        if (!entry || (d.action === 'revoke' && entry.state !== 'active') || entry.state === 'deleted')
          return { ok: true };
        const done = await (d.action === 'revoke'
          ? catalogue.revoke(entry.ref, signal)
          : catalogue.delete(entry.ref, signal));
        if (!('state' in done)) return done;
        await store.catalogue.put(target, d.subject, entry.ref, done.state);
        return { ok: true };
      }
      return { ok: false, retry: false, error: `unknown action ${d.action}` };
    },
  };
}
