import type { Command } from 'commander';
import { loadCliConfig, type GlobalOptions } from '../context.js';
import { writeOutput } from '../io.js';

/** For container HEALTHCHECKs: GET /health on the local server named by the configuration. */
export function healthCommand(program: Command, globals: () => GlobalOptions): void {
  program
    .command('health')
    .description('check that the local gateway answers /health (exit 0 when healthy)')
    .action(async () => {
      const { config } = await loadCliConfig(globals());
      const { request } = await import('undici');
      const scheme = config.server.tls ? 'https' : 'http';
      const host = ['0.0.0.0', '::', ''].includes(config.server.host) ? '127.0.0.1' : config.server.host;
      const prefix = new URL(config.publicBaseUrl).pathname.replace(/\/+$/, '');
      const url = `${scheme}://${host.includes(':') ? `[${host}]` : host}:${config.server.port}${prefix}/health`;
      try {
        const res = await request(url, { signal: AbortSignal.timeout(5000) });
        const body = await res.body.text();
        writeOutput(`${res.statusCode} ${body}`);
        if (res.statusCode !== 200) process.exitCode = 1;
      } catch (err) {
        writeOutput(`unhealthy: ${url}: ${(err as Error).message}`);
        process.exitCode = 1;
      }
    });
}
