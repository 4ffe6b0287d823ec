import { readFileSync } from 'node:fs';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import { pino } from 'pino';
import { assertProductionReady, configPath } from '../config/load.js';
import type { LoadedConfig } from '../config/schema.js';
import { GatewayError } from '../core/errors.js';
import { didDocumentPath } from '../credentials/did-web.js';
import { buildApp } from '../http/app.js';
import { CredentialService } from './credential-service.js';
import { devAdminToken, startService, type GatewayService } from './gateway.js';

/** Headers and fields pino must never write. */
export const REDACT = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  '*.passphrase',
  '*.privateKey',
  '*.password',
  '*.token',
];

export interface RunningGateway {
  app: FastifyInstance;
  credentials: CredentialService;
  service: GatewayService;
  /** Where it listens. */
  address: string;
  /** Stop serving, then release the services (in that order). */
  close(): Promise<void>;
}

/**
 * The composition root of the service: every service built from the configuration, the HTTP app
 * on top, listening. The CLI's `serve` and the tests start the gateway through here.
 */
export async function startGateway(loaded: LoadedConfig): Promise<RunningGateway> {
  assertProductionReady(loaded);
  const { config } = loaded;
  let https: { cert: string; key: string } | undefined;
  if (config.server.tls) {
    try {
      https = {
        cert: readFileSync(configPath(loaded, config.server.tls.certFile), 'utf8'),
        key: readFileSync(configPath(loaded, config.server.tls.keyFile), 'utf8'),
      };
    } catch (err) {
      throw new GatewayError(`server.tls: ${(err as Error).message}`, 'bad-config', { cause: err });
    }
  }
  const credentials = CredentialService.open(loaded);
  let service: GatewayService | undefined;
  try {
    const created = config.keys.generateDevKeys ? await credentials.ensureDevKeys() : [];
    const tokenFile = devAdminToken(loaded);
    const logger = pino({ level: config.log.level, redact: REDACT });
    service = await startService(loaded, credentials, logger.child({ component: 'pipeline' }));
    const app = await buildApp(
      { config, credentials, service },
      { loggerInstance: logger as unknown as FastifyServerOptions['loggerInstance'], ...(https ? { https } : {}) },
    );
    if (tokenFile)
      app.log.warn({ file: tokenFile }, 'development operator token (for /admin routes) kept in this file');
    for (const k of created)
      app.log.warn(
        { key: k.id, type: k.type },
        'generated a development key with a development certificate chain (not for production)',
      );
    if (credentials.keys.list().length === 0)
      app.log.warn('no signing keys: create one with `gx-gateway keys create --type rsa`');
    if (!config.resolver.trustAnchorFiles?.length)
      app.log.warn(
        'no trust anchors (resolver.trustAnchorFiles): x5u chains of other parties are verified without one, and reports say so',
      );
    const address = await app.listen({ port: config.server.port, host: config.server.host });
    service.start();
    app.log.info(
      {
        config: loaded.source,
        did: credentials.did,
        didDocument: new URL(didDocumentPath(config.publicBaseUrl), config.publicBaseUrl).href,
        listening: address,
        database: service.store.where,
        clouds: (await service.store.clouds.list()).map((c) => c.id),
      },
      'gx-gateway started',
    );
    const running = service;
    return {
      app,
      credentials,
      service: running,
      address,
      async close() {
        await app.close();
        await running.close();
        await credentials.close();
      },
    };
  } catch (err) {
    await service?.close();
    await credentials.close();
    throw err;
  }
}
