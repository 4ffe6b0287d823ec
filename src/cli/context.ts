import type { LoadedConfig } from '../config/schema.js';
import type { CredentialService } from '../app/credential-service.js';

export interface GlobalOptions {
  config?: string;
}

/** The configuration for a CLI command, from --config / GXG_CONFIG / ./gx-gateway.yaml / the embedded default. */
export async function loadCliConfig(opts: GlobalOptions): Promise<LoadedConfig> {
  const { loadConfig } = await import('../config/load.js');
  return loadConfig(opts.config ? { file: opts.config } : {});
}

/** The credential core for a CLI command (loaded on first use: `--help` and `--version` stay fast). */
export async function openService(opts: GlobalOptions): Promise<CredentialService> {
  const [loaded, { CredentialService }] = await Promise.all([
    loadCliConfig(opts),
    import('../app/credential-service.js'),
  ]);
  return CredentialService.open(loaded);
}

/** Run a command body with the credential core, closing it afterwards. */
export async function withService<T>(opts: GlobalOptions, fn: (svc: CredentialService) => Promise<T> | T): Promise<T> {
  const svc = await openService(opts);
  try {
    return await fn(svc);
  } finally {
    await svc.close();
  }
}
