/** JSON Schema of gx-gateway.yaml. Defaults live here; ajv fills them in. */
export const configSchema = {
  $id: 'https://gx-gateway.dev/schemas/config.json',
  type: 'object',
  additionalProperties: false,
  required: ['publicBaseUrl'],
  properties: {
    publicBaseUrl: {
      type: 'string',
      format: 'uri',
      pattern: '^https?://',
      description: 'The public URL the gateway is reached at; its DID is did:web derived from it.',
    },
    server: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        host: { type: 'string', default: '127.0.0.1' },
        port: { type: 'integer', minimum: 0, maximum: 65535, default: 8080 },
        trustProxy: { type: 'boolean', default: false },
        bodyLimitBytes: { type: 'integer', minimum: 1024, default: 4194304 },
        tls: {
          type: 'object',
          additionalProperties: false,
          required: ['certFile', 'keyFile'],
          properties: {
            certFile: { type: 'string', minLength: 1 },
            keyFile: { type: 'string', minLength: 1 },
          },
        },
      },
    },
    keys: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        dir: { type: 'string', minLength: 1, default: '.gx-gateway/keys' },
        passphraseEnv: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$', default: 'GXG_KEY_PASSPHRASE' },
        generateDevKeys: {
          type: 'boolean',
          default: false,
          description: 'On start with an empty key directory, create an RSA (active) and an Ed25519 key with a development certificate chain.',
        },
      },
    },
    resolver: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        allowPrivateNetworks: { type: 'boolean', default: false, description: 'Development only: let did:web and x5u reach loopback/private addresses.' },
        allowHttp: { type: 'boolean', default: false, description: 'Development only: resolve loopback did:web over http.' },
        timeoutMs: { type: 'integer', minimum: 100, maximum: 120000, default: 10000 },
        maxBytes: { type: 'integer', minimum: 1024, maximum: 67108864, default: 1048576 },
        cacheTtlSeconds: { type: 'integer', minimum: 0, default: 300 },
        caFile: { type: 'string', minLength: 1, description: 'Extra CA certificates (PEM) trusted for HTTPS.' },
        trustAnchorFiles: { type: 'array', items: { type: 'string', minLength: 1 }, default: [] },
        resolveOwnDidLocally: { type: 'boolean', default: true },
      },
    },
    jsonld: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        localContexts: { type: 'object', additionalProperties: { type: 'string', minLength: 1 }, default: {} },
        canonizeTimeoutMs: { type: 'integer', minimum: 10, maximum: 600000, default: 5000 },
        maxWorkFactor: { type: 'integer', minimum: 0, maximum: 3, default: 1 },
        maxDocumentBytes: { type: 'integer', minimum: 1024, default: 4194304 },
      },
    },
    signing: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        defaultSuite: { enum: ['jws2020', 'jws2020-ccg', 'ed25519-2020', 'eddsa-rdfc-2022', 'vc-jose'], default: 'jws2020' },
      },
    },
    log: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        level: { enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], default: 'info' },
      },
    },
  },
} as const;

export interface GatewayConfig {
  publicBaseUrl: string;
  server: { host: string; port: number; trustProxy: boolean; bodyLimitBytes: number; tls?: { certFile: string; keyFile: string } };
  keys: { dir: string; passphraseEnv: string; generateDevKeys: boolean };
  resolver: {
    allowPrivateNetworks: boolean;
    allowHttp: boolean;
    timeoutMs: number;
    maxBytes: number;
    cacheTtlSeconds: number;
    caFile?: string;
    trustAnchorFiles: string[];
    resolveOwnDidLocally: boolean;
  };
  jsonld: { localContexts: Record<string, string>; canonizeTimeoutMs: number; maxWorkFactor: number; maxDocumentBytes: number };
  signing: { defaultSuite: 'jws2020' | 'jws2020-ccg' | 'ed25519-2020' | 'eddsa-rdfc-2022' | 'vc-jose' };
  log: { level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent' };
}

/** A loaded configuration and where relative paths in it are resolved from. */
export interface LoadedConfig {
  config: GatewayConfig;
  /** The file it came from, or `(embedded default)`. */
  source: string;
  baseDir: string;
}
