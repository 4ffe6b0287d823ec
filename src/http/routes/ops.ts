import type { FastifyInstance } from 'fastify';
import { packageVersion } from '../../paths.js';
import { openapi, operations } from '../openapi.js';
import { HttpProblem } from '../plugins/problem.js';
import { accessLabel, specRoute } from '../route.js';

const escape = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** Health, readiness, the OpenAPI document and its docs page (public). */
export default async function opsRoutes(app: FastifyInstance): Promise<void> {
  const base = app.gateway.config.publicBaseUrl;

  specRoute(app, 'getHealth', async () => ({
    status: 'ok',
    version: packageVersion,
    did: app.gateway.credentials.did,
  }));

  specRoute(
    app,
    'getReady',
    async () => {
      const service = app.gateway.service;
      const checks = service
        ? await service.ready()
        : { database: false, keys: app.gateway.credentials.keys.list().length > 0 };
      if (Object.values(checks).every(Boolean)) return { status: 'ready', checks };
      const failing = Object.entries(checks)
        .filter(([, ok]) => !ok)
        .map(([k]) => k);
      throw new HttpProblem(503, `not ready: ${failing.join(', ')}`, 'about:blank', { 'retry-after': '5' }, { checks });
    },
    { rateLimit: false },
  );

  const spec = { ...openapi(), servers: [{ url: base, description: 'this gateway' }] };
  const specJson = JSON.stringify(spec);
  specRoute(app, 'getOpenApi', async (_request, reply) =>
    reply.type('application/json').header('access-control-allow-origin', '*').send(specJson),
  );

  const rows = operations()
    .map(
      (o) =>
        `<tr><td><code>${o.method}</code></td><td><code>${escape(o.path)}</code></td><td>${escape(accessLabel(o))}</td><td>${escape(String(o.spec.summary ?? ''))}</td></tr>`,
    )
    .join('\n');
  const page = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>gx-gateway API ${escape(packageVersion)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,">
<style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:72rem}table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.4rem;text-align:left;vertical-align:top}code{font-size:.95em}</style>
</head><body>
<h1>gx-gateway API</h1>
<p>Version ${escape(packageVersion)} at <code>${escape(base)}</code>. The contract: <a href="${escape(new URL(base).pathname.replace(/\/+$/, ''))}/openapi.json">openapi.json</a>. Errors are RFC 9457 problem details. Operations for a role take <code>Authorization: Bearer &lt;API token or OIDC access token&gt;</code> (token), or the review page's sign-in.</p>
<table><thead><tr><th>Method</th><th>Path</th><th>Who</th><th>What</th></tr></thead>
<tbody>
${rows}
</tbody></table>
</body></html>`;
  specRoute(app, 'getDocs', async (_request, reply) =>
    reply
      .type('text/html; charset=utf-8')
      .header(
        'content-security-policy',
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'",
      )
      .send(page),
  );
}
