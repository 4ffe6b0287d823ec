import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { GatewayError } from '../../core/errors.js';
import { loadCliConfig, type GlobalOptions } from '../context.js';

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

export function serveCommand(program: Command, globals: () => GlobalOptions): void {
  program
    .command('serve')
    .description('start the gateway (the embedded default runs a local demo with development keys)')
    .option('--port <port>', 'override server.port')
    .option('--host <host>', 'override server.host')
    .action(async (o: { port?: string; host?: string }) => {
      const [
        { assertProductionReady, configPath, demoBaseUrl },
        { didDocumentPath },
        { CredentialService },
        { buildApp },
      ] = await Promise.all([
        import('../../config/load.js'),
        import('../../credentials/did-web.js'),
        import('../../app/credential-service.js'),
        import('../../http/app.js'),
      ]);
      const loaded = await loadCliConfig(globals());
      if (o.port) {
        const port = Number(o.port);
        if (!Number.isInteger(port) || port < 0 || port > 65535)
          throw new GatewayError(`--port must be a port number (got "${o.port}")`, 'usage');
        loaded.config.server.port = port;
        // The embedded default's DID and x5u URLs follow its port.
        if (loaded.baseUrlFollowsPort) loaded.config.publicBaseUrl = demoBaseUrl(port);
      }
      if (o.host) loaded.config.server.host = o.host;
      assertProductionReady(loaded);
      const { config } = loaded;
      const credentials = CredentialService.open(loaded);
      const created = config.keys.generateDevKeys ? await credentials.ensureDevKeys() : [];
      let https: { cert: string; key: string } | undefined;
      if (config.server.tls) {
        try {
          https = {
            cert: readFileSync(configPath(loaded, config.server.tls.certFile), 'utf8'),
            key: readFileSync(configPath(loaded, config.server.tls.keyFile), 'utf8'),
          };
        } catch (err) {
          throw new GatewayError(`server.tls: ${(err as Error).message}`, 'bad-config');
        }
      }
      const app = await buildApp(
        { config, credentials },
        { logger: { level: config.log.level, redact: REDACT }, ...(https ? { https } : {}) },
      );
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
      app.log.info(
        {
          config: loaded.source,
          did: credentials.did,
          didDocument: new URL(didDocumentPath(config.publicBaseUrl), config.publicBaseUrl).href,
          listening: address,
        },
        'gx-gateway started',
      );
      const stop = async (signal: string) => {
        app.log.info({ signal }, 'shutting down');
        await app.close();
        await credentials.close();
        process.exit(0);
      };
      process.once('SIGINT', () => void stop('SIGINT'));
      process.once('SIGTERM', () => void stop('SIGTERM'));
    });
}
