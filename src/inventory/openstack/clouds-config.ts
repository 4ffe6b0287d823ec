import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { GatewayError } from '../../core/errors.js';

/** One cloud, resolved the way openstacksdk users know it. Holds secrets: never log it. */
export interface CloudConfig {
  name: string;
  authUrl: string;
  auth:
    | {
        type: 'password';
        username?: string;
        userId?: string;
        password: string;
        userDomainName?: string;
        userDomainId?: string;
      }
    | {
        type: 'application_credential';
        id?: string;
        name?: string;
        secret: string;
        username?: string;
        userId?: string;
        userDomainName?: string;
        userDomainId?: string;
      }
    | { type: 'token'; token: string };
  scope:
    | { kind: 'project'; projectId?: string; projectName?: string; domainName?: string; domainId?: string }
    | { kind: 'domain'; domainId?: string; domainName?: string }
    | { kind: 'none' };
  regionName?: string;
  interface: 'public' | 'internal' | 'admin';
  cacert?: string;
  insecure: boolean;
  /** Where it came from, for messages. */
  origin: string;
}

/** clouds.yaml / secure.yaml search path, as in openstacksdk. */
export function configSearchPath(
  file: 'clouds.yaml' | 'secure.yaml',
  cwd = process.cwd(),
  env: NodeJS.ProcessEnv = process.env,
): string[] {
  const explicit = file === 'clouds.yaml' ? env.OS_CLIENT_CONFIG_FILE : env.OS_CLIENT_SECURE_FILE;
  const paths = [join(cwd, file), join(homedir(), '.config', 'openstack', file), join('/etc/openstack', file)];
  return explicit ? [resolve(cwd, explicit), ...paths] : paths;
}

function loadYaml(paths: string[]): { path?: string; clouds: Record<string, Record<string, unknown>> } {
  for (const path of paths) {
    if (!existsSync(path)) continue;
    let doc: { clouds?: Record<string, Record<string, unknown>> };
    try {
      doc = (parse(readFileSync(path, 'utf8')) ?? {}) as typeof doc;
    } catch (err) {
      throw new GatewayError(`${path} is not valid YAML: ${(err as Error).message}`, 'bad-cloud-config');
    }
    return { path, clouds: doc.clouds ?? {} };
  }
  return { clouds: {} };
}

function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    out[k] =
      prev && typeof prev === 'object' && !Array.isArray(prev) && v && typeof v === 'object' && !Array.isArray(v)
        ? deepMerge(prev as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}

const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined);
const bool = (v: unknown) => v === true || (typeof v === 'string' && ['true', '1', 'yes'].includes(v.toLowerCase()));

/** Map OS_* variables onto a clouds.yaml-shaped entry (they override the file's values). */
function fromEnv(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const auth: Record<string, unknown> = {};
  const map: Record<string, string> = {
    OS_AUTH_URL: 'auth_url',
    OS_USERNAME: 'username',
    OS_USER_ID: 'user_id',
    OS_PASSWORD: 'password',
    OS_PROJECT_NAME: 'project_name',
    OS_TENANT_NAME: 'project_name',
    OS_PROJECT_ID: 'project_id',
    OS_TENANT_ID: 'project_id',
    OS_USER_DOMAIN_NAME: 'user_domain_name',
    OS_USER_DOMAIN_ID: 'user_domain_id',
    OS_PROJECT_DOMAIN_NAME: 'project_domain_name',
    OS_PROJECT_DOMAIN_ID: 'project_domain_id',
    OS_DOMAIN_NAME: 'domain_name',
    OS_DOMAIN_ID: 'domain_id',
    OS_APPLICATION_CREDENTIAL_ID: 'application_credential_id',
    OS_APPLICATION_CREDENTIAL_NAME: 'application_credential_name',
    OS_APPLICATION_CREDENTIAL_SECRET: 'application_credential_secret',
    OS_TOKEN: 'token',
  };
  for (const [envName, key] of Object.entries(map)) if (env[envName]) auth[key] = env[envName];
  const out: Record<string, unknown> = {};
  if (Object.keys(auth).length) out.auth = auth;
  if (env.OS_AUTH_TYPE) out.auth_type = env.OS_AUTH_TYPE;
  if (env.OS_REGION_NAME) out.region_name = env.OS_REGION_NAME;
  if (env.OS_INTERFACE) out.interface = env.OS_INTERFACE;
  if (env.OS_ENDPOINT_TYPE) out.interface = env.OS_ENDPOINT_TYPE.replace(/URL$/, '');
  if (env.OS_CACERT) out.cacert = env.OS_CACERT;
  if (env.OS_INSECURE) out.insecure = env.OS_INSECURE;
  return out;
}

export interface ResolveCloudOptions {
  /** --cloud; otherwise OS_CLOUD; otherwise the only cloud in clouds.yaml; otherwise OS_* variables. */
  cloud?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** Resolve one cloud from clouds.yaml + secure.yaml + OS_* variables, with errors that say what to fix. */
export function resolveCloud(opts: ResolveCloudOptions = {}): CloudConfig {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  const clouds = loadYaml(configSearchPath('clouds.yaml', cwd, env));
  const secure = loadYaml(configSearchPath('secure.yaml', cwd, env));
  const envEntry = fromEnv(env);
  const wanted =
    opts.cloud ??
    env.OS_CLOUD ??
    (Object.keys(clouds.clouds).length === 1 && !envEntry.auth ? Object.keys(clouds.clouds)[0] : undefined);
  let entry: Record<string, unknown>;
  let origin: string;
  if (wanted) {
    const base = clouds.clouds[wanted];
    if (!base) {
      const known = Object.keys(clouds.clouds);
      throw new GatewayError(
        clouds.path
          ? `cloud "${wanted}" is not in ${clouds.path} (it has: ${known.join(', ') || 'none'})`
          : `cloud "${wanted}" requested but no clouds.yaml found (searched ${configSearchPath('clouds.yaml', cwd, env).join(', ')})`,
        'bad-cloud-config',
      );
    }
    entry = deepMerge(deepMerge(base, secure.clouds[wanted] ?? {}), envEntry);
    origin = `cloud "${wanted}" from ${clouds.path}`;
  } else if (envEntry.auth) {
    entry = envEntry;
    origin = 'OS_* environment variables';
  } else {
    throw new GatewayError(
      `no OpenStack cloud selected: pass --cloud NAME (or set OS_CLOUD) with a clouds.yaml in ./, ~/.config/openstack/ or /etc/openstack/, or set OS_AUTH_URL and credentials`,
      'bad-cloud-config',
    );
  }
  const name = wanted ?? 'envvars';
  const auth = (entry.auth ?? {}) as Record<string, unknown>;
  const authUrl = str(auth.auth_url);
  if (!authUrl) throw new GatewayError(`${origin}: auth.auth_url is missing`, 'bad-cloud-config');
  const authType =
    str(entry.auth_type) ??
    (auth.application_credential_secret
      ? 'v3applicationcredential'
      : auth.token && !auth.password
        ? 'v3token'
        : 'password');
  let resolvedAuth: CloudConfig['auth'];
  const user = {
    ...(str(auth.username) ? { username: str(auth.username)! } : {}),
    ...(str(auth.user_id) ? { userId: str(auth.user_id)! } : {}),
    ...((str(auth.user_domain_name) ?? str(auth.domain_name))
      ? { userDomainName: (str(auth.user_domain_name) ?? str(auth.domain_name))! }
      : {}),
    ...(str(auth.user_domain_id) ? { userDomainId: str(auth.user_domain_id)! } : {}),
  };
  if (authType === 'v3applicationcredential' || authType === 'application_credential') {
    const secret = str(auth.application_credential_secret);
    if (!secret) throw new GatewayError(`${origin}: application_credential_secret is missing`, 'bad-cloud-config');
    const id = str(auth.application_credential_id);
    const acName = str(auth.application_credential_name);
    if (!id && !acName)
      throw new GatewayError(
        `${origin}: application_credential_id or application_credential_name is required`,
        'bad-cloud-config',
      );
    if (!id && !user.username && !user.userId)
      throw new GatewayError(
        `${origin}: an application credential given by name needs username or user_id`,
        'bad-cloud-config',
      );
    resolvedAuth = {
      type: 'application_credential',
      secret,
      ...(id ? { id } : {}),
      ...(acName ? { name: acName } : {}),
      ...user,
    };
  } else if (authType === 'v3token' || authType === 'token') {
    const token = str(auth.token);
    if (!token) throw new GatewayError(`${origin}: token is missing`, 'bad-cloud-config');
    resolvedAuth = { type: 'token', token };
  } else if (authType === 'password' || authType === 'v3password') {
    const password = str(auth.password);
    if (!password)
      throw new GatewayError(
        `${origin}: password is missing (put it in secure.yaml or OS_PASSWORD)`,
        'bad-cloud-config',
      );
    if (!user.username && !user.userId)
      throw new GatewayError(`${origin}: username or user_id is missing`, 'bad-cloud-config');
    resolvedAuth = { type: 'password', password, ...user };
  } else {
    throw new GatewayError(
      `${origin}: auth_type "${authType}" is not supported (password, v3applicationcredential, v3token)`,
      'bad-cloud-config',
    );
  }
  let scope: CloudConfig['scope'] = { kind: 'none' };
  if (resolvedAuth.type !== 'application_credential') {
    if (str(auth.project_id) || str(auth.project_name)) {
      scope = {
        kind: 'project',
        ...(str(auth.project_id) ? { projectId: str(auth.project_id)! } : {}),
        ...(str(auth.project_name) ? { projectName: str(auth.project_name)! } : {}),
        ...((str(auth.project_domain_name) ?? (str(auth.project_domain_id) ? undefined : str(auth.domain_name)))
          ? { domainName: (str(auth.project_domain_name) ?? str(auth.domain_name))! }
          : {}),
        ...(str(auth.project_domain_id) ? { domainId: str(auth.project_domain_id)! } : {}),
      };
    } else if (str(auth.domain_id) || str(auth.domain_name)) {
      scope = {
        kind: 'domain',
        ...(str(auth.domain_id) ? { domainId: str(auth.domain_id)! } : {}),
        ...(str(auth.domain_name) ? { domainName: str(auth.domain_name)! } : {}),
      };
    }
  }
  const iface = (str(entry.interface) ?? 'public').replace(/URL$/, '');
  if (!['public', 'internal', 'admin'].includes(iface))
    throw new GatewayError(`${origin}: interface "${iface}" must be public, internal or admin`, 'bad-cloud-config');
  const cacert = str(entry.cacert);
  const verify = entry.verify;
  return {
    name,
    authUrl: authUrl.replace(/\/+$/, ''),
    auth: resolvedAuth,
    scope,
    ...(str(entry.region_name) ? { regionName: str(entry.region_name)! } : {}),
    interface: iface as CloudConfig['interface'],
    ...(cacert ? { cacert: resolve(cwd, cacert) } : typeof verify === 'string' ? { cacert: resolve(cwd, verify) } : {}),
    insecure: bool(entry.insecure) || verify === false,
    origin,
  };
}
