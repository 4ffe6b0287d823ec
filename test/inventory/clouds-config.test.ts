import t from 'tap';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveCloud } from '../../src/inventory/openstack/clouds-config.js';
import { authBody } from '../../src/inventory/openstack/keystone.js';

const dir = mkdtempSync(join(tmpdir(), 'gxg-clouds-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(
  join(dir, 'clouds.yaml'),
  `clouds:
  prod:
    auth:
      auth_url: https://keystone.example:5000/v3/
      username: inventory
      project_name: gx
      user_domain_name: Users
      project_domain_id: default
    region_name: RegionA
    interface: internal
    cacert: ca.pem
  appcred:
    auth_type: v3applicationcredential
    auth:
      auth_url: https://keystone.example:5000
      application_credential_id: 6f3e
  appcred-name:
    auth_type: v3applicationcredential
    auth:
      auth_url: https://keystone.example:5000
      application_credential_name: gx
      application_credential_secret: s
      username: inventory
  token:
    auth_type: v3token
    auth: { auth_url: 'https://keystone.example:5000/v3', token: tok, project_id: p1 }
  domain:
    auth: { auth_url: 'https://keystone.example/v3', username: u, password: p, domain_name: Dom }
    insecure: true
`,
);
writeFileSync(
  join(dir, 'secure.yaml'),
  `clouds:
  prod:
    auth:
      password: from-secure-yaml
  appcred:
    auth:
      application_credential_secret: secret-from-secure
`,
);
const env = { HOME: '/nonexistent' };

t.test('clouds.yaml + secure.yaml in ./', async (t) => {
  const c = resolveCloud({ cloud: 'prod', cwd: dir, env });
  t.match(c, {
    name: 'prod',
    authUrl: 'https://keystone.example:5000/v3',
    regionName: 'RegionA',
    interface: 'internal',
    insecure: false,
    cacert: join(dir, 'ca.pem'),
  });
  t.same(c.auth, { type: 'password', password: 'from-secure-yaml', username: 'inventory', userDomainName: 'Users' });
  t.same(c.scope, { kind: 'project', projectName: 'gx', domainId: 'default' });
  t.same(authBody(c), {
    auth: {
      identity: {
        methods: ['password'],
        password: { user: { name: 'inventory', domain: { name: 'Users' }, password: 'from-secure-yaml' } },
      },
      scope: { project: { name: 'gx', domain: { id: 'default' } } },
    },
  });
});

t.test('OS_CLOUD and OS_* overrides', async (t) => {
  const c = resolveCloud({
    cwd: dir,
    env: { ...env, OS_CLOUD: 'prod', OS_PASSWORD: 'from-env', OS_REGION_NAME: 'RegionB' },
  });
  t.equal(c.regionName, 'RegionB');
  t.equal((c.auth as { password: string }).password, 'from-env');
  const only = resolveCloud({
    cwd: '/',
    env: {
      ...env,
      OS_AUTH_URL: 'https://k.example/v3',
      OS_USERNAME: 'u',
      OS_PASSWORD: 'p',
      OS_PROJECT_NAME: 'x',
      OS_USER_DOMAIN_NAME: 'Default',
      OS_PROJECT_DOMAIN_NAME: 'Default',
      OS_INTERFACE: 'admin',
    },
  });
  t.match(only, {
    name: 'envvars',
    origin: 'OS_* environment variables',
    interface: 'admin',
    scope: { kind: 'project', projectName: 'x', domainName: 'Default' },
  });
  const explicit = join(dir, 'elsewhere.yaml');
  writeFileSync(
    explicit,
    'clouds:\n  other:\n    auth: { auth_url: "https://o.example/v3", username: a, password: b, project_name: c }\n',
  );
  t.equal(
    resolveCloud({ cloud: 'other', cwd: '/', env: { ...env, OS_CLIENT_CONFIG_FILE: explicit } }).authUrl,
    'https://o.example/v3',
  );
});

t.test('application credentials by id or by name, tokens, domain scope', async (t) => {
  const a = resolveCloud({ cloud: 'appcred', cwd: dir, env });
  t.same(a.auth, { type: 'application_credential', secret: 'secret-from-secure', id: '6f3e' });
  t.same(a.scope, { kind: 'none' }, 'application credentials carry their own scope');
  t.same((authBody(a).auth as { identity: unknown }).identity, {
    methods: ['application_credential'],
    application_credential: { id: '6f3e', secret: 'secret-from-secure' },
  });
  const byName = resolveCloud({ cloud: 'appcred-name', cwd: dir, env });
  t.same((authBody(byName).auth as { identity: unknown }).identity, {
    methods: ['application_credential'],
    application_credential: { name: 'gx', secret: 's', user: { name: 'inventory', domain: { name: 'Default' } } },
  });
  const tok = resolveCloud({ cloud: 'token', cwd: dir, env });
  t.same(authBody(tok), {
    auth: { identity: { methods: ['token'], token: { id: 'tok' } }, scope: { project: { id: 'p1' } } },
  });
  const dom = resolveCloud({ cloud: 'domain', cwd: dir, env });
  t.same(dom.scope, { kind: 'domain', domainName: 'Dom' });
  t.equal(dom.insecure, true);
});

t.test('errors say what to fix', async (t) => {
  t.throws(
    () => resolveCloud({ cloud: 'nope', cwd: dir, env }),
    /cloud "nope" is not in .*clouds\.yaml \(it has: prod, appcred, appcred-name, token, domain\)/,
  );
  t.throws(() => resolveCloud({ cwd: '/', env }), /no OpenStack cloud selected: pass --cloud NAME/);
  const d2 = join(dir, 'nopass');
  mkdirSync(d2);
  writeFileSync(
    join(d2, 'clouds.yaml'),
    'clouds:\n  x:\n    auth: { auth_url: "https://k/v3", username: u, project_name: p }\n',
  );
  t.throws(
    () => resolveCloud({ cloud: 'x', cwd: d2, env }),
    /password is missing \(put it in secure\.yaml or OS_PASSWORD\)/,
  );
  writeFileSync(
    join(d2, 'clouds.yaml'),
    'clouds:\n  x:\n    auth_type: v3oidcpassword\n    auth: { auth_url: "https://k/v3" }\n',
  );
  t.throws(() => resolveCloud({ cloud: 'x', cwd: d2, env }), /auth_type "v3oidcpassword" is not supported/);
});
