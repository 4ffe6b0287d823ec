import { GatewayError } from '../../core/errors.js';
import { HttpError, type HttpClient } from '../../net/http-client.js';
import type { CloudConfig } from './clouds-config.js';

export interface CatalogEndpoint {
  type: string;
  name: string;
  region: string;
  interface: string;
  url: string;
}

export interface Session {
  token: string;
  projectId?: string;
  catalog: CatalogEndpoint[];
  expiresAt?: string;
}

export function identityBase(authUrl: string): string {
  return /\/v3$/.test(authUrl) ? authUrl : `${authUrl}/v3`;
}

function user(a: {
  username?: string;
  userId?: string;
  userDomainName?: string;
  userDomainId?: string;
}): Record<string, unknown> {
  if (a.userId) return { id: a.userId };
  const domain = a.userDomainId ? { id: a.userDomainId } : { name: a.userDomainName ?? 'Default' };
  return { name: a.username, domain };
}

export function authBody(cloud: CloudConfig): Record<string, unknown> {
  const a = cloud.auth;
  let identity: Record<string, unknown>;
  if (a.type === 'password')
    identity = { methods: ['password'], password: { user: { ...user(a), password: a.password } } };
  else if (a.type === 'token') identity = { methods: ['token'], token: { id: a.token } };
  else {
    const cred: Record<string, unknown> = a.id
      ? { id: a.id, secret: a.secret }
      : { name: a.name, secret: a.secret, user: user(a) };
    identity = { methods: ['application_credential'], application_credential: cred };
  }
  const s = cloud.scope;
  let scope: Record<string, unknown> | undefined;
  if (s.kind === 'project') {
    scope = s.projectId
      ? { project: { id: s.projectId } }
      : {
          project: {
            name: s.projectName,
            domain: s.domainId ? { id: s.domainId } : { name: s.domainName ?? 'Default' },
          },
        };
  } else if (s.kind === 'domain') {
    scope = { domain: s.domainId ? { id: s.domainId } : { name: s.domainName } };
  }
  return { auth: { identity, ...(scope ? { scope } : {}) } };
}

interface TokenBody {
  token: {
    expires_at?: string;
    project?: { id: string };
    catalog?: {
      type: string;
      name: string;
      endpoints: { interface: string; region?: string; region_id?: string; url: string }[];
    }[];
  };
}

/** Authenticate against Keystone v3; errors name the cloud and never carry the secret. */
export async function authenticate(http: HttpClient, cloud: CloudConfig): Promise<Session> {
  const url = `${identityBase(cloud.authUrl)}/auth/tokens`;
  let res;
  try {
    res = await http.postJson<TokenBody>(url, authBody(cloud));
  } catch (err) {
    if (err instanceof HttpError && err.status === 401) {
      throw new GatewayError(
        `cloud "${cloud.name}": Keystone at ${cloud.authUrl} rejected the ${cloud.auth.type.replace('_', ' ')} credentials (HTTP 401); check them in ${cloud.origin}`,
        'openstack-auth',
      );
    }
    if (err instanceof HttpError && err.status === 404) {
      // Keystone itself answers 404 for a token it does not know ("Could not recognize Fernet
      // token"); anything else answering 404 means auth_url does not point at Keystone v3.
      const keystone = keystoneMessage(err.body);
      if (keystone !== undefined && (cloud.auth.type === 'token' || /token/i.test(keystone))) {
        throw new GatewayError(
          `cloud "${cloud.name}": Keystone at ${cloud.authUrl} does not accept the token (HTTP 404: ${keystone}); it is invalid, expired or revoked: issue a new one (openstack token issue) and update ${cloud.origin}`,
          'openstack-auth',
        );
      }
      if (keystone !== undefined) {
        throw new GatewayError(
          `cloud "${cloud.name}": Keystone at ${cloud.authUrl} answered HTTP 404: ${keystone}; check the scope (project, domain) in ${cloud.origin}`,
          'openstack-auth',
        );
      }
      throw new GatewayError(
        `cloud "${cloud.name}": no Keystone v3 at ${cloud.authUrl} (HTTP 404); auth_url should end in /v3`,
        'openstack-auth',
      );
    }
    throw new GatewayError(
      `cloud "${cloud.name}": cannot authenticate at ${cloud.authUrl}: ${(err as Error).message}`,
      'openstack-auth',
      { cause: err },
    );
  }
  const token = res.headers['x-subject-token'];
  if (typeof token !== 'string' || !token)
    throw new GatewayError(`cloud "${cloud.name}": Keystone answered without a token`, 'openstack-auth');
  const catalog: CatalogEndpoint[] = [];
  for (const service of res.body.token.catalog ?? []) {
    for (const ep of service.endpoints) {
      catalog.push({
        type: service.type,
        name: service.name,
        region: ep.region_id ?? ep.region ?? '',
        interface: ep.interface,
        url: ep.url.replace(/\/+$/, ''),
      });
    }
  }
  if (catalog.length === 0) {
    throw new GatewayError(
      `cloud "${cloud.name}": the token has no service catalog; scope it to a project (project_name or project_id)`,
      'openstack-auth',
    );
  }
  return {
    token,
    ...(res.body.token.project?.id ? { projectId: res.body.token.project.id } : {}),
    catalog,
    ...(res.body.token.expires_at ? { expiresAt: res.body.token.expires_at } : {}),
  };
}

/** Regions with their descriptions (best effort; the catalog alone is enough to proceed). */
export async function listRegions(
  http: HttpClient,
  cloud: CloudConfig,
  session: Session,
): Promise<{ id: string; description?: string }[]> {
  const res = await http.getJson<{ regions: { id: string; description?: string }[] }>(
    `${identityBase(cloud.authUrl)}/regions`,
    { 'x-auth-token': session.token },
  );
  return res.body.regions.map((r) => ({ id: r.id, ...(r.description ? { description: r.description } : {}) }));
}

/** The message of a Keystone error body (`{"error": {"code", "title", "message"}}`), if it is one. */
function keystoneMessage(body: string | undefined): string | undefined {
  if (!body) return undefined;
  try {
    const parsed = JSON.parse(body) as { error?: { message?: unknown } };
    const message = parsed.error?.message;
    return typeof message === 'string' ? message.slice(0, 200) : undefined;
  } catch {
    return undefined;
  }
}
