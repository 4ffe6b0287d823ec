import { loadConfig } from '../config/load.js';
import { CredentialService } from '../credentials/service.js';

export interface GlobalOptions {
  config?: string;
}

/** The credential core for a CLI command, from --config / GXG_CONFIG / ./gx-gateway.yaml / the embedded default. */
export function openService(opts: GlobalOptions): CredentialService {
  const loaded = loadConfig(opts.config ? { file: opts.config } : {});
  return CredentialService.open(loaded);
}

/** Run a command body with the credential core, closing it afterwards. */
export async function withService<T>(opts: GlobalOptions, fn: (svc: CredentialService) => Promise<T> | T): Promise<T> {
  const svc = openService(opts);
  try {
    return await fn(svc);
  } finally {
    await svc.close();
  }
}
