import type { Command } from 'commander';
import { GatewayError } from '../../core/errors.js';
import { loadCliConfig, type GlobalOptions } from '../context.js';

export function serveCommand(program: Command, globals: () => GlobalOptions): void {
  program
    .command('serve')
    .description('start the gateway (the embedded default runs a local demo with development keys)')
    .option('--port <port>', 'override server.port')
    .option('--host <host>', 'override server.host')
    .action(async (o: { port?: string; host?: string }) => {
      const [{ demoBaseUrl }, { startGateway }] = await Promise.all([
        import('../../config/load.js'),
        import('../../app/server.js'),
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
      const gateway = await startGateway(loaded);
      const stop = async (signal: string) => {
        gateway.app.log.info({ signal }, 'shutting down');
        await gateway.close();
        process.exit(0);
      };
      process.once('SIGINT', () => void stop('SIGINT'));
      process.once('SIGTERM', () => void stop('SIGTERM'));
    });
}
