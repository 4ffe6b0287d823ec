import type { FromSchema } from 'json-schema-to-ts';
const addressSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['countryCode'],
  properties: {
    countryCode: { type: 'string', pattern: '^[A-Z]{2}$', description: 'ISO 3166-1 alpha-2.' },
    countrySubdivisionCode: {
      type: 'string',
      pattern: '^[A-Z]{2}-[A-Z0-9]{1,3}$',
      description: 'ISO 3166-2, e.g. DE-BE (Tagus gx:countrySubdivisionCode).',
    },
    nutsRegion: {
      type: 'string',
      pattern: '^[A-Z]{2}[A-Z0-9]{1,3}$',
      description: 'NUTS 2 region, e.g. DE30 (25.11 vcard:region).',
    },
    streetAddress: { type: 'string', minLength: 1 },
    postalCode: { type: 'string', minLength: 1 },
    locality: { type: 'string', minLength: 1 },
  },
} as const;

/** The current Gaia-X terms-and-conditions hash (25.11); the other one the shapes allow was retired on 2026-03-31. */
export const GAIA_X_TERMS_HASH = '067dcac5efd18c1927deb1ffed3feab6d0ad044c0a9a263e6d5d8bdc43224515';
export const GAIA_X_TERMS_HASH_DEPRECATED = '4bd7554097444c960292b4726c2efa1373485e8a5565d94d41195214c5e0ceb3';

const providerSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['legalName', 'legalAddress', 'termsAndConditions'],
  description: 'Who the provider is and the terms its offerings carry: the input of `gx-gateway describe`.',
  properties: {
    legalName: { type: 'string', minLength: 1 },
    legalAddress: addressSchema,
    headquartersAddress: { ...addressSchema, description: 'Defaults to the legal address.' },
    registrationNumbers: {
      type: 'array',
      default: [],
      description:
        'Registration numbers to describe (a Gaia-X notary normally issues these as credentials: see registrationNumberCredentials).',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['type', 'value'],
        properties: {
          type: { enum: ['vatID', 'leiCode', 'EORI', 'EUID', 'taxID', 'local'] },
          value: { type: 'string', minLength: 3 },
          countryCode: { type: 'string', pattern: '^[A-Z]{2}$' },
        },
      },
    },
    registrationNumberCredentials: {
      type: 'array',
      default: [],
      items: { type: 'string', minLength: 1 },
      description: 'Files with registration-number credentials issued by a notary (JSON or VC-JWT); used as they are.',
    },
    gaiaxTermsAndConditionsHash: {
      enum: [GAIA_X_TERMS_HASH, GAIA_X_TERMS_HASH_DEPRECATED],
      default: GAIA_X_TERMS_HASH,
    },
    termsAndConditions: {
      type: 'object',
      additionalProperties: false,
      required: ['url', 'hash'],
      description: "The service offerings' terms and conditions: their URL and the SHA-256 (hex) of the document.",
      properties: { url: { type: 'string', format: 'uri' }, hash: { type: 'string', pattern: '^[0-9a-f]{64}$' } },
    },
    dataAccountExport: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        requestType: {
          enum: ['API', 'email', 'webform', 'unregisteredLetter', 'registeredLetter', 'supportCenter'],
          default: 'API',
        },
        accessType: { enum: ['digital', 'physical'], default: 'digital' },
        formatType: { type: 'string', pattern: '^[a-z]+/[-+.a-zA-Z0-9]+$', default: 'application/json' },
      },
    },
    dataProtectionRegime: {
      type: 'array',
      items: { enum: ['GDPR2016', 'LGPD2019', 'PDPA2012', 'CCPA2018', 'VCDPA2021'] },
      default: ['GDPR2016'],
    },
    policy: {
      type: 'string',
      minLength: 1,
      default: 'default: allow',
      description: 'Access and usage policy text (Tagus gx:policy, 25.11 gx:resourcePolicy).',
    },
    keywords: {
      type: 'array',
      items: { type: 'string', minLength: 1 },
      default: ['Sovereign Cloud Stack', 'OpenStack'],
    },
    images: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        licenses: {
          type: 'object',
          additionalProperties: { type: 'string', minLength: 1 },
          default: {},
          description: 'Licence per os_distro (SPDX id or URL); overrides the built-in table.',
        },
        copyrightOwners: { type: 'object', additionalProperties: { type: 'string', minLength: 1 }, default: {} },
        defaultLicense: {
          type: 'string',
          minLength: 1,
          description: 'Licence of images whose distribution is not known (SPDX id or URL).',
        },
        includePrivate: { type: 'boolean', default: false, description: 'Also describe private and shared images.' },
      },
    },
    objectStorage: {
      type: 'object',
      additionalProperties: false,
      description: 'Object storage facts OpenStack cannot tell (required by gx:ObjectStorageServiceOffering).',
      required: ['encryption'],
      properties: {
        encryption: {
          type: 'object',
          additionalProperties: false,
          required: ['cipher', 'keyManagement'],
          properties: {
            cipher: { enum: ['RSA', 'AES', '3DES', 'Blowfish', 'Twofish', 'SDA', 'other'] },
            keyManagement: { enum: ['BYOK', 'HYOK', 'managed'] },
          },
        },
      },
    },
  },
} as const;

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
        connectionTimeoutMs: {
          type: 'integer',
          minimum: 100,
          default: 10000,
          description: 'Close a connection idle (nothing received or sent) this long.',
        },
        keepAliveTimeoutMs: {
          type: 'integer',
          minimum: 100,
          default: 5000,
          description: 'Close a kept-alive connection this long after its last response.',
        },
        requestTimeoutMs: {
          type: 'integer',
          minimum: 100,
          default: 30000,
          description: 'Most time to receive a whole request (headers and body).',
        },
        maxConnections: {
          type: 'integer',
          minimum: 1,
          default: 1024,
          description: 'Open connections at most; further ones are refused.',
        },
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
          description:
            'On start with an empty key directory, create an RSA (active) and an Ed25519 key with a development certificate chain.',
        },
        pkcs11: {
          type: 'object',
          additionalProperties: false,
          required: ['module', 'pinEnv'],
          description:
            'A PKCS#11 token (HSM, cloud HSM, SoftHSM2) keys may live in: `gx-gateway keys create --pkcs11` makes them inside it (not extractable), `keys import --pkcs11 LABEL` adopts one; their private halves never enter the process. Opened and checked at start.',
          properties: {
            module: {
              type: 'string',
              minLength: 1,
              description: 'The PKCS#11 module, e.g. /usr/lib/softhsm/libsofthsm2.so.',
            },
            tokenLabel: { type: 'string', minLength: 1, maxLength: 32, description: 'The token, by label (or slot).' },
            slot: { type: 'integer', minimum: 0, description: 'The token, by slot id (or tokenLabel).' },
            pinEnv: {
              type: 'string',
              pattern: '^[A-Za-z_][A-Za-z0-9_]*$',
              description: 'The variable holding the user PIN.',
            },
            sessions: {
              type: 'integer',
              minimum: 1,
              maximum: 64,
              description:
                "Signatures in flight at once per thread, each on a session of its own (default 4). They run in libuv's thread pool: above 4, raise UV_THREADPOOL_SIZE too.",
            },
          },
        },
      },
    },
    resolver: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        allowPrivateNetworks: {
          type: 'boolean',
          default: false,
          description: 'Development only: let did:web and x5u reach loopback/private addresses.',
        },
        allowHttp: {
          type: 'boolean',
          default: false,
          description: 'Development only: resolve loopback did:web over http.',
        },
        timeoutMs: { type: 'integer', minimum: 100, maximum: 120000, default: 10000 },
        maxBytes: { type: 'integer', minimum: 1024, maximum: 67108864, default: 1048576 },
        cacheTtlSeconds: { type: 'integer', minimum: 0, default: 300 },
        caFile: {
          type: 'string',
          minLength: 1,
          description:
            'Extra CA certificates (PEM) trusted for HTTPS besides the public roots, by every outbound call to a peer: DIDs and x5u chains, clearing houses, notaries, registries, catalogues and their identity providers, the event service, the OIDC provider. (Sources name their own: clouds.yaml cacert, kubeconfig, netbox.caFile.)',
        },
        trustAnchorFiles: {
          type: 'array',
          items: { type: 'string', minLength: 1 },
          description:
            'PEM files of the root certificates x5u chains must end in (EV/eIDAS for Gaia-X production; ISRG Root X1 for the lab). ' +
            'Required when publicBaseUrl is a public https URL; [] verifies without an anchor and says so in every report.',
        },
        failureCacheSeconds: {
          type: 'integer',
          minimum: 0,
          default: 30,
          description: 'How long a failed DID or x5u fetch is remembered (not retried).',
        },
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
        maxNodes: {
          type: 'integer',
          minimum: 10,
          default: 50000,
          description: 'Most JSON objects and arrays in one document.',
        },
        maxInlineContextBytes: {
          type: 'integer',
          minimum: 0,
          default: 65536,
          description: 'Most bytes of inline @context definitions in one document.',
        },
        maxDepth: {
          type: 'integer',
          minimum: 4,
          maximum: 1000,
          default: 64,
          description: 'Deepest nesting of one document.',
        },
      },
    },
    verify: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        maxPresentationCredentials: {
          type: 'integer',
          minimum: 1,
          default: 1000,
          description: 'Most credentials in one presentation.',
        },
        concurrency: {
          type: 'integer',
          minimum: 1,
          maximum: 64,
          default: 8,
          description: "A presentation's credentials verified (and their DIDs resolved) at once.",
        },
        timeoutMs: {
          type: 'integer',
          minimum: 100,
          default: 60000,
          description: 'Deadline of one whole verification.',
        },
        clockSkewSeconds: {
          type: 'integer',
          minimum: 0,
          maximum: 3600,
          default: 60,
          description: 'Allowance for JWT exp, nbf and iat.',
        },
      },
    },
    limits: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        maxInventoryBytes: {
          type: 'integer',
          minimum: 1024,
          default: 33554432,
          description: 'Largest inventory file describe reads.',
        },
        maxSetCredentials: {
          type: 'integer',
          minimum: 1,
          default: 20000,
          description: 'Most credentials validated, described or presented as one set.',
        },
      },
    },
    signing: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        defaultSuite: {
          enum: ['jws2020', 'jws2020-ccg', 'ed25519-2020', 'eddsa-rdfc-2022', 'vc-jose'],
          default: 'jws2020',
        },
        suites: {
          type: 'object',
          additionalProperties: false,
          default: {},
          description:
            "A profile's own suite instead of defaultSuite, e.g. gaia-x-25.11: vc-jose (VC-JWTs for Loire clearing houses) beside Tagus JSON-LD: its credentials and status lists, officers' approvals and signing inputs.",
          properties: {
            'gaia-x-25.11': { enum: ['jws2020', 'jws2020-ccg', 'ed25519-2020', 'eddsa-rdfc-2022', 'vc-jose'] },
            'tagus-22.10': { enum: ['jws2020', 'jws2020-ccg', 'ed25519-2020', 'eddsa-rdfc-2022', 'vc-jose'] },
          },
        },
        workers: {
          type: 'integer',
          minimum: 0,
          maximum: 64,
          default: 2,
          description:
            'Threads that sign large sets (64 credentials or more) beside the main thread, started with the first such set and ended when idle; 0 signs everything on the main thread.',
        },
        credentialStatus: {
          type: 'object',
          additionalProperties: false,
          default: {},
          description:
            "How a profile's credentials can be revoked. status-list: a credentialStatus entry in a Bitstring / StatusList2021 list the gateway serves. none: no credentialStatus (Tagus clearing houses refuse a presentation holding StatusList2021Entry, a type their registry does not list); such a credential is revoked by its next version superseding it and by 410 Gone at its id.",
          properties: {
            'gaia-x-25.11': { enum: ['status-list', 'none'], default: 'status-list' },
            'tagus-22.10': { enum: ['status-list', 'none'], default: 'none' },
          },
        },
        mode: {
          enum: ['auto', 'approval'],
          default: 'auto',
          description:
            'auto: runs sign and publish what validates. approval: runs keep validated drafts for a compliance officer, who approves (the gateway signs), signs elsewhere and uploads the signature, or rejects; nothing is signed or revoked without one.',
        },
      },
    },
    provider: providerSchema,
    sources: {
      type: 'object',
      additionalProperties: false,
      description:
        'What the gateway introspects (`gx-gateway introspect` without source flags, and the scheduled runs). Only where secrets are, never the secrets.',
      properties: {
        openstack: {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: false,
            properties: {
              cloud: {
                type: 'string',
                minLength: 1,
                description: 'A cloud of clouds.yaml (secure.yaml and OS_* as openstacksdk reads them).',
              },
              notifications: {
                type: 'object',
                additionalProperties: false,
                required: ['urlEnv'],
                description:
                  'Consume the cloud’s oslo.messaging notifications (driver messagingv2) from RabbitMQ: a change (an image uploaded, a flavor created, …) starts a run within seconds; polling stays the safety net.',
                properties: {
                  urlEnv: {
                    type: 'string',
                    pattern: '^[A-Za-z_][A-Za-z0-9_]*$',
                    description:
                      'The variable holding the AMQP URL, credentials included (amqps://, or amqp:// to loopback).',
                  },
                  exchanges: {
                    type: 'array',
                    minItems: 1,
                    uniqueItems: true,
                    items: { enum: ['glance', 'nova', 'neutron', 'keystone', 'cinder'] },
                    description: 'The services’ exchanges to bind (default: all five).',
                  },
                  queue: {
                    type: 'string',
                    pattern: '^[A-Za-z0-9._:-]{1,200}$',
                    description: 'The durable queue of this gateway (default gx-gateway.<cloud id>).',
                  },
                  durableExchanges: {
                    type: 'boolean',
                    default: false,
                    description:
                      'The services run with [oslo_messaging_rabbit] amqp_durable_queues = true (an exchange not there yet is declared as they would).',
                  },
                  allowPlaintext: {
                    type: 'boolean',
                    default: false,
                    description:
                      'Accept amqp:// (no TLS) to a host other than loopback: the broker credentials cross the network in clear.',
                  },
                },
              },
            },
          },
        },
        kubernetes: {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['kubeconfig'],
            properties: {
              kubeconfig: { type: 'string', minLength: 1 },
              context: { type: 'string', minLength: 1 },
              watch: {
                type: 'boolean',
                default: false,
                description:
                  'Watch what the source lists (nodes, storage classes, CNI and standard services, Cluster API clusters and classes, cluster stacks): a change to what is described starts a run within seconds (scheduler.events); polling stays the safety net.',
              },
              watchTimeoutSeconds: {
                type: 'integer',
                minimum: 10,
                maximum: 3600,
                default: 300,
                description: 'How long one watch request stays open before it is resumed (timeoutSeconds).',
              },
            },
          },
        },
        netbox: {
          type: 'object',
          additionalProperties: false,
          required: ['url'],
          properties: {
            url: { type: 'string', format: 'uri' },
            tokenEnv: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$', default: 'NETBOX_TOKEN' },
            caFile: { type: 'string', minLength: 1 },
            webhook: {
              type: 'object',
              additionalProperties: false,
              required: ['secretEnv'],
              description:
                'Accept NetBox webhooks (an event rule with a webhook action, POST to /hooks/netbox/<cloud id>): a change to a region, site or location starts a run within seconds (scheduler.events). Deliveries must be signed (X-Hook-Signature), fresh and new.',
              properties: {
                secretEnv: {
                  type: 'string',
                  pattern: '^[A-Za-z_][A-Za-z0-9_]*$',
                  description: 'The variable holding the webhook’s secret, as set in NetBox (16 characters at least).',
                },
                maxAgeSeconds: {
                  type: 'integer',
                  minimum: 10,
                  maximum: 3600,
                  default: 300,
                  description:
                    'A delivery whose timestamp is older is refused (stale); newer ones are refused when seen before (replayed).',
                },
              },
            },
          },
        },
        scsReports: { type: 'array', items: { type: 'string', minLength: 1 } },
        siteMap: {
          description: 'NetBox site slug → { region, availabilityZones }, or a YAML file of it.',
          anyOf: [
            { type: 'string', minLength: 1 },
            {
              type: 'object',
              additionalProperties: {
                type: 'object',
                additionalProperties: false,
                properties: {
                  region: { type: 'string' },
                  availabilityZones: { type: 'array', items: { type: 'string' } },
                },
              },
            },
          ],
        },
        pageSize: { type: 'integer', minimum: 1, maximum: 10000, default: 1000 },
        timeoutMs: { type: 'integer', minimum: 100, default: 30000 },
        concurrency: { type: 'integer', minimum: 1, maximum: 64, default: 8 },
      },
    },
    database: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'Where the gateway keeps clouds, runs, credentials and the audit log.',
      properties: {
        url: {
          type: 'string',
          pattern: '^postgres(ql)?://',
          description:
            'PostgreSQL (several instances may share it); without it, SQLite at `file`. A password here can also come from GXG_DATABASE__URL.',
        },
        file: { type: 'string', minLength: 1, default: 'data/gx-gateway.sqlite' },
        poolSize: { type: 'integer', minimum: 1, maximum: 100, default: 10 },
      },
    },
    scheduler: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        enabled: { type: 'boolean', default: true, description: 'Run each cloud on its schedule.' },
        tickSeconds: { type: 'number', minimum: 0.05, default: 5, description: 'How often due clouds are looked for.' },
        leaseSeconds: {
          type: 'number',
          minimum: 0.5,
          default: 60,
          description:
            'A run holds its cloud this long and renews it while it works; a crashed holder’s lease runs out.',
        },
        runTimeoutSeconds: {
          type: 'number',
          minimum: 1,
          default: 1800,
          description: 'A run still going after this long is stopped between stages (abandoned, nothing published).',
        },
        events: {
          type: 'object',
          additionalProperties: false,
          default: {},
          description:
            'Runs caused by a cloud’s events (sources.openstack[].notifications, sources.kubernetes[].watch, sources.netbox.webhook).',
          properties: {
            quietSeconds: {
              type: 'number',
              minimum: 0,
              default: 2,
              description:
                'A run starts once the cloud has sent no event for this long (a burst of changes is one run).',
            },
            minIntervalSeconds: {
              type: 'number',
              minimum: 0,
              default: 10,
              description:
                'And no sooner than this after the cloud’s previous event run began (an event storm costs few runs).',
            },
            maxDelaySeconds: {
              type: 'number',
              minimum: 0,
              default: 30,
              description: 'A storm that never goes quiet still gets its run this long after its first event.',
            },
          },
        },
      },
    },
    clouds: {
      type: 'array',
      description: 'Clouds the gateway keeps described, registered at start (the API can add more).',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id'],
        properties: {
          id: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,62}$' },
          name: { type: 'string', minLength: 1 },
          demo: { type: 'boolean', description: 'The demo cloud of src/demo (development only).' },
          useSources: {
            type: 'boolean',
            default: false,
            description: 'Introspect the `sources` section of this configuration.',
          },
          profiles: {
            type: 'array',
            minItems: 1,
            uniqueItems: true,
            items: { enum: ['gaia-x-25.11', 'tagus-22.10'] },
            default: ['gaia-x-25.11', 'tagus-22.10'],
          },
          intervalSeconds: { type: 'integer', minimum: 1, default: 3600 },
        },
      },
    },
    demo: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'The demo cloud (clouds with demo: true) and the demo identity provider.',
      properties: {
        identityProvider: {
          type: 'boolean',
          default: false,
          description:
            'Development only: start the demo OpenID Connect provider of src/demo (users alice: officer, oscar: operator, ada: admin, rita: reader; sign-in by a button) on loopback and use it as auth.oidc, so the review page signs in through it.',
        },
        peers: {
          type: 'boolean',
          default: false,
          description:
            'Development only: start the demo peers of src/demo on loopback (a Gaia-X clearing house with Tagus and Loire compliance and a notary, XFSC federated catalogues of the 2025 and 2026 APIs, a credential event service) and publish to them (publish.clearingHouses, catalogues, credentialEvents must then be empty).',
        },
        identityProviderPort: {
          type: 'integer',
          minimum: 0,
          maximum: 65535,
          description: 'Its port; default: server.port + 4, or any when server.port is 0.',
        },
        notifications: {
          type: 'object',
          additionalProperties: false,
          required: ['urlEnv'],
          description:
            'The demo OpenStack sends its notifications (changes made through its API) to this RabbitMQ, as the real services do, and the gateway consumes them from there; without it they travel in-process.',
          properties: {
            urlEnv: {
              type: 'string',
              pattern: '^[A-Za-z_][A-Za-z0-9_]*$',
              description: 'The variable holding the AMQP URL (amqp:// to loopback, or amqps://).',
            },
            queue: {
              type: 'string',
              pattern: '^[A-Za-z0-9._:-]{1,200}$',
              description: 'The gateway’s queue (default gx-gateway.<cloud id>).',
            },
          },
        },
        ports: {
          type: 'array',
          minItems: 3,
          maxItems: 3,
          items: { type: 'integer', minimum: 0, maximum: 65535 },
          description:
            'Loopback ports of its OpenStack, Kubernetes and NetBox (stable ports keep its credentials unchanged across restarts); default: server.port + 1 … + 3, or any when server.port is 0. The gateway logs the ports it used ("demo ports").',
        },
        peerPorts: {
          type: 'array',
          minItems: 5,
          maxItems: 5,
          items: { type: 'integer', minimum: 0, maximum: 65535 },
          description:
            "Loopback ports of the demo peers (demo.peers): clearing house, credential event service, the catalogues' identity provider, the 2025 catalogue, the 2026 catalogue; default: server.port + 5 … + 9, or any when server.port is 0 (0: any). A taken port is replaced by any free one, with a warning.",
        },
      },
    },
    api: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        adminTokenSha256: {
          type: 'string',
          pattern: '^[0-9a-f]{64}$',
          description:
            'sha256 (hex) of the operator API token (`gx-gateway token`): only its hash is configured. Without it the operator routes answer 401.',
        },
        rateLimitPerMinute: {
          type: 'integer',
          minimum: 1,
          default: 1200,
          description: 'Requests per minute and client address on the public routes (all of them together).',
        },
        authFailuresPerMinute: {
          type: 'integer',
          minimum: 1,
          default: 30,
          description:
            'Failed authentications (bad or unknown tokens) per minute and client address; past it, that address gets 429 until the minute is over.',
        },
        pageSize: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
        cloudSources: {
          type: 'object',
          additionalProperties: false,
          default: {},
          description:
            'What a cloud added over the API (POST /admin/clouds, operator role) may name. The configuration file may name anything; an API caller only what is offered here.',
          properties: {
            dir: {
              type: 'string',
              minLength: 1,
              description:
                'The folder its files (kubeconfig, netbox.caFile, scsReports) must be in, relative to the configuration; without it, API-added clouds name no files.',
            },
            secrets: {
              type: 'array',
              default: [],
              description:
                'Environment variables it may name as netbox.tokenEnv: a name (any API-added cloud) or { name, clouds } (only those clouds).',
              items: {
                anyOf: [
                  { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
                  {
                    type: 'object',
                    additionalProperties: false,
                    required: ['name', 'clouds'],
                    properties: {
                      name: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
                      clouds: {
                        type: 'array',
                        minItems: 1,
                        items: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,62}$' },
                      },
                    },
                  },
                ],
              },
            },
            networks: {
              type: 'array',
              default: [],
              description:
                'Private networks (CIDR) its URLs may reach besides public addresses: a network (any API-added cloud) or { cidr, clouds }. Loopback, private, link-local and metadata addresses are refused otherwise.',
              items: {
                anyOf: [
                  { type: 'string', minLength: 2 },
                  {
                    type: 'object',
                    additionalProperties: false,
                    required: ['cidr', 'clouds'],
                    properties: {
                      cidr: { type: 'string', minLength: 2 },
                      clouds: {
                        type: 'array',
                        minItems: 1,
                        items: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,62}$' },
                      },
                    },
                  },
                ],
              },
            },
            allowHttp: {
              type: 'boolean',
              default: false,
              description:
                'Development only: plain http to loopback hosts (which networks must still allow); refused with a public publicBaseUrl.',
            },
          },
        },
        tokens: {
          type: 'array',
          default: [],
          description:
            'API tokens by their sha256 (hex) with their roles (besides those created with `gx-gateway tokens create`, kept in the store).',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['name', 'sha256', 'roles'],
            properties: {
              name: { type: 'string', minLength: 1, maxLength: 100 },
              sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' },
              roles: {
                type: 'array',
                minItems: 1,
                uniqueItems: true,
                items: { enum: ['admin', 'operator', 'officer', 'reader'] },
              },
            },
          },
        },
      },
    },
    publish: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'Where published credentials go, through the durable outbox.',
      properties: {
        catalogues: {
          type: 'array',
          default: [],
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['name', 'url', 'tokenUrl', 'clientId'],
            properties: {
              name: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,40}$', description: 'The outbox target name.' },
              api: {
                enum: ['2025', '2026', 'auto'],
                default: 'auto',
                description:
                  'The XFSC catalogue API generation: 2025 (/self-descriptions, JSON-LD presentations), 2026 (/assets, VP-JWTs), or auto (detected at the first delivery).',
              },
              url: { type: 'string', format: 'uri' },
              tokenUrl: { type: 'string', format: 'uri', description: "The catalogue's OIDC token endpoint." },
              clientId: { type: 'string', minLength: 1 },
              clientSecretEnv: { type: 'string', description: 'The environment variable holding the client secret.' },
              username: {
                type: 'string',
                description:
                  "The password grant's service user (existing deployments); without it, client credentials.",
              },
              passwordEnv: {
                type: 'string',
                description: "The environment variable holding the service user's password.",
              },
              allowHttp: {
                type: 'boolean',
                default: false,
                description: 'Development only: http URLs on loopback.',
              },
              concurrency: {
                type: 'integer',
                minimum: 1,
                maximum: 64,
                default: 8,
                description:
                  "Deliveries in flight at once to this catalogue. Each credential's own deliveries (its upload, then its revocation) stay in order; different credentials go in parallel. 1: one after another, in the order they were written.",
              },
              registerParticipant: {
                type: 'boolean',
                default: false,
                description:
                  "Also register the provider as a participant with its legal-person credential (POST /participants, PUT when registered). The catalogue allows that to its admin role (Ro-MU-CA) only: set it when the gateway's client has that role; otherwise the catalogue's operator registers the provider.",
              },
            },
          },
        },
        clearingHouses: {
          type: 'array',
          default: [],
          description:
            "Gaia-X clearing houses (GXDCH), tried in this order (the next on a timeout, 5xx or connection error): each cloud's signed clearing-house credentials are submitted for a compliance credential after every change and before the last one expires.",
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['name'],
            properties: {
              name: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,40}$' },
              registryUrl: {
                type: 'string',
                format: 'uri',
                description:
                  'The registry (e.g. https://registry.lab.gaia-x.eu/v1): implemented shapes and trust anchors are checked there before submitting.',
              },
              tagusUrl: {
                type: 'string',
                format: 'uri',
                description:
                  'Compliance, Tagus generation (e.g. https://compliance.lab.gaia-x.eu/v1): takes tagus-22.10 sets.',
              },
              loireUrl: {
                type: 'string',
                format: 'uri',
                description:
                  'Compliance, Loire generation (e.g. https://compliance.lab.gaia-x.eu/v2): takes gaia-x-25.11 sets signed as VC-JWTs (signing.suites: {gaia-x-25.11: vc-jose}).',
              },
              label: {
                enum: ['standard-compliance', 'label-level-1', 'label-level-2', 'label-level-3'],
                default: 'standard-compliance',
                description: 'What the Loire service is asked for.',
              },
              did: {
                type: 'string',
                pattern: '^did:web:',
                description:
                  "The clearing house's DID, the issuer its compliance credentials must have (default: did:web of the compliance host).",
              },
              notaryUrl: {
                type: 'string',
                format: 'uri',
                description:
                  "Its notary (e.g. https://registrationnumber.notary.lab.gaia-x.eu): the provider's registration numbers (vatID, leiCode, EORI, EUID, taxID) are sent there (v1 for tagus-22.10, v2 for gaia-x-25.11) and its credentials published instead of self-described ones, renewed before they expire.",
              },
              notaryDid: {
                type: 'string',
                pattern: '^did:web:',
                description: "The notary's DID, the issuer its credentials must have (default: did:web of notaryUrl).",
              },
              trustAnchorFiles: {
                type: 'array',
                items: { type: 'string' },
                description:
                  "PEM roots the clearing house's x5u chain must end in (default: resolver.trustAnchorFiles).",
              },
              timeoutMs: { type: 'integer', minimum: 1000, default: 60000 },
              allowPrivateNetworks: {
                type: 'boolean',
                default: false,
                description:
                  "Development only: its DID documents and x5u chains (and the notary's) may be on private networks; allowHttp alone reaches loopback only. Refused for a public publicBaseUrl.",
              },
              production: {
                type: 'boolean',
                description:
                  'Sent to the Tagus and Loire services as production=true|false (unset: not sent). A production clearing house takes only a notary-issued registration number; its refusal of a self-issued one says so in the run record.',
              },
              allowHttp: {
                type: 'boolean',
                default: false,
                description: 'Development only: http URLs on loopback.',
              },
            },
          },
        },
        compliance: {
          type: 'object',
          additionalProperties: false,
          default: {},
          properties: {
            renewBeforeDays: {
              type: 'integer',
              minimum: 1,
              default: 14,
              description: 'A compliance credential is renewed this long before it expires.',
            },
          },
        },
        notary: {
          type: 'object',
          additionalProperties: false,
          default: {},
          properties: {
            renewBeforeDays: {
              type: 'integer',
              minimum: 1,
              default: 30,
              description:
                "A notary's registration-number credential is renewed by the first run this long before it expires.",
            },
          },
        },
        credentialEvents: {
          type: 'object',
          additionalProperties: false,
          required: ['url'],
          description:
            'The Gaia-X Credential Event Service: each compliance credential issued or renewed is pushed there as a CloudEvent (eu.gaia-x.credential), so catalogues that poll it fetch the credentials from their id URLs.',
          properties: {
            url: { type: 'string', format: 'uri', description: 'e.g. https://ces.lab.gaia-x.eu' },
            allowHttp: { type: 'boolean', default: false, description: 'Development only: http on loopback.' },
          },
        },
        outbox: {
          type: 'object',
          additionalProperties: false,
          default: {},
          properties: {
            maxAttempts: { type: 'integer', minimum: 1, default: 8 },
            baseBackoffMs: { type: 'integer', minimum: 1, default: 1000 },
            maxBackoffMs: { type: 'integer', minimum: 1, default: 900000 },
            tickMs: { type: 'integer', minimum: 10, default: 1000 },
            leaseSeconds: {
              type: 'integer',
              minimum: 2,
              default: 60,
              description:
                'How long an instance holds the item it delivers; one that dies mid-delivery leaves it to another after this (a delivery is cut off before it runs out).',
            },
            downAfterSeconds: {
              type: 'integer',
              minimum: 1,
              default: 900,
              description:
                '/ready reports a target down when its oldest pending item is older than this and nothing was delivered to it since.',
            },
          },
        },
      },
    },
    auth: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        oidc: {
          type: 'object',
          additionalProperties: false,
          required: ['issuer', 'audience'],
          description:
            'Bearer JWTs of an OpenID Connect provider: issuer, audience and signature checked against its JWKS (discovered, cached); a claim maps to roles. The review page signs in through it (authorization code with PKCE) when clientId is set.',
          properties: {
            issuer: { type: 'string', format: 'uri' },
            audience: { type: 'string', minLength: 1 },
            rolesClaim: {
              type: 'string',
              default: 'roles',
              description:
                'The claim holding role names (an array or a space-separated string); dotted for nested claims (realm_access.roles).',
            },
            roleMap: {
              type: 'object',
              description: 'Claim values to gateway roles (default: the role names themselves).',
              additionalProperties: { enum: ['admin', 'operator', 'officer', 'reader'] },
            },
            nameClaim: { type: 'string', default: 'preferred_username' },
            clientId: { type: 'string', description: "The review page's client id (authorization code + PKCE)." },
            clientSecretEnv: {
              type: 'string',
              description:
                'The environment variable holding the client secret (a confidential client); none: a public client.',
            },
            algorithms: {
              type: 'array',
              items: { enum: ['RS256', 'PS256', 'ES256', 'EdDSA'] },
              default: ['RS256', 'PS256', 'ES256', 'EdDSA'],
            },
            clockToleranceSeconds: { type: 'integer', minimum: 0, maximum: 300, default: 30 },
            allowHttp: {
              type: 'boolean',
              default: false,
              description: 'Development only: an http:// issuer on a loopback address (refused otherwise).',
            },
          },
        },
        sessionMinutes: {
          type: 'integer',
          minimum: 5,
          maximum: 1440,
          default: 480,
          description: 'How long a review page sign-in lasts.',
        },
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

/**
 * The configuration's TypeScript type, derived from its JSON Schema (no hand-kept twin): keys with
 * a default are always present after loading (ajv fills them in), keys without one are optional.
 */
export type GatewayConfig = FromSchema<typeof configSchema>;
export type ProviderConfig = NonNullable<GatewayConfig['provider']>;
export type AddressConfig = ProviderConfig['legalAddress'];
export type RegistrationNumberType = ProviderConfig['registrationNumbers'][number]['type'];

/** A loaded configuration and where relative paths in it are resolved from. */
export interface LoadedConfig {
  config: GatewayConfig;
  /** The file it came from, or `(embedded default)`. */
  source: string;
  baseDir: string;
  /** The embedded default's publicBaseUrl, derived from the port (a changed port moves it). */
  baseUrlFollowsPort?: boolean;
}
