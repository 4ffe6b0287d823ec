import type { JsonObject } from '../core/ids.js';
import type { Store } from '../store/store.js';
import type { Delivery, DeliveryResult, Publisher } from './outbox.js';

/** Bearer tokens by the client credentials grant, kept until shortly before they expire. */
export class ClientCredentials {
  private cached: { token: string; until: number } | undefined;

  constructor(private readonly o: { tokenUrl: string; clientId: string; clientSecret: string; scope?: string }) {}

  async token(signal?: AbortSignal): Promise<string> {
    if (this.cached && Date.now() < this.cached.until) return this.cached.token;
    const r = await fetch(this.o.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: this.o.clientId,
        client_secret: this.o.clientSecret,
        ...(this.o.scope ? { scope: this.o.scope } : {}),
      }),
      ...(signal ? { signal } : {}),
    });
    const body = (await r.json().catch(() => ({}))) as { access_token?: string; expires_in?: number; error?: string };
    if (!r.ok || !body.access_token)
      throw new Error(
        `the catalogue's identity provider refused the client credentials: ${r.status} ${body.error ?? ''}`,
      );
    this.cached = { token: body.access_token, until: Date.now() + Math.max(0, (body.expires_in ?? 300) - 30) * 1000 };
    return body.access_token;
  }

  forget(): void {
    this.cached = undefined;
  }
}

export interface Xfsc2025Deps {
  store: Store;
  /** A signed VC 1.1 presentation of one credential, as the 2025 API takes it (JSON text). */
  present(credential: JsonObject): Promise<string>;
  tokens: ClientCredentials;
}

/** The catalogue's `{"code","message"}` errors, for people. */
async function catalogueError(r: Response): Promise<string> {
  const text = await r.text();
  try {
    const e = JSON.parse(text) as { code?: string; message?: string };
    return `${r.status} ${e.code ?? ''}: ${e.message ?? text.slice(0, 300)}`;
  } catch {
    return `${r.status} ${text.slice(0, 300)}`;
  }
}

function failure(status: number, error: string, retryAfter: string | null): DeliveryResult {
  const retry = status === 401 || status === 429 || status >= 500 || status === 0;
  const after = Number(retryAfter);
  return { ok: false, retry, error, ...(after > 0 ? { retryAfterMs: after * 1000 } : {}) };
}

/**
 * The XFSC federated catalogue's 2025 API as an outbox target: `add` uploads the credential as a
 * signed presentation (the catalogue's hash kept), `revoke` revokes that entry; 401 renews the token.
 */
export function xfsc2025Publisher(target: string, baseUrl: string, deps: Xfsc2025Deps): Publisher {
  const base = baseUrl.replace(/\/+$/, '');
  const call = async (method: string, path: string, signal: AbortSignal, body?: string) => {
    const token = await deps.tokens.token(signal);
    const r = await fetch(`${base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        accept: 'application/json',
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body } : {}),
      signal,
    });
    if (r.status === 401) deps.tokens.forget();
    return r;
  };
  return {
    target,
    async deliver(d: Delivery, signal: AbortSignal): Promise<DeliveryResult> {
      const { store } = deps;
      if (d.action === 'add') {
        const row = await store.getCredential(d.subject);
        if (!row) return { ok: false, retry: false, error: `${d.subject} is not in the store` };
        // Superseded or revoked before it was delivered: its revocation follows; nothing to add.
        if (row.state !== 'published') return { ok: true };
        if (!row.body.startsWith('{'))
          return {
            ok: false,
            retry: false,
            error: 'the 2025 API takes JSON-LD credentials, not JWTs (use the 2026 API)',
          };
        const vp = await deps.present(JSON.parse(row.body) as JsonObject);
        const r = await call('POST', '/self-descriptions', signal, vp);
        if (r.status === 201) {
          const meta = (await r.json()) as { sdHash: string };
          await store.putCatalogueEntry(target, d.subject, meta.sdHash, 'active');
          return { ok: true };
        }
        return failure(r.status, await catalogueError(r), r.headers.get('retry-after'));
      }
      if (d.action === 'revoke') {
        const entry = await store.catalogueEntry(target, d.subject);
        if (!entry || entry.state !== 'active') return { ok: true };
        const r = await call('POST', `/self-descriptions/${entry.ref}/revoke`, signal);
        // 409: not active there any more (a newer upload deprecated it); 404: gone. Either way done.
        if (r.ok || r.status === 409 || r.status === 404) {
          await store.putCatalogueEntry(target, d.subject, entry.ref, r.ok ? 'revoked' : 'inactive');
          return { ok: true };
        }
        return failure(r.status, await catalogueError(r), r.headers.get('retry-after'));
      }
      return { ok: false, retry: false, error: `unknown action ${d.action}` };
    },
  };
}
