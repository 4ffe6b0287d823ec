import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { parseYamlQuietly } from '../../core/yaml.js';
import { GatewayError } from '../../core/errors.js';

/** One kubeconfig context resolved to what a client needs. Holds secrets: never log it. */
export interface KubeContext {
  name: string;
  server: string;
  ca?: string;
  insecure: boolean;
  clientCert?: string;
  clientKey?: string;
  token?: string;
  basic?: { username: string; password: string };
  namespace?: string;
  file: string;
}

interface RawConfig {
  'current-context'?: string;
  contexts?: { name: string; context: { cluster: string; user: string; namespace?: string } }[];
  clusters?: { name: string; cluster: Record<string, unknown> }[];
  users?: { name: string; user: Record<string, unknown> }[];
}

const b64 = (v: unknown) => (typeof v === 'string' ? Buffer.from(v, 'base64').toString('utf8') : undefined);

/** The kubeconfig files in effect: --kubeconfig, else $KUBECONFIG (colon-separated), else ~/.kube/config. */
export function kubeconfigFiles(path?: string, env: NodeJS.ProcessEnv = process.env): string[] {
  if (path) return [resolve(path)];
  if (env.KUBECONFIG)
    return env.KUBECONFIG.split(':')
      .filter(Boolean)
      .map((p) => resolve(p));
  return [join(homedir(), '.kube', 'config')];
}

/** Resolve a context (default: current-context) from kubeconfig files; the first file wins per name. */
export function resolveKubeContext(
  opts: { path?: string; context?: string; env?: NodeJS.ProcessEnv } = {},
): KubeContext {
  const files = kubeconfigFiles(opts.path, opts.env).filter((f) => existsSync(f));
  if (files.length === 0)
    throw new GatewayError(
      `no kubeconfig found (${kubeconfigFiles(opts.path, opts.env).join(', ')})`,
      'bad-kubeconfig',
    );
  const merged: Required<Pick<RawConfig, 'contexts' | 'clusters' | 'users'>> & {
    current?: string;
    fileOf: Map<string, string>;
  } = { contexts: [], clusters: [], users: [], fileOf: new Map() };
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new GatewayError(
        `cannot read kubeconfig ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
        'bad-kubeconfig',
      );
    }
    const doc = (parseYamlQuietly(text, `kubeconfig ${file}`, 'bad-kubeconfig') ?? {}) as RawConfig;
    if (typeof doc !== 'object' || Array.isArray(doc))
      throw new GatewayError(`kubeconfig ${file} is not a kubeconfig (a YAML mapping)`, 'bad-kubeconfig');
    merged.current ??= doc['current-context'];
    for (const c of doc.contexts ?? []) if (!merged.contexts.some((x) => x.name === c.name)) merged.contexts.push(c);
    for (const c of doc.clusters ?? []) {
      if (merged.clusters.some((x) => x.name === c.name)) continue;
      merged.clusters.push(c);
      merged.fileOf.set(`cluster:${c.name}`, file);
    }
    for (const u of doc.users ?? []) {
      if (merged.users.some((x) => x.name === u.name)) continue;
      merged.users.push(u);
      merged.fileOf.set(`user:${u.name}`, file);
    }
  }
  const name = opts.context ?? merged.current;
  if (!name)
    throw new GatewayError(
      `kubeconfig ${files.join(':')} has no current-context; pass --kube-context`,
      'bad-kubeconfig',
    );
  const ctx = merged.contexts.find((c) => c.name === name);
  if (!ctx)
    throw new GatewayError(
      `context "${name}" is not in ${files.join(':')} (it has: ${merged.contexts.map((c) => c.name).join(', ') || 'none'})`,
      'bad-kubeconfig',
    );
  const cluster = merged.clusters.find((c) => c.name === ctx.context.cluster)?.cluster;
  if (!cluster)
    throw new GatewayError(
      `context "${name}" names cluster "${ctx.context.cluster}", which is not defined`,
      'bad-kubeconfig',
    );
  const user = merged.users.find((u) => u.name === ctx.context.user)?.user ?? {};
  const rel = (key: string, p: unknown) => {
    if (typeof p !== 'string') return undefined;
    const base = dirname(merged.fileOf.get(key) ?? files[0]!);
    return isAbsolute(p) ? p : join(base, p);
  };
  const readRel = (key: string, p: unknown) => {
    const f = rel(key, p);
    if (!f) return undefined;
    try {
      return readFileSync(f, 'utf8');
    } catch (err) {
      throw new GatewayError(
        `kubeconfig context "${name}": cannot read ${f}: ${(err as Error).message}`,
        'bad-kubeconfig',
      );
    }
  };
  const server = cluster.server;
  if (typeof server !== 'string')
    throw new GatewayError(`cluster "${ctx.context.cluster}" has no server`, 'bad-kubeconfig');
  if (user.exec || user['auth-provider']) {
    throw new GatewayError(
      `context "${name}" authenticates through an exec or auth-provider plugin, which gx-gateway does not run; use a token or client certificate (e.g. a service account)`,
      'bad-kubeconfig',
    );
  }
  const ck = `cluster:${ctx.context.cluster}`;
  const uk = `user:${ctx.context.user}`;
  const ca = b64(cluster['certificate-authority-data']) ?? readRel(ck, cluster['certificate-authority']);
  const clientCert = b64(user['client-certificate-data']) ?? readRel(uk, user['client-certificate']);
  const clientKey = b64(user['client-key-data']) ?? readRel(uk, user['client-key']);
  const token = typeof user.token === 'string' ? user.token : readRel(uk, user.tokenFile)?.trim();
  return {
    name,
    server: server.replace(/\/+$/, ''),
    ...(ca ? { ca } : {}),
    insecure: cluster['insecure-skip-tls-verify'] === true,
    ...(clientCert ? { clientCert } : {}),
    ...(clientKey ? { clientKey } : {}),
    ...(token ? { token } : {}),
    ...(typeof user.username === 'string' && typeof user.password === 'string'
      ? { basic: { username: user.username, password: user.password } }
      : {}),
    ...(ctx.context.namespace ? { namespace: ctx.context.namespace } : {}),
    file: files.join(':'),
  };
}
