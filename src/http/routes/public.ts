import { createHash } from 'node:crypto';
import { PUBLIC_STATES } from '../../store/schema.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import Negotiator from 'negotiator';
import { decodeJwt } from 'jose';
import { asArray } from '../../core/group.js';
import type { ProfileId } from '../../core/ids.js';
import { hasOwnStatus, type ComplianceRow, type CredentialRow, type StatusListRow } from '../../store/store.js';
import { HttpProblem } from '../plugins/problem.js';
import { servicePort, specRoute } from '../route.js';
import type { ServicePort } from '../types.js';

const JSONLD_TYPES = ['application/vc', 'application/vc+ld+json', 'application/ld+json', 'application/json'];
const JWT_TYPES = ['application/vc+jwt', 'application/jwt'];
const RELEASES: Record<string, ProfileId> = { '25.11': 'gaia-x-25.11', '22.10': 'tagus-22.10' };

/** What a stored document can be served as, its own media type first. */
function servable(mediaType: string): string[] {
  const family = JWT_TYPES.includes(mediaType) ? JWT_TYPES : JSONLD_TYPES;
  return [mediaType, ...family.filter((t) => t !== mediaType)];
}

function negotiate(request: FastifyRequest, mediaType: string): string {
  const available = servable(mediaType);
  if (!request.headers.accept) return mediaType;
  const chosen = new Negotiator(request).mediaType(available);
  if (!chosen)
    throw new HttpProblem(
      406,
      `this document is available as ${available.join(', ')}`,
      'about:blank',
      {},
      { available },
    );
  return chosen;
}

const etags = new Map<string, string>();
/**
 * A strong ETag of a document's bytes, remembered under its id and last change: a version's bytes
 * never change, a status list's change with every re-signing (its length may well stay the same).
 */
function etagOf(key: string, body: string): string {
  let tag = etags.get(key);
  if (!tag) {
    tag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
    if (etags.size > 50_000) etags.clear();
    etags.set(key, tag);
  }
  return tag;
}

function notModified(request: FastifyRequest, etag: string): boolean {
  const inm = request.headers['if-none-match'];
  if (!inm) return false;
  return inm
    .split(',')
    .map((s) => s.trim().replace(/^W\//, ''))
    .some((s) => s === '*' || s === etag.replace(/^W\//, ''));
}

/** The id a request path names: the public origin and the path, segments encoded as describe mints them. */
function idOf(baseUrl: string, url: string): string {
  const path = url.split('?')[0]!;
  let segments: string[];
  try {
    segments = path.split('/').map((s) => encodeURIComponent(decodeURIComponent(s)));
  } catch {
    throw new HttpProblem(400, 'the path is not valid percent-encoding');
  }
  return `${new URL(baseUrl).origin}${segments.join('/')}`;
}

/** Cursor of the listing: the last row's (updated_at, id), opaque to clients. */
const encodeCursor = (row: { updated_at: string; id: string }) =>
  Buffer.from(JSON.stringify([row.updated_at, row.id])).toString('base64url');
function decodeCursor(cursor: string): { updatedAt: string; id: string } {
  try {
    const [updatedAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as [string, string];
    if (typeof updatedAt === 'string' && typeof id === 'string') return { updatedAt, id };
  } catch {
    /* below */
  }
  throw new HttpProblem(400, 'cursor is not one this gateway handed out: start again without it');
}

function credentialSummary(row: Omit<CredentialRow, 'body'>) {
  return {
    id: row.id,
    baseId: row.base_id,
    version: row.version,
    cloud: row.cloud_id,
    profile: row.profile,
    kind: row.kind,
    types: JSON.parse(row.types) as string[],
    state: row.state,
    clearingHouse: row.clearing_house === 1,
    mediaType: row.media_type,
    ...(row.signed_with ? { signedWith: row.signed_with } : {}),
    contentHash: row.content_hash,
    publishedAt: row.published_at,
    updatedAt: row.updated_at,
    ...(row.superseded_by ? { supersededBy: row.superseded_by } : {}),
    ...(row.revoked_at ? { revokedAt: row.revoked_at } : {}),
    ...(hasOwnStatus(row)
      ? { credentialStatus: { statusListCredential: row.status_list, statusListIndex: String(row.status_index) } }
      : {}),
  };
}

/** The subject type of each profile's compliance credential, and back. */
const COMPLIANCE_TYPE: Record<ProfileId, string> = { 'tagus-22.10': 'compliance', 'gaia-x-25.11': 'LabelCredential' };
const COMPLIANCE_PROFILE: Record<string, ProfileId> = { compliance: 'tagus-22.10', LabelCredential: 'gaia-x-25.11' };

/** How the listing names a compliance credential's state (`kind=compliance`). */
const COMPLIANCE_STATE = { published: 'issued', superseded: 'replaced', revoked: 'expired' } as const;
const LISTED_STATE = { issued: 'published', replaced: 'superseded', expired: 'revoked', rejected: 'revoked' } as const;

/** A compliance credential as a listing item: kind `compliance`, its subject type, never for a clearing house. */
function complianceSummary(row: ComplianceRow) {
  const jsonLd = row.body.trimStart().startsWith('{');
  return {
    id: row.id,
    baseId: row.id,
    version: 1,
    cloud: row.cloud_id,
    profile: row.profile,
    kind: 'compliance',
    types: [COMPLIANCE_TYPE[row.profile as ProfileId]],
    state: LISTED_STATE[row.state],
    clearingHouse: false,
    mediaType: jsonLd ? row.media_type || 'application/vc+ld+json' : row.media_type,
    contentHash: `sha256:${createHash('sha256').update(row.body).digest('hex')}`,
    publishedAt: row.created_at,
    updatedAt: row.created_at,
    ...(row.valid_until ? { validUntil: row.valid_until } : {}),
  };
}

/**
 * The public routes a catalogue or clearing house uses: each credential at its id URL, the listing,
 * the change feed, the status lists and a set's presentation. No auth; rate limited.
 */
export default async function publicRoutes(app: FastifyInstance): Promise<void> {
  const { config } = app.gateway;
  const base = config.publicBaseUrl;
  const service = () => servicePort(app);

  // Versions are immutable but their state changes (superseded, revoked), also by other instances
  // sharing the database: rows are remembered briefly, and forgotten when a run here publishes.
  // What a client sees is at most ROW_TTL_MS stale (its Cache-Control allows more).
  const ROW_TTL_MS = 2000;
  const rows = new Map<string, { at: number; row: CredentialRow | undefined }>();
  let lastSeq = { at: 0, seq: 0 };
  // Listing pages as sent, by ETag (the newest event number and the URL): a page cannot change
  // without a new event, so the same ETag is the same bytes. Many catalogues poll the same first
  // pages; a crawler's cursor pages are each read once, so a page is kept only when it is asked
  // for a second time (a crawl churns nothing). Bounded by size, oldest first out.
  const PAGES_MAX_BYTES = 8 * 1024 * 1024;
  // Kept as the bytes sent: a kept page is written as is, neither encoded nor measured again.
  const pages = new Map<string, Buffer>();
  const askedOnce = new Set<string>();
  let pageBytes = 0;
  const keepPage = (etag: string, bytes: Buffer) => {
    if (bytes.length > PAGES_MAX_BYTES / 8) return;
    if (!askedOnce.has(etag)) {
      if (askedOnce.size >= 10_000) askedOnce.clear();
      askedOnce.add(etag);
      return;
    }
    askedOnce.delete(etag);
    pages.set(etag, bytes);
    pageBytes += bytes.length;
    for (const [k, v] of pages) {
      if (pageBytes <= PAGES_MAX_BYTES) break;
      pages.delete(k);
      pageBytes -= v.length;
    }
  };
  app.gateway.service?.onChange?.(() => {
    rows.clear();
    lastSeq = { at: 0, seq: 0 };
  });
  const cachedCredential = async (svc: ServicePort, id: string) => {
    const now = Date.now();
    const hit = rows.get(id);
    if (hit && now - hit.at < ROW_TTL_MS) return hit.row;
    const row = await svc.store.credentials.get(id);
    if (rows.size > 20_000) rows.clear();
    rows.set(id, { at: now, row });
    return row;
  };
  const cachedLastSeq = async (svc: ServicePort) => {
    const now = Date.now();
    if (now - lastSeq.at < 500) return lastSeq.seq;
    lastSeq = { at: now, seq: await svc.store.events.lastSeq() };
    return lastSeq.seq;
  };

  const sendDocument = (
    request: FastifyRequest,
    reply: FastifyReply,
    doc: Pick<CredentialRow, 'id' | 'body' | 'media_type' | 'updated_at'> | StatusListRow,
    cache: string,
  ) => {
    const type = negotiate(request, doc.media_type);
    const etag = etagOf(`${doc.id} ${doc.updated_at}`, doc.body);
    void reply
      .header('etag', etag)
      .header('cache-control', cache)
      .header('vary', 'Accept')
      .header('access-control-allow-origin', '*');
    if (notModified(request, etag)) return reply.code(304).send();
    return reply.type(type).send(doc.body);
  };

  specRoute(app, 'getCredential', async (request, reply) => {
    const svc = service();
    const { store } = svc;
    const id = idOf(base, request.url);
    const found = await cachedCredential(svc, id);
    // Drafts (and rejected or obsolete ones) are the officers' business, not public.
    const row = found && (PUBLIC_STATES as readonly string[]).includes(found.state) ? found : undefined;
    if (!row) {
      // The resource's IRI (no version): the current version.
      const latest = await store.credentials.latestVersion(id);
      if (!latest) throw new HttpProblem(404, 'no credential has this id');
      if (latest.state === 'revoked') throw revokedProblem(latest);
      return reply
        .code(302)
        .header('location', latest.id)
        .header('cache-control', 'no-cache')
        .header('access-control-allow-origin', '*')
        .send();
    }
    if (row.state === 'revoked') throw revokedProblem(row);
    void reply.header('gx-credential-state', row.state).header('link', `<${row.base_id}>; rel="latest-version"`);
    if (row.superseded_by) void reply.header('link', `<${row.superseded_by}>; rel="successor-version"`);
    if (row.clearing_house === 0) void reply.header('gx-clearing-house', 'false');
    return sendDocument(request, reply, row, 'public, max-age=300');
  });

  specRoute(app, 'listCredentials', async (request, reply) => {
    const svc = service();
    const { store } = svc;
    const q = request.query as {
      type?: string;
      kind?: string;
      profile?: ProfileId;
      state?: 'published' | 'superseded' | 'revoked';
      cloud?: string;
      changedSince?: string;
      clearingHouse?: boolean;
      cursor?: string;
      limit?: number;
    };
    const limit = Math.min(q.limit ?? config.api.pageSize, 1000);
    if (q.changedSince && Number.isNaN(Date.parse(q.changedSince)))
      throw new HttpProblem(400, 'changedSince must be an RFC 3339 date-time');
    const seq = await cachedLastSeq(svc);
    const etag = `W/"${seq}-${createHash('sha256').update(request.url).digest('base64url').slice(0, 16)}"`;
    void reply.header('etag', etag).header('cache-control', 'no-cache').header('access-control-allow-origin', '*');
    if (notModified(request, etag)) return reply.code(304).send();
    const page = pages.get(etag);
    if (page !== undefined) return reply.type('application/json; charset=utf-8').send(page);
    const send = (body: { items: unknown[]; next: string | null }) => {
      const bytes = Buffer.from(JSON.stringify(body));
      keepPage(etag, bytes);
      return reply.type('application/json; charset=utf-8').send(bytes);
    };
    if (q.kind === 'compliance') {
      // The compliance credentials clearing houses issued for each cloud's set (their own table);
      // each profile's has one type, so a type filter selects a profile.
      const wanted = q.type?.replace(/^gx:/, '');
      const typed = wanted ? COMPLIANCE_PROFILE[wanted] : undefined;
      const rows =
        q.clearingHouse === true || (wanted && !typed) || (typed && q.profile && typed !== q.profile)
          ? []
          : await store.compliance.listCredentials({
              ...((q.profile ?? typed) ? { profile: (q.profile ?? typed)! } : {}),
              ...(q.cloud ? { cloud: q.cloud } : {}),
              ...(q.state ? { states: [COMPLIANCE_STATE[q.state]] } : {}),
              ...(q.changedSince ? { changedSince: new Date(q.changedSince).toISOString() } : {}),
              ...(q.cursor ? { after: decodeCursor(q.cursor) } : {}),
              limit,
            });
      let next: string | null = null;
      if (rows.length === limit) {
        const u = new URL(request.url, base);
        const last = rows[rows.length - 1]!;
        u.searchParams.set('cursor', encodeCursor({ updated_at: last.created_at, id: last.id }));
        next = `${new URL(base).origin}${u.pathname}${u.search}`;
      }
      return send({ items: rows.map(complianceSummary), next });
    }
    const rows = await store.credentials.list({
      ...(q.type ? { type: q.type.replace(/^gx:/, '') } : {}),
      ...(q.kind ? { kind: q.kind } : {}),
      ...(q.profile ? { profile: q.profile } : {}),
      ...(q.state ? { state: q.state } : {}),
      ...(q.cloud ? { cloud: q.cloud } : {}),
      ...(q.changedSince ? { changedSince: new Date(q.changedSince).toISOString() } : {}),
      ...(q.clearingHouse !== undefined ? { clearingHouse: q.clearingHouse } : {}),
      ...(q.cursor ? { after: decodeCursor(q.cursor) } : {}),
      limit,
    });
    let next: string | null = null;
    if (rows.length === limit) {
      const u = new URL(request.url, base);
      u.searchParams.set('cursor', encodeCursor(rows[rows.length - 1]!));
      next = `${new URL(base).origin}${u.pathname}${u.search}`;
    }
    return send({ items: rows.map(credentialSummary), next });
  });

  specRoute(app, 'listChanges', async (request, reply) => {
    const { store } = service();
    const q = request.query as { after?: number; limit?: number };
    const after = q.after ?? 0;
    const limit = Math.min(q.limit ?? config.api.pageSize, 1000);
    const last = await store.events.lastSeq();
    const etag = `W/"${last}-${after}-${limit}"`;
    void reply.header('etag', etag).header('cache-control', 'no-cache').header('access-control-allow-origin', '*');
    if (notModified(request, etag)) return reply.code(304).send();
    const events = await store.events.after(after, limit);
    const triggers = await store.runs.triggers(events.flatMap((e) => (e.run_id ? [e.run_id] : [])));
    const end = events.length ? events[events.length - 1]!.seq : after;
    const u = new URL(request.url, base);
    u.searchParams.set('after', String(end));
    return {
      events: events.map((e) => ({
        seq: e.seq,
        at: e.at,
        type: e.type,
        credential: e.credential_id,
        baseId: e.base_id,
        cloud: e.cloud_id,
        profile: e.profile,
        // The run that published it, and what started that run (an event in the cloud, say).
        run: e.run_id ?? null,
        trigger: (e.run_id && triggers.get(e.run_id)) ?? null,
      })),
      next: `${new URL(base).origin}${u.pathname}${u.search}`,
      last,
    };
  });

  specRoute(app, 'getStatusList', async (request, reply) => {
    const { store } = service();
    const list = await store.statusLists.get(idOf(base, request.url));
    // A list first needed by drafts is signed when an officer approves them: until then it is not served.
    if (!list?.body) throw new HttpProblem(404, 'no status list has this URL');
    return sendDocument(request, reply, list, 'public, max-age=60');
  });

  specRoute(app, 'getCompliance', async (request, reply) => {
    const row = await service().store.compliance.get(idOf(base, request.url));
    if (!row || row.state === 'rejected') throw new HttpProblem(404, 'no compliance credential has this URL');
    return reply
      .type(row.media_type)
      .header('gx-credential-state', row.state)
      .header('cache-control', 'public, max-age=300')
      .header('access-control-allow-origin', '*')
      .send(row.body);
  });

  specRoute(app, 'getPresentation', async (request, reply) => {
    const { store } = service();
    const { cloud, release } = request.params as { cloud: string; release: string };
    const profile = RELEASES[release];
    if (!profile) throw new HttpProblem(404, `no release ${release}: 25.11 or 22.10`);
    if (!(await store.clouds.get(cloud))) throw new HttpProblem(404, `no cloud ${cloud}`);
    const seq = await store.events.lastSeq();
    const etag = `W/"${seq}-${cloud}-${release}"`;
    void reply.header('etag', etag).header('cache-control', 'no-cache').header('access-control-allow-origin', '*');
    if (notModified(request, etag)) return reply.code(304).send();
    const rows = await store.credentials.publishedBodies(cloud, profile, true);
    const v2 = profile === 'gaia-x-25.11';
    const enveloped = (mediaType: string, jwt: string) => ({
      '@context': 'https://www.w3.org/ns/credentials/v2',
      type: 'EnvelopedVerifiableCredential',
      id: `data:${mediaType},${jwt}`,
    });
    const verifiableCredential = rows.map((r) =>
      JWT_TYPES.includes(r.media_type) ? enveloped(r.media_type, r.body) : (JSON.parse(r.body) as unknown),
    );
    // The current compliance credential beside what it covers: as issued (a Tagus VP-JWT by its VC-JWTs).
    const [compliance] = (await store.compliance.list({ cloud, current: true })).filter((c) => c.profile === profile);
    if (compliance) {
      const body = compliance.body.trim();
      if (body.startsWith('{')) verifiableCredential.push(JSON.parse(body) as unknown);
      else if (compliance.media_type === 'application/vp+ld+jwt')
        for (const jwt of asArray(
          (decodeJwt(body).vp as { verifiableCredential?: unknown } | undefined)?.verifiableCredential,
        ))
          verifiableCredential.push(enveloped('application/vc+jwt', String(jwt)));
      else verifiableCredential.push(enveloped(compliance.media_type || 'application/vc+jwt', body));
    }
    return reply.type(v2 ? 'application/vp' : 'application/ld+json').send(
      JSON.stringify({
        '@context': [v2 ? 'https://www.w3.org/ns/credentials/v2' : 'https://www.w3.org/2018/credentials/v1'],
        type: ['VerifiablePresentation'],
        verifiableCredential,
      }),
    );
  });
}

function revokedProblem(row: CredentialRow): HttpProblem {
  return new HttpProblem(
    410,
    `this credential was revoked at ${row.revoked_at}: its resource is gone`,
    'https://gx-gateway.dev/problems/revoked',
    { 'access-control-allow-origin': '*', 'gx-credential-state': 'revoked' },
    {
      state: 'revoked',
      revokedAt: row.revoked_at,
      ...(hasOwnStatus(row)
        ? { credentialStatus: { statusListCredential: row.status_list, statusListIndex: String(row.status_index) } }
        : {}),
    },
  );
}
