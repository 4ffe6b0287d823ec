import { GatewayError } from '../core/errors.js';
import type { ApiTokenRow, OfficerKeyRow } from './types.js';
import { now, type Db } from './shared.js';
import { auditIn } from './audit.js';

/** Who may act: API tokens (hashes only), officer keys, review-page sessions, OIDC log-ins, the signing keys' metadata. */
export class IdentitiesRepo {
  constructor(private readonly db: Db) {}

  async createToken(row: Omit<ApiTokenRow, 'revoked_at'>): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await tx
        .insertInto('api_tokens')
        .values({ ...row, revoked_at: null })
        .execute();
      await auditIn(tx, {
        at: row.created_at,
        actor: row.created_by,
        action: 'token.create',
        target: row.id,
        detail: JSON.stringify({ name: row.name, roles: JSON.parse(row.roles) as unknown }),
      });
    });
  }

  async tokenBySha256(sha256: string): Promise<ApiTokenRow | undefined> {
    return this.db
      .selectFrom('api_tokens')
      .selectAll()
      .where('sha256', '=', sha256)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
  }

  async listTokens(): Promise<ApiTokenRow[]> {
    return this.db.selectFrom('api_tokens').selectAll().orderBy('created_at').orderBy('id').execute();
  }

  async revokeToken(id: string, actor: string): Promise<boolean> {
    const at = now();
    return this.db.transaction().execute(async (tx) => {
      const r = await tx
        .updateTable('api_tokens')
        .set({ revoked_at: at })
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) !== 1) return false;
      await auditIn(tx, { at, actor, action: 'token.revoke', target: id, detail: '{}' });
      return true;
    });
  }

  async addOfficerKey(row: Omit<OfficerKeyRow, 'removed_at'>): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      const existing = await tx.selectFrom('officer_keys').select('id').where('id', '=', row.id).executeTakeFirst();
      if (existing)
        throw new GatewayError(`an officer key ${row.id} exists (or existed): choose another id`, 'conflict');
      await tx
        .insertInto('officer_keys')
        .values({ ...row, removed_at: null })
        .execute();
      await auditIn(tx, {
        at: row.added_at,
        actor: row.added_by,
        action: 'officer-key.add',
        target: row.id,
        detail: JSON.stringify({ officer: row.officer, type: row.type, alg: row.alg, chain: row.chain_pem !== null }),
      });
    });
  }

  async officerKeys(opts: { removed?: boolean } = {}): Promise<OfficerKeyRow[]> {
    let q = this.db.selectFrom('officer_keys').selectAll();
    if (!opts.removed) q = q.where('removed_at', 'is', null);
    return q.orderBy('id').execute();
  }

  async removeOfficerKey(id: string, actor: string): Promise<boolean> {
    const at = now();
    return this.db.transaction().execute(async (tx) => {
      const r = await tx
        .updateTable('officer_keys')
        .set({ removed_at: at })
        .where('id', '=', id)
        .where('removed_at', 'is', null)
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) !== 1) return false;
      await auditIn(tx, { at, actor, action: 'officer-key.remove', target: id, detail: '{}' });
      return true;
    });
  }

  async createSession(row: { id_sha256: string; principal: string; csrf: string; expires_at: string }): Promise<void> {
    const at = now();
    await this.db.deleteFrom('sessions').where('expires_at', '<', at).execute();
    await this.db
      .insertInto('sessions')
      .values({ ...row, created_at: at })
      .execute();
  }

  async getSession(idSha256: string): Promise<{ principal: string; csrf: string } | undefined> {
    return this.db
      .selectFrom('sessions')
      .select(['principal', 'csrf'])
      .where('id_sha256', '=', idSha256)
      .where('expires_at', '>', now())
      .executeTakeFirst();
  }

  async deleteSession(idSha256: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('id_sha256', '=', idSha256).execute();
  }

  async putLogin(row: { state: string; verifier: string; nonce: string; expires_at: string }): Promise<void> {
    await this.db.deleteFrom('oidc_logins').where('expires_at', '<', now()).execute();
    await this.db.insertInto('oidc_logins').values(row).execute();
  }

  /** A pending OIDC log-in, used once. */
  async takeLogin(state: string): Promise<{ verifier: string; nonce: string } | undefined> {
    return this.db.transaction().execute(async (tx) => {
      const row = await tx
        .selectFrom('oidc_logins')
        .select(['verifier', 'nonce', 'expires_at'])
        .where('state', '=', state)
        .executeTakeFirst();
      if (!row) return undefined;
      await tx.deleteFrom('oidc_logins').where('state', '=', state).execute();
      return row.expires_at > now() ? { verifier: row.verifier, nonce: row.nonce } : undefined;
    });
  }

  /** Record the keys' metadata as the key store has it now (never key material). */
  async syncKeys(
    keys: { id: string; type: string; alg: string; active: boolean; hasChain: boolean; created: string }[],
  ) {
    const at = now();
    await this.db.transaction().execute(async (tx) => {
      for (const k of keys) {
        const row = {
          id: k.id,
          type: k.type,
          alg: k.alg,
          active: k.active ? 1 : 0,
          has_chain: k.hasChain ? 1 : 0,
          created: k.created,
          seen_at: at,
        };
        await tx
          .insertInto('keys')
          .values(row)
          .onConflict((oc) =>
            oc.column('id').doUpdateSet({ active: row.active, has_chain: row.has_chain, seen_at: at }),
          )
          .execute();
      }
    });
  }
}
