import { closeSync, openSync, fstatSync, realpathSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import type { BlockList } from 'node:net';
import { GatewayError } from '../core/errors.js';
import { excerpt } from '../core/excerpt.js';
import type { OutboundGuard } from '../net/http-client.js';
import { allowedNetworks, assertHostAllowed, httpsOrDevLoopback } from '../net/guard.js';
import type { SourcesSpec } from './introspect.js';

/**
 * What a cloud added over the API may name (`api.cloudSources`, for one cloud): the operator who
 * adds it is not the one who wrote the configuration, so its sources reach only the files, the
 * secrets and the networks the configuration offers. Clouds of the configuration file have none.
 */
export interface SourcePolicy {
  /** The folder every file it names must be in (after symbolic links); none: it names no files. */
  dir?: string;
  /** The variables it may name as netbox.tokenEnv. */
  secrets: ReadonlySet<string>;
  /** Private networks its URLs may reach besides public addresses. */
  networks: BlockList;
  /** Plain http to loopback (development only). */
  allowHttp: boolean;
}

type Offered = string | { name?: string; cidr?: string; clouds: string[] };

/** The policy of one API-added cloud from `api.cloudSources` (dir already resolved against the configuration). */
export function sourcePolicy(
  cfg: { dir?: string; secrets?: Offered[]; networks?: Offered[]; allowHttp?: boolean },
  cloud: string,
): SourcePolicy {
  const forCloud = (list: Offered[] | undefined, key: 'name' | 'cidr') =>
    (list ?? []).flatMap((o) => (typeof o === 'string' ? [o] : o.clouds.includes(cloud) ? [o[key]!] : []));
  return {
    ...(cfg.dir ? { dir: cfg.dir } : {}),
    secrets: new Set(forCloud(cfg.secrets, 'name')),
    networks: allowedNetworks(forCloud(cfg.networks, 'cidr')),
    allowHttp: cfg.allowHttp ?? false,
  };
}

const HINT = 'an API-added cloud reaches only public addresses and the networks api.cloudSources.networks allows';

/** The outbound guard of an API-added cloud's URLs. */
export function guardOf(policy: SourcePolicy): OutboundGuard {
  return { networks: policy.networks, allowHttp: policy.allowHttp, hint: HINT };
}

const refuse = (message: string) => new GatewayError(message, 'forbidden');

/**
 * A path an API caller named, as the real path of a readable file inside the policy's folder. A
 * path outside the folder is refused with the same words whether or not it exists, before anything
 * outside is touched; what the file holds is never part of a message.
 */
function confinedFile(policy: SourcePolicy, field: string, path: string): string {
  const outside = () =>
    refuse(
      `${field}: ${excerpt(path, 200)} is not a file of the folder API-added clouds may name (api.cloudSources.dir)`,
    );
  if (!policy.dir)
    throw refuse(`${field}: API-added clouds name no files here (the configuration sets no api.cloudSources.dir)`);
  if (path.includes('\0')) throw outside();
  let root: string;
  try {
    root = realpathSync(policy.dir);
  } catch {
    throw new GatewayError(`api.cloudSources.dir ${policy.dir} does not exist`, 'bad-config');
  }
  const inside = (p: string) => {
    const rel = relative(root, p);
    return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) && !rel.split(sep).includes('..');
  };
  const lexical = resolve(root, path);
  if (!inside(lexical)) throw outside();
  let real: string;
  try {
    real = realpathSync(lexical);
  } catch {
    throw new GatewayError(`${field}: there is no ${excerpt(path, 200)} in api.cloudSources.dir`, 'bad-input');
  }
  if (!inside(real)) throw outside();
  let fd: number | undefined;
  try {
    fd = openSync(real, 'r');
    if (!fstatSync(fd).isFile()) throw new Error('not a file');
  } catch {
    throw new GatewayError(
      `${field}: ${excerpt(path, 200)} in api.cloudSources.dir is not a readable file`,
      'bad-input',
    );
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  return real;
}

/**
 * The AMQP URL an API-added cloud's notifications name (the value of an offered variable): amqps,
 * or amqp to loopback with allowHttp (development); its host not one the guard refuses. The
 * message names the field and the host, never the URL (it holds the broker's password).
 */
export function confineBroker(value: string | undefined, policy: SourcePolicy, field: string): string {
  if (!value) throw new GatewayError(`${field}: the variable is not set (the AMQP URL)`, 'bad-input');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new GatewayError(`${field}: the variable does not hold a URL`, 'bad-input');
  }
  const asHttp = new URL(
    `${url.protocol === 'amqps:' ? 'https' : url.protocol === 'amqp:' ? 'http' : 'x'}://${url.host}/`,
  );
  if (!httpsOrDevLoopback(asHttp, policy.allowHttp))
    throw refuse(
      `${field}: ${url.protocol}//${url.host} must be amqps${url.protocol === 'amqp:' ? ' (api.cloudSources.allowHttp, for development, allows amqp to loopback hosts only)' : ''}`,
    );
  assertHostAllowed(url, policy.networks, HINT);
  return value;
}

/**
 * An API-added cloud's sources checked against its policy: every path resolved to a readable file
 * inside the folder, the NetBox token variable one the configuration offers, the NetBox URL https
 * (or development http to loopback) and not an address the guard refuses. Throws a GatewayError
 * naming the field; returns the spec with absolute paths, as the run reads it.
 */
export function confineSources(spec: SourcesSpec, policy: SourcePolicy): SourcesSpec {
  if (typeof spec.siteMap === 'string')
    throw refuse('siteMap: an API-added cloud gives its site map inline, not as a file');
  const out: SourcesSpec = { ...spec };
  for (const [i, o] of (spec.openstack ?? []).entries()) {
    const n = o.notifications;
    if (!n) continue;
    if (!policy.secrets.has(n.urlEnv))
      throw refuse(
        `sources.openstack[${i}].notifications.urlEnv: ${excerpt(n.urlEnv, 100)} is not a secret the configuration offers to API-added clouds (api.cloudSources.secrets)`,
      );
    if (n.queue !== undefined || n.allowPlaintext !== undefined)
      throw refuse(
        `sources.openstack[${i}].notifications: an API-added cloud consumes its own queue (gx-gateway.<cloud id>), over amqps`,
      );
  }
  if (spec.kubernetes)
    out.kubernetes = spec.kubernetes.map((k, i) => ({
      ...k,
      kubeconfig: confinedFile(policy, `sources.kubernetes[${i}].kubeconfig`, k.kubeconfig),
    }));
  if (spec.scsReports)
    out.scsReports = spec.scsReports.map((r, i) => confinedFile(policy, `sources.scsReports[${i}]`, r));
  if (spec.netbox) {
    const nb = spec.netbox;
    let url: URL;
    try {
      url = new URL(nb.url);
    } catch {
      throw new GatewayError(`sources.netbox.url: ${excerpt(nb.url, 200)} is not a URL`, 'bad-input');
    }
    if (url.username || url.password)
      throw new GatewayError(
        'sources.netbox.url: no credentials in the URL (name a variable in tokenEnv)',
        'bad-input',
      );
    if (!httpsOrDevLoopback(url, policy.allowHttp))
      throw refuse(
        `sources.netbox.url: ${excerpt(nb.url, 200)} must be https${url.protocol === 'http:' ? ' (api.cloudSources.allowHttp, for development, reaches loopback hosts only)' : ''}`,
      );
    assertHostAllowed(url, policy.networks, HINT);
    if (nb.tokenEnv !== undefined && !policy.secrets.has(nb.tokenEnv))
      throw refuse(
        `sources.netbox.tokenEnv: ${excerpt(nb.tokenEnv, 100)} is not a secret the configuration offers to API-added clouds (api.cloudSources.secrets)`,
      );
    out.netbox = {
      url: nb.url,
      ...(nb.tokenEnv ? { tokenEnv: nb.tokenEnv } : {}),
      ...(nb.caFile ? { caFile: confinedFile(policy, 'sources.netbox.caFile', nb.caFile) } : {}),
    };
  }
  return out;
}
