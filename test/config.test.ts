import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { envNameFor, loadConfig } from '../src/config/load.js';
import { fromRoot } from './helpers/root.js';

const dir = mkdtempSync(join(tmpdir(), 'gxg-config-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const write = (name: string, text: string) => {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
};

t.test('embedded default when there is no file', async (t) => {
  const { config, source } = loadConfig({ cwd: dir, env: {} });
  t.equal(source, '(embedded default)');
  t.equal(config.publicBaseUrl, 'http://localhost:8080');
  t.equal(config.server.port, 8080);
  t.equal(config.keys.generateDevKeys, true);
  t.equal(config.signing.defaultSuite, 'jws2020');
});

t.test('a file with defaults filled in, relative paths against its folder', async (t) => {
  const file = write('a.yaml', 'publicBaseUrl: https://provider.example/gx/\nkeys:\n  dir: keys\n');
  const loaded = loadConfig({ file, env: {} });
  t.equal(loaded.config.publicBaseUrl, 'https://provider.example/gx', 'trailing slash trimmed');
  t.equal(loaded.config.keys.generateDevKeys, false, 'no dev keys unless asked for');
  t.equal(loaded.config.resolver.allowPrivateNetworks, false, 'private networks refused by default');
  t.equal(loaded.baseDir, dir);
});

t.test('environment overrides', async (t) => {
  const file = write('b.yaml', 'publicBaseUrl: https://provider.example\n');
  const { config } = loadConfig({
    file,
    env: {
      GXG_SERVER__PORT: '9443',
      GXG_RESOLVER__ALLOW_PRIVATE_NETWORKS: 'true',
      GXG_RESOLVER__TRUST_ANCHOR_FILES: 'a.pem, b.pem',
      GXG_PUBLIC_BASE_URL: 'https://other.example',
      GXG_KEY_PASSPHRASE: 'not config',
    },
  });
  t.equal(config.server.port, 9443);
  t.equal(config.resolver.allowPrivateNetworks, true);
  t.same(config.resolver.trustAnchorFiles, ['a.pem', 'b.pem']);
  t.equal(config.publicBaseUrl, 'https://other.example');
  t.equal(envNameFor('resolver.allowPrivateNetworks'), 'GXG_RESOLVER__ALLOW_PRIVATE_NETWORKS');
  const viaEnv = loadConfig({ cwd: '/', env: { GXG_CONFIG: file } });
  t.equal(viaEnv.source, file, 'GXG_CONFIG names the file');
});

t.test('errors name the key and what is wrong', async (t) => {
  const bad = write(
    'c.yaml',
    'publicBaseUrl: ftp://x\nserver:\n  port: 70000\n  prot: 1\nsigning:\n  defaultSuite: rsa\n',
  );
  let message = '';
  try {
    loadConfig({ file: bad, env: {} });
  } catch (err) {
    message = (err as Error).message;
  }
  t.match(message, /^configuration .*c\.yaml: /, 'names the file');
  for (const part of [
    /publicBaseUrl must match pattern/,
    /server\.port must be <= 65535/,
    /server\.prot is not a configuration key/,
    /signing\.defaultSuite must be one of jws2020/,
  ]) {
    t.match(message, part, `reports ${part.source}`);
  }
  t.throws(() => loadConfig({ file: write('d.yaml', 'server: {}\n'), env: {} }), /publicBaseUrl is required/);
  t.throws(() => loadConfig({ file: write('e.yaml', 'publicBaseUrl: [\n'), env: {} }), /not valid YAML/);
  t.throws(() => loadConfig({ file: join(dir, 'missing.yaml'), env: {} }), /missing\.yaml does not exist/);
  t.throws(() => loadConfig({ cwd: dir, env: { GXG_SERVR__PORT: '1' } }), /GXG_SERVR__PORT is not a configuration key/);
  t.throws(() => loadConfig({ cwd: dir, env: { GXG_SERVER__PORT: 'eighty' } }), /server\.port must be integer/);
});

t.test('gx-gateway.example.yaml is valid and documents every key with its default', async (t) => {
  const { readFileSync } = await import('node:fs');
  const { parse } = await import('yaml');
  const { configSchema } = await import('../src/config/schema.js');
  const example = fromRoot('gx-gateway.example.yaml');
  const loaded = loadConfig({ file: example, env: {} });
  const text = readFileSync(example, 'utf8');
  const raw = parse(text) as Record<string, Record<string, unknown>>;
  // The defaults of a configuration file (the embedded default keeps its store beside its dev keys).
  const defaults = loadConfig({ file: write('minimal.yaml', 'publicBaseUrl: https://provider.example\n'), env: {} })
    .config as unknown as Record<string, Record<string, unknown>>;
  for (const [section, spec] of Object.entries(configSchema.properties)) {
    const props = (spec as { properties?: Record<string, unknown> }).properties;
    if (!props) continue;
    for (const key of Object.keys(props)) {
      t.ok(text.includes(`${key}:`), `${section}.${key} is documented`);
      if (
        raw[section]?.[key] !== undefined &&
        section !== 'keys' &&
        section !== 'resolver' &&
        section !== 'provider' &&
        section !== 'sources'
      ) {
        t.same(raw[section]![key], defaults[section]![key], `${section}.${key} shows the default`);
      }
    }
  }
  t.equal(loaded.config.publicBaseUrl, 'https://provider.example');
});
