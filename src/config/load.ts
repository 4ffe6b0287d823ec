import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { parse as parseYaml } from 'yaml';
import { GatewayError } from '../core/errors.js';
import { isLoopbackHost } from '../net/guard.js';
import { configSchema, type GatewayConfig, type LoadedConfig } from './schema.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

export const DEFAULT_CONFIG_FILE = 'gx-gateway.yaml';
export const ENV_PREFIX = 'GXG_';

/** The demo cloud's provider (embedded default and `--demo`); fictitious. */
export const DEMO_PROVIDER = {
  legalName: 'Example Cloud GmbH',
  legalAddress: {
    countryCode: 'DE',
    countrySubdivisionCode: 'DE-BE',
    nutsRegion: 'DE30',
    streetAddress: 'Example Straße 1',
    postalCode: '10115',
    locality: 'Berlin',
  },
  registrationNumbers: [{ type: 'vatID', value: 'DE123456789' }],
  termsAndConditions: {
    url: 'http://localhost:8080/terms',
    hash: '8e0c5d1f3a5b3a9a2d8f0a6b6c1f6e7d9b1a2c3d4e5f60718293a4b5c6d7e8f9',
  },
};

/**
 * The embedded default: a local demo gateway with generated development keys. Used when no
 * configuration file exists; every key can still be overridden from the environment. It is as
 * strict as any other configuration for what it reads from elsewhere: no private networks, no plain
 * http (the gateway answers its own DID and x5u chains locally). Its publicBaseUrl follows the port.
 */
export const EMBEDDED_DEFAULT = {
  keys: { generateDevKeys: true },
  provider: DEMO_PROVIDER,
  clouds: [{ id: 'demo', name: 'Demo cloud (src/demo)', demo: true, intervalSeconds: 300 }],
  demo: { identityProvider: true, peers: true },
  // The current generation end to end: 25.11 as VC-JWTs (what Loire clearing houses and the 2026
  // catalogue take), Tagus as JSON-LD (the Tagus clearing house, the 2025 catalogue).
  signing: { suites: { 'gaia-x-25.11': 'vc-jose' } },
  // Beside the development keys, in a folder of the owner's only (not in data/, which the package ships).
  database: { file: '.gx-gateway/gx-gateway.sqlite' },
};

/** The embedded default's base URL for a port. */
export function demoBaseUrl(port: number): string {
  return `http://localhost:${port}`;
}

const ajv = new Ajv({ allErrors: true, useDefaults: true, coerceTypes: true, strict: true, allowUnionTypes: true });
addFormats(ajv);
const validate = ajv.compile(configSchema);

function keyPath(err: ErrorObject): string {
  const base = err.instancePath.replace(/^\//, '').replace(/\//g, '.');
  if (err.keyword === 'additionalProperties') {
    const extra = (err.params as { additionalProperty: string }).additionalProperty;
    return base ? `${base}.${extra}` : extra;
  }
  if (err.keyword === 'required') {
    const missing = (err.params as { missingProperty: string }).missingProperty;
    return base ? `${base}.${missing}` : missing;
  }
  return base || '(top level)';
}

function explain(err: ErrorObject): string {
  if (err.keyword === 'additionalProperties') return 'is not a configuration key';
  if (err.keyword === 'required') return 'is required';
  if (err.keyword === 'enum')
    return `must be one of ${(err.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`;
  return err.message ?? 'is invalid';
}

/** camelCase → UPPER_SNAKE: `allowPrivateNetworks` → `ALLOW_PRIVATE_NETWORKS`. */
function envSegment(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

interface EnvKey {
  path: string[];
  type: string;
}

function envKeys(schema: { properties?: Record<string, unknown> }, prefix: string[] = []): Map<string, EnvKey> {
  const out = new Map<string, EnvKey>();
  for (const [key, sub] of Object.entries(schema.properties ?? {})) {
    const s = sub as { type?: string; properties?: Record<string, unknown>; enum?: unknown[] };
    const path = [...prefix, key];
    if (s.type === 'object' && s.properties) {
      for (const [k, v] of envKeys(s, path)) out.set(k, v);
    } else {
      out.set(ENV_PREFIX + path.map(envSegment).join('__'), { path, type: s.type ?? 'string' });
    }
  }
  return out;
}

const ENV_KEYS = envKeys(configSchema as unknown as { properties: Record<string, unknown> });

/** The environment variable that overrides a configuration key, e.g. `server.port` → `GXG_SERVER__PORT`. */
export function envNameFor(path: string): string {
  return ENV_PREFIX + path.split('.').map(envSegment).join('__');
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (!next || typeof next !== 'object') node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
}

function applyEnv(raw: Record<string, unknown>, env: NodeJS.ProcessEnv, ignore: Set<string>): void {
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(ENV_PREFIX) || value === undefined || ignore.has(name)) continue;
    const key = ENV_KEYS.get(name);
    if (!key) {
      throw new GatewayError(
        `environment variable ${name} is not a configuration key (known: ${[...ENV_KEYS.keys()].join(', ')})`,
        'bad-config',
      );
    }
    let parsed: unknown = value;
    if (key.type === 'array')
      parsed = value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    else if (key.type === 'object') {
      try {
        parsed = JSON.parse(value);
      } catch {
        throw new GatewayError(`${name} must be a JSON object`, 'bad-config');
      }
    }
    setPath(raw, key.path, parsed);
  }
}

/** The gateway's variables that are not configuration keys (the CLI's own, e.g. GXG_QUIET, GXG_TOKEN). */
const OWN_VARIABLES = ['GXG_CONFIG', 'GXG_QUIET', 'GXG_TOKEN'];

/** Variables the configuration names as where a secret is (`…Env` keys, api.cloudSources.secrets): not configuration keys either. */
function namedVariables(node: unknown, key = ''): string[] {
  if (typeof node === 'string') return key.endsWith('Env') ? [node] : [];
  if (Array.isArray(node))
    return node.flatMap((item: unknown) =>
      key === 'secrets' ? (typeof item === 'string' ? [item] : namedVariables(item, key)) : namedVariables(item, key),
    );
  if (node && typeof node === 'object')
    return Object.entries(node).flatMap(([k, v]) =>
      key === 'secrets' && k === 'name' && typeof v === 'string' ? [v] : namedVariables(v, k),
    );
  return [];
}

export interface LoadOptions {
  /** Explicit configuration file (--config); otherwise GXG_CONFIG, then ./gx-gateway.yaml, then the embedded default. */
  file?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** Load, merge with the environment, validate. Errors name the key and what is wrong with it. */
export function loadConfig(opts: LoadOptions = {}): LoadedConfig {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  const explicit = opts.file ?? env.GXG_CONFIG;
  let raw: Record<string, unknown>;
  let source: string;
  let baseDir = cwd;
  const file = explicit
    ? resolve(cwd, explicit)
    : existsSync(resolve(cwd, DEFAULT_CONFIG_FILE))
      ? resolve(cwd, DEFAULT_CONFIG_FILE)
      : undefined;
  if (file) {
    if (!existsSync(file)) throw new GatewayError(`configuration file ${file} does not exist`, 'bad-config');
    try {
      raw = (parseYaml(readFileSync(file, 'utf8')) ?? {}) as Record<string, unknown>;
    } catch (err) {
      throw new GatewayError(`configuration file ${file} is not valid YAML: ${(err as Error).message}`, 'bad-config');
    }
    if (typeof raw !== 'object' || Array.isArray(raw))
      throw new GatewayError(`configuration file ${file} must hold a mapping`, 'bad-config');
    source = file;
    baseDir = dirname(file);
  } else {
    raw = structuredClone(EMBEDDED_DEFAULT) as Record<string, unknown>;
    source = '(embedded default)';
  }
  const passEnv =
    (raw.keys as { passphraseEnv?: string } | undefined)?.passphraseEnv ??
    env.GXG_KEYS__PASSPHRASE_ENV ??
    'GXG_KEY_PASSPHRASE';
  applyEnv(raw, env, new Set([...OWN_VARIABLES, passEnv, ...namedVariables(raw)]));
  const derived = !file && raw.publicBaseUrl === undefined;
  if (derived) {
    const port = Number((raw.server as { port?: unknown } | undefined)?.port ?? 8080);
    raw.publicBaseUrl = demoBaseUrl(Number.isInteger(port) ? port : 8080);
  }
  if (!validate(raw)) {
    const problems = (validate.errors ?? []).map((e) => `${keyPath(e)} ${explain(e)}`);
    throw new GatewayError(`configuration ${source}: ${[...new Set(problems)].join('; ')}`, 'bad-config');
  }
  const config = raw as unknown as GatewayConfig;
  config.publicBaseUrl = config.publicBaseUrl.replace(/\/+$/, '');
  return { config, source, baseDir, ...(derived ? { baseUrlFollowsPort: true } : {}) };
}

/** A public https publicBaseUrl: what a production gateway has (not localhost, not plain http). */
export function isProductionBaseUrl(baseUrl: string): boolean {
  const url = new URL(baseUrl);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return url.protocol === 'https:' && !isLoopbackHost(host);
}

/** Production must say which roots it trusts: refuse to serve without resolver.trustAnchorFiles. */
export function assertProductionReady(loaded: LoadedConfig): void {
  const { config } = loaded;
  if (isProductionBaseUrl(config.publicBaseUrl) && config.resolver.trustAnchorFiles === undefined) {
    throw new GatewayError(
      `configuration ${loaded.source}: resolver.trustAnchorFiles is required for a production publicBaseUrl (${config.publicBaseUrl}): ` +
        "name the PEM files of the root certificates you trust (EV/eIDAS for Gaia-X; ISRG Root X1 for the lab), or set it to [] to verify without an anchor (reports then say 'trust anchor not checked')",
      'bad-config',
    );
  }
}

/** Resolve a path from the configuration against the configuration file's folder. */
export function configPath(loaded: LoadedConfig, path: string): string {
  return isAbsolute(path) ? path : resolve(loaded.baseDir, path);
}
