import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import type { Approvals, DraftSummary, Target } from '../approval/approvals.js';
import type { SigningInput } from '../credentials/suites/external.js';
import { createApiToken, registerOfficerKey, removeOfficerKey, tokenView } from '../approval/access.js';
import type { OfficerKeyInput } from '../approval/officer-keys.js';
import { GatewayError } from '../core/errors.js';
import type { SuiteId } from '../core/ids.js';
import { verificationMethodId } from '../credentials/did-web.js';
import { officerKeyView, type signingInputView } from '../http/routes/officer.js';
import { outboxItemView } from '../http/routes/outbox.js';
import type { OutboxState } from '../store/schema.js';
import type { OutboxTargetStats } from '../store/store.js';
import { loadCliConfig, type GlobalOptions } from './context.js';
import {
  complianceStatus,
  publishNow,
  registrationStatus,
  type ComplianceOverview,
  type PublishPlan,
} from '../publish/plan.js';

export type OfficerKeyView = ReturnType<ReturnType<typeof officerKeyView>>;
export type TokenView = ReturnType<typeof tokenView>;
export type DraftSet = Awaited<ReturnType<Approvals['pending']>>[number];
export type DraftDetail = Omit<Awaited<ReturnType<Approvals['show']>>, 'published' | 'history'>;
export type SigningInputResult = SigningInput & { draft: string };

/**
 * What the officer and admin commands do, against the store directly (the default) or a running
 * gateway (`--url`, with a token from `--token-file` or $GXG_TOKEN): the same operations either way.
 */
export interface OfficerClient {
  readonly where: string;
  drafts(cloud?: string): Promise<{ sets: DraftSet[]; decided: DraftSummary[] }>;
  draft(id: string): Promise<DraftDetail>;
  approve(target: Target): Promise<{ approved: string[]; revoked: string[] }>;
  reject(target: Target, reason: string): Promise<{ rejected: string[] }>;
  revoke(ids: string[], reason: string): Promise<{ revoked: string[] }>;
  signingInput(id: string, o: { key: string; suite?: SuiteId; created?: string }): Promise<SigningInputResult>;
  attachSignature(
    id: string,
    o: { key: string; suite?: SuiteId; created?: string; signature: Uint8Array },
  ): Promise<{ published: string; signedWith: string }>;
  officerKeys(): Promise<OfficerKeyView[]>;
  addOfficerKey(input: OfficerKeyInput): Promise<OfficerKeyView>;
  removeOfficerKey(id: string, force: boolean): Promise<void>;
  tokens(): Promise<TokenView[]>;
  createToken(name: string, roles: string[]): Promise<TokenView & { token: string }>;
  revokeToken(id: string): Promise<void>;
  outbox(f: {
    target?: string;
    state?: string;
    limit?: number;
  }): Promise<{ targets: OutboxTargetView[]; items: OutboxItemView[] }>;
  retryOutbox(id: string): Promise<void>;
  dropOutbox(id: string): Promise<void>;
  complianceStatus(cloud?: string): Promise<ComplianceOverview>;
  publish(o: { to?: string; dryRun?: boolean }): Promise<PublishPlan>;
  close(): Promise<void>;
}

export type OutboxItemView = ReturnType<typeof outboxItemView>;
export type OutboxTargetView = OutboxTargetStats;

export interface RemoteOptions {
  url?: string;
  tokenFile?: string;
}

export async function openOfficerClient(globals: GlobalOptions, o: RemoteOptions): Promise<OfficerClient> {
  if (o.url) return remoteClient(o);
  const loaded = await loadCliConfig(globals);
  const { openLocalGateway } = await import('../app/local.js');
  const local = await openLocalGateway(loaded);
  const actor = `cli:${userInfo().username}`;
  const base = loaded.config.publicBaseUrl;
  const did = local.credentials.did;
  const view = officerKeyView(base, did);
  return {
    where: local.store.where,
    drafts: async (cloud) => ({
      sets: await local.approvals.pending(cloud),
      decided: await local.approvals.decided(cloud),
    }),
    draft: (id) => local.approvals.show(id),
    approve: (target) => local.approvals.approve(target, actor),
    reject: (target, reason) => local.approvals.reject(target, reason, actor),
    revoke: (ids, reason) => local.approvals.revoke(ids, reason, actor),
    signingInput: (id, x) =>
      local.approvals.signingInput(id, {
        key: x.key,
        ...(x.suite ? { suite: x.suite } : {}),
        ...(x.created ? { created: date(x.created) } : {}),
      }),
    attachSignature: (id, x) =>
      local.approvals.attachSignature(
        id,
        {
          key: x.key,
          signature: x.signature,
          ...(x.suite ? { suite: x.suite } : {}),
          ...(x.created ? { created: date(x.created) } : {}),
        },
        actor,
      ),
    officerKeys: async () => (await local.store.identities.officerKeys()).map(view),
    addOfficerKey: async (input) =>
      view(
        await registerOfficerKey(
          local.store,
          input,
          actor,
          local.credentials.keys.list().map((k) => k.id),
        ),
      ),
    removeOfficerKey: (id, force) =>
      removeOfficerKey(local.store, id, { verificationMethod: verificationMethodId(did, id), force, actor }),
    tokens: async () => (await local.store.identities.listTokens()).map(tokenView),
    async createToken(name, roles) {
      const made = await createApiToken(local.store, name, roles, actor);
      return { ...tokenView(made.row), token: made.token };
    },
    async revokeToken(id) {
      if (!(await local.store.identities.revokeToken(id, actor)))
        throw new GatewayError(`no active token ${id}`, 'not-found');
    },
    outbox: async (f) => ({
      targets: await local.store.outbox.targets(),
      items: (
        await local.store.outbox.list({
          ...(f.target ? { target: f.target } : {}),
          ...(f.state ? { state: f.state as OutboxState } : {}),
          limit: f.limit ?? 100,
        })
      ).map(outboxItemView),
    }),
    async retryOutbox(id) {
      if (!(await local.store.outbox.retry(id, actor)))
        throw new GatewayError(`no dead or pending outbox item ${id}`, 'not-found');
    },
    async dropOutbox(id) {
      if (!(await local.store.outbox.drop(id, actor)))
        throw new GatewayError(`no dead or pending outbox item ${id}`, 'not-found');
    },
    complianceStatus: async (cloud) => ({
      clearingHouses: local.publish.clearingHouses,
      items: await complianceStatus(local.publish, cloud),
      registrationNumbers: await registrationStatus(local.store, cloud),
    }),
    publish: (o) => publishNow(local.publish, o),
    close: () => local.close(),
  };
}

function date(s: string): Date {
  const d = new Date(s);
  if (Number.isNaN(d.getTime())) throw new GatewayError(`--created ${s} is not an RFC 3339 date-time`, 'usage');
  return d;
}

function remoteClient(o: RemoteOptions): OfficerClient {
  const base = o.url!.replace(/\/+$/, '');
  let token: string | undefined;
  try {
    token = o.tokenFile ? readFileSync(o.tokenFile, 'utf8').trim() : process.env.GXG_TOKEN?.trim();
  } catch (err) {
    throw new GatewayError(`--token-file: ${(err as Error).message}`, 'usage');
  }
  if (!token) throw new GatewayError('--url needs a token: --token-file FILE or $GXG_TOKEN', 'usage');
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    let res: Response;
    try {
      res = await fetch(`${base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          accept: 'application/json',
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(120_000),
      });
    } catch (err) {
      throw new GatewayError(
        `${base} cannot be reached: ${(err as Error).cause ?? (err as Error).message}`,
        'fetch-failed',
      );
    }
    if (!res.ok) {
      const text = await res.text();
      let detail = text.slice(0, 500);
      try {
        detail = (JSON.parse(text) as { detail?: string }).detail ?? detail;
      } catch {
        // not a problem document
      }
      const code = (
        { 401: 'unauthenticated', 403: 'forbidden', 404: 'not-found', 409: 'conflict', 400: 'bad-request' } as const
      )[res.status as 400];
      throw new GatewayError(`${method} ${path}: ${res.status} ${detail}`, code ?? 'http-status');
    }
    if (res.status === 204) return undefined as T;
    return (await res.json()) as T;
  };
  const q = (params: Record<string, string | undefined>) =>
    new URLSearchParams(Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined)).toString();
  return {
    where: base,
    drafts: (cloud) => call('GET', `/admin/drafts${cloud ? `?${q({ cloud })}` : ''}`),
    draft: (id) => call('GET', `/admin/drafts/item?${q({ id })}`),
    approve: (target) => call('POST', '/admin/drafts/approve', target),
    reject: (target, reason) => call('POST', '/admin/drafts/reject', { ...target, reason }),
    revoke: (ids, reason) => call('POST', '/admin/credentials/revoke', { ids, reason }),
    async signingInput(id, x) {
      const v = await call<ReturnType<typeof signingInputView>>(
        'GET',
        `/admin/drafts/signing-input?${q({ id, key: x.key, suite: x.suite, created: x.created })}`,
      );
      return {
        draft: v.draft,
        suite: v.suite,
        alg: v.alg,
        keyId: v.keyId,
        created: v.created,
        bytes: Buffer.from(v.bytesBase64, 'base64'),
      };
    },
    attachSignature: (id, x) =>
      call('POST', '/admin/drafts/signature', {
        id,
        key: x.key,
        ...(x.suite ? { suite: x.suite } : {}),
        ...(x.created ? { created: x.created } : {}),
        signature: Buffer.from(x.signature).toString('base64'),
      }),
    officerKeys: async () => (await call<{ keys: OfficerKeyView[] }>('GET', '/admin/officer-keys')).keys,
    addOfficerKey: (input) => call('POST', '/admin/officer-keys', input),
    removeOfficerKey: (id, force) =>
      call('DELETE', `/admin/officer-keys/${encodeURIComponent(id)}${force ? '?force=true' : ''}`),
    tokens: async () => (await call<{ tokens: TokenView[] }>('GET', '/admin/tokens')).tokens,
    createToken: (name, roles) => call('POST', '/admin/tokens', { name, roles }),
    revokeToken: (id) => call('DELETE', `/admin/tokens/${encodeURIComponent(id)}`),
    outbox: (f) =>
      call(
        'GET',
        `/admin/outbox?${q({ target: f.target, state: f.state, limit: f.limit ? String(f.limit) : undefined })}`,
      ),
    retryOutbox: (id) => call('POST', `/admin/outbox/${encodeURIComponent(id)}/retry`),
    dropOutbox: (id) => call('DELETE', `/admin/outbox/${encodeURIComponent(id)}`),
    complianceStatus: (cloud) => call('GET', `/admin/compliance?${q({ cloud })}`),
    publish: (o) => call('POST', '/admin/publish', o),
    close: async () => undefined,
  };
}
