// The demo peers run on their own, as the README says: each prints its address and answers there.
import t from 'tap';
import { patience } from '../helpers/wait.js';
import { spawn } from 'node:child_process';
import { get as httpGet } from 'node:http';
import { get as httpsGet } from 'node:https';
import { fromRoot } from '../helpers/root.js';

const cases: [string, RegExp, (url: string) => string][] = [
  ['openstack', /fake OpenStack.* at (http:\/\/\S+)/i, (u) => `${u}/`],
  ['kubernetes', /fake Kubernetes API at (http\S+)/, (u) => `${u}/version`],
  ['netbox', /fake NetBox.* at (http:\/\/\S+)/i, (u) => `${u}/api/status/`],
  [
    'oidc',
    /OpenID Connect provider \(oidc-provider\) at (http:\/\/\S+)/,
    (u) => `${u}/.well-known/openid-configuration`,
  ],
  ['xfsc', /fake XFSC federated catalogue \(2025 API\) at (http:\/\/\S+)/, (u) => `${u}/self-descriptions`],
  ['gxdch', /fake Gaia-X clearing house at (http:\/\/\S+)/, (u) => `${u}/registry/v1/shapes/implemented`],
  ['ces', /fake Gaia-X credential event service at (http:\/\/\S+)/, (u) => `${u}/credentials-events`],
];

for (const [name, banner, probe] of cases) {
  t.test(`node dist/src/demo/${name}.js`, async (t) => {
    const child = spawn(process.execPath, [fromRoot('dist', 'src', 'demo', `${name}.js`)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    t.teardown(() => child.kill('SIGTERM'));
    let out = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const m = banner.exec(out);
        if (m) resolve(m[1]!.replace(/[.,;]$/, ''));
      });
      child.once('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
      setTimeout(() => reject(new Error(`no banner within ${patience(20)} s: ${out}`)), patience(20_000)).unref();
    });
    // The fake Kubernetes API serves TLS with its own certificate (its kubeconfig carries the CA).
    const status = await new Promise<number>((resolve, reject) =>
      (url.startsWith('https') ? httpsGet : httpGet)(probe(url), { rejectUnauthorized: false }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      }).on('error', reject),
    );
    t.ok(status > 0 && status < 500, `${name} answers at ${url} (${status})`);
  });
}
