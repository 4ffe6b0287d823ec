import { main } from '../../src/cli/program.js';

export interface CliResult {
  code: number;
  out: string;
  err: string;
}

/**
 * Run `gx-gateway args…` in this process, as the bin does (same program, same exit codes), in
 * `cwd` with only `env` of the gateway's variables set; stdout, stderr and the exit code captured.
 */
export async function runCli(
  args: string[],
  opts: { cwd?: string; env?: Record<string, string> } = {},
): Promise<CliResult> {
  const savedEnv = { ...process.env };
  const savedCwd = process.cwd();
  for (const k of Object.keys(process.env)) {
    if (/^(GXG_|OS_)/.test(k) || ['KUBECONFIG', 'NETBOX_TOKEN'].includes(k)) delete process.env[k];
  }
  Object.assign(process.env, opts.env ?? {});
  if (opts.cwd) process.chdir(opts.cwd);
  const out: string[] = [];
  const err: string[] = [];
  const stdout = process.stdout.write.bind(process.stdout);
  const stderr = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((c: string | Uint8Array) => (out.push(String(c)), true)) as typeof process.stdout.write;
  process.stderr.write = ((c: string | Uint8Array) => (err.push(String(c)), true)) as typeof process.stderr.write;
  process.exitCode = 0;
  try {
    await main(['node', 'gx-gateway', ...args]);
  } finally {
    process.stdout.write = stdout;
    process.stderr.write = stderr;
    process.chdir(savedCwd);
    for (const k of Object.keys(process.env)) if (!(k in savedEnv)) delete process.env[k];
    Object.assign(process.env, savedEnv);
  }
  const code = Number(process.exitCode ?? 0);
  process.exitCode = 0;
  return { code, out: out.join(''), err: err.join('') };
}
