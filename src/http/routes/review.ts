import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import * as oidc from 'openid-client';
import type { DraftSummary } from '../../approval/approvals.js';
import { GatewayError } from '../../core/errors.js';
import { groupBy } from '../../core/group.js';
import { SUITE_IDS, type SuiteId } from '../../core/ids.js';
import { HttpProblem } from '../plugins/problem.js';
import { servicePort, specRoute } from '../route.js';
import { endSession, reviewPath, startSession } from '../sessions.js';
import { decodeSignature } from './officer.js';

const LOGIN_COOKIE = 'gxg_login';
const FLASH_COOKIE = 'gxg_flash';

const esc = (v: unknown) =>
  String(v ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

const CSS = `
:root{--fg:#1d2733;--muted:#5b6673;--line:#d8dee5;--accent:#0b5cad;--ok:#1f7a3a;--bad:#a32020;--bg:#f6f8fa}
*{box-sizing:border-box}body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--fg);margin:0;background:#fff}
header{display:flex;align-items:center;gap:1rem;padding:.7rem 1.5rem;border-bottom:1px solid var(--line);background:var(--bg)}
header h1{font-size:1.1rem;margin:0}header nav{display:flex;gap:1rem;flex:1}header a{color:var(--accent);text-decoration:none}
header form{margin:0}main{max-width:72rem;margin:0 auto;padding:1rem 1.5rem 3rem}
h2{font-size:1.25rem;margin:1.6rem 0 .5rem}h3{font-size:1.05rem;margin:1.2rem 0 .4rem}
table{border-collapse:collapse;width:100%;margin:.4rem 0}th,td{border-bottom:1px solid var(--line);padding:.35rem .5rem;text-align:left;vertical-align:top}
th{font-weight:600;color:var(--muted);font-size:.85rem}code,pre{font:13px/1.4 ui-monospace,SFMono-Regular,Menlo,monospace}
td code{word-break:break-all}pre{background:var(--bg);border:1px solid var(--line);padding:.7rem;overflow:auto;max-height:28rem}
.card{border:1px solid var(--line);border-radius:6px;padding:.8rem 1rem;margin:.8rem 0}
.row{display:flex;flex-wrap:wrap;gap:.6rem;align-items:flex-end}.row>*{margin:0}
label{display:flex;flex-direction:column;font-size:.85rem;color:var(--muted);gap:.2rem}
input,select,textarea{font:inherit;padding:.35rem .45rem;border:1px solid #b9c2cc;border-radius:4px;color:var(--fg)}
textarea{width:100%;min-height:4.5rem;font-family:ui-monospace,monospace;font-size:13px}
button{font:inherit;padding:.4rem .9rem;border-radius:4px;border:1px solid var(--accent);background:var(--accent);color:#fff;cursor:pointer}
button.secondary{background:#fff;color:var(--accent)}button.danger{background:var(--bad);border-color:var(--bad)}
.flash{padding:.6rem .9rem;border-radius:4px;margin:.8rem 0}.flash.ok{background:#e6f4ea;color:var(--ok)}.flash.err{background:#fbe9e9;color:var(--bad)}
.state{display:inline-block;padding:0 .45rem;border-radius:10px;font-size:.8rem;background:var(--bg);border:1px solid var(--line)}
.state.draft{border-color:#c9a400;background:#fff8d6}.state.rejected,.state.revoked{border-color:var(--bad);color:var(--bad)}.state.published{border-color:var(--ok);color:var(--ok)}
details{border-top:1px solid var(--line);padding:.3rem 0}summary{cursor:pointer;padding:.2rem 0}details table{margin:.2rem 0 .5rem 1rem;width:calc(100% - 1rem)}
del{color:var(--bad);text-decoration:none}ins{color:var(--ok);text-decoration:none}.muted{color:var(--muted)}
.login{max-width:28rem;margin:4rem auto}.login .card{padding:1.2rem}
`;

/**
 * The officers' review page: server-rendered HTML, no script, its own style sheet; forms post with
 * the session's CSRF token. Sign-in: OIDC authorization code with PKCE where auth.oidc.clientId is
 * configured, an API token otherwise (or as well).
 */
export default async function reviewRoutes(app: FastifyInstance): Promise<void> {
  const deps = app.gateway;
  const { config } = deps;
  const base = reviewPath(config.publicBaseUrl);
  const oidcCfg = config.auth.oidc;
  const csp = `default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'`;

  const page = (reply: FastifyReply, request: FastifyRequest, title: string, body: string) => {
    const who = request.principal;
    const nav = who
      ? `<nav><a href="${base}">Pending</a><a href="${base}/audit">Audit log</a></nav>
<span class="muted">${esc(who.name)} · ${esc(who.roles.join(', '))}</span>
<form method="post" action="${base}/logout"><input type="hidden" name="csrf" value="${esc(request.session?.csrf)}"><button class="secondary">Sign out</button></form>`
      : '<nav></nav>';
    const q = takeFlash(request, reply);
    const flash = `${q.ok ? `<p class="flash ok" role="status">${esc(q.ok)}</p>` : ''}${q.err ? `<p class="flash err" role="alert">${esc(q.err)}</p>` : ''}`;
    return reply
      .type('text/html; charset=utf-8')
      .header('content-security-policy', csp)
      .header('cache-control', 'no-store')
      .header('referrer-policy', 'no-referrer')
      .send(
        `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)} · gx-gateway review</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,"><link rel="stylesheet" href="${base}/style.css">
</head><body><header><h1>gx-gateway review</h1>${nav}</header><main>${flash}${body}</main></body></html>`,
      );
  };
  // What the last action did, shown once by the next page: in a short-lived cookie the gateway
  // sets, never in the URL (a link cannot put words on the page).
  // The page's short-lived cookies (the flash, the sign-in binding): HttpOnly, Lax, Secure over https.
  const pageCookie = {
    path: base,
    httpOnly: true,
    sameSite: 'lax' as const,
    secure: config.publicBaseUrl.startsWith('https:'),
  };
  const back = (reply: FastifyReply, to: string, msg: { ok?: string; err?: string }) => {
    const u = new URL(to, 'http://x');
    const flash = {
      ...(msg.ok ? { ok: msg.ok.slice(0, 500) } : {}),
      ...(msg.err ? { err: msg.err.slice(0, 500) } : {}),
    };
    void reply.setCookie(FLASH_COOKIE, Buffer.from(JSON.stringify(flash)).toString('base64url'), {
      ...pageCookie,
      maxAge: 60,
    });
    return reply.redirect(`${u.pathname}${u.search}`, 303);
  };
  const takeFlash = (request: FastifyRequest, reply: FastifyReply): { ok?: string; err?: string } => {
    const raw = request.cookies?.[FLASH_COOKIE];
    if (!raw) return {};
    void reply.clearCookie(FLASH_COOKIE, pageCookie);
    try {
      const f = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as Record<string, unknown>;
      return {
        ...(typeof f.ok === 'string' ? { ok: f.ok } : {}),
        ...(typeof f.err === 'string' ? { err: f.err } : {}),
      };
    } catch {
      return {};
    }
  };
  const draftLink = (d: DraftSummary) => `${base}/draft?id=${encodeURIComponent(d.id)}`;
  const csrfField = (request: FastifyRequest) =>
    `<input type="hidden" name="csrf" value="${esc(request.session?.csrf)}">`;

  specRoute(app, 'reviewStyle', async (_request, reply) =>
    reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').send(CSS),
  );

  // --- sign-in

  let oidcConfig: Promise<oidc.Configuration> | undefined;
  const oidcClient = () => {
    if (!oidcCfg?.clientId)
      throw new HttpProblem(404, 'no identity provider is configured for the review page (auth.oidc.clientId)');
    oidcConfig ??= oidc.discovery(
      new URL(oidcCfg.issuer),
      oidcCfg.clientId,
      oidcCfg.clientSecretEnv ? process.env[oidcCfg.clientSecretEnv] : undefined,
      oidcCfg.clientSecretEnv ? undefined : oidc.None(),
      oidcCfg.allowHttp ? { execute: [oidc.allowInsecureRequests], timeout: 10 } : { timeout: 10 },
    );
    oidcConfig.catch(() => (oidcConfig = undefined));
    return oidcConfig;
  };

  specRoute(app, 'reviewLogin', async (request, reply) => {
    const sso = oidcCfg?.clientId
      ? `<p><a href="${base}/oidc"><button type="button">Sign in with ${esc(new URL(oidcCfg.issuer).host)}</button></a></p><p class="muted">or with an API token:</p>`
      : '<p class="muted">Sign in with an API token that holds the officer role.</p>';
    return page(
      reply,
      request,
      'Sign in',
      `<div class="login"><div class="card"><h2>Sign in</h2>${sso}
<form method="post" action="${base}/login"><label>API token <input type="password" name="token" autocomplete="off" required></label>
<p><button>Sign in with token</button></p></form></div></div>`,
    );
  });

  specRoute(app, 'reviewTokenLogin', async (request, reply) => {
    const token = String((request.body as { token?: unknown } | undefined)?.token ?? '').trim();
    try {
      await app.authFailures.check(request);
    } catch (err) {
      return back(reply, `${base}/login`, { err: (err as HttpProblem).detail });
    }
    try {
      // A token kept in the store can be revoked: the session is checked against it on each
      // request. An OIDC access token expires: the session ends with it.
      const { principal, ...basis } = await app.auth.forSession(token);
      await startSession(deps, reply, principal, basis);
      return reply.redirect(base, 303);
    } catch (err) {
      if (err instanceof HttpProblem && err.status === 401) await app.authFailures.failed(request);
      return back(reply, `${base}/login`, { err: err instanceof HttpProblem ? err.detail : 'the token is not valid' });
    }
  });

  // The sign-in is bound to the browser that started it: the state also travels in a short-lived
  // cookie, and a callback whose state is not this browser's is refused (no login CSRF).
  specRoute(app, 'reviewOidcStart', async (_request, reply) => {
    const cfg = await oidcClient();
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    await servicePort(app).store.identities.putLogin({
      state,
      verifier,
      nonce,
      expires_at: new Date(Date.now() + 10 * 60_000).toISOString(),
    });
    const url = oidc.buildAuthorizationUrl(cfg, {
      redirect_uri: `${config.publicBaseUrl.replace(/\/+$/, '')}/review/callback`,
      scope: 'openid profile',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    void reply.setCookie(LOGIN_COOKIE, state, { ...pageCookie, maxAge: 600 });
    return reply.redirect(url.toString(), 302);
  });

  specRoute(app, 'reviewOidcCallback', async (request, reply) => {
    const q = request.query as { state?: string; error?: string; error_description?: string };
    if (q.error)
      return back(reply, `${base}/login`, { err: `the identity provider refused: ${q.error_description ?? q.error}` });
    const bound = request.cookies?.[LOGIN_COOKIE] ?? '';
    void reply.clearCookie(LOGIN_COOKIE, pageCookie);
    if (!q.state || bound.length !== q.state.length || !timingSafeEqual(Buffer.from(bound), Buffer.from(q.state)))
      return back(reply, `${base}/login`, {
        err: 'this sign-in was not started in this browser: start again from the sign-in page',
      });
    const login = await servicePort(app).store.identities.takeLogin(q.state);
    if (!login) return back(reply, `${base}/login`, { err: 'this sign-in expired or was used already: start again' });
    try {
      const cfg = await oidcClient();
      const current = new URL(request.url, config.publicBaseUrl);
      const tokens = await oidc.authorizationCodeGrant(cfg, current, {
        pkceCodeVerifier: login.verifier,
        expectedState: q.state!,
        expectedNonce: login.nonce,
      });
      // The roles come from the access token, checked as every bearer token is (issuer, audience, key).
      const principal = await app.auth.oidc!.verify(tokens.access_token);
      // The session lasts no longer than the access token it was made from.
      const exp = tokens.expiresIn();
      await startSession(deps, reply, principal, exp ? { until: new Date(Date.now() + exp * 1000) } : {});
      return reply.redirect(base, 303);
    } catch (err) {
      const why = err instanceof HttpProblem ? err.detail : (err as Error).message;
      return back(reply, `${base}/login`, { err: `sign-in failed: ${why}` });
    }
  });

  specRoute(app, 'reviewLogout', async (request, reply) => {
    await endSession(deps, request, reply);
    return back(reply, `${base}/login`, { ok: 'signed out' });
  });

  // --- pages

  specRoute(app, 'reviewHome', async (request, reply) => {
    const { approvals, store } = servicePort(app);
    const sets = await approvals.pending();
    const decided = await approvals.decided(undefined, 20);
    const keys = await store.identities.officerKeys();
    const change = (d: DraftSummary) =>
      d.replaces ? `<span class="state">replaces v${esc(d.replaces.split('/v/').pop())}</span>` : '<ins>new</ins>';
    // Per set, its drafts by kind: a summary line each, opened when the set is small.
    const byKind = (ds: DraftSummary[], open: boolean) =>
      [...groupBy(ds, (d) => d.kind)]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([kind, list]) => {
          const replacing = list.filter((d) => d.replaces).length;
          return `<details${open ? ' open' : ''}><summary><strong>${esc(kind)}</strong> <span class="muted">${list.length} · ${list.length - replacing} new${replacing ? `, ${replacing} changed` : ''}</span></summary>
<table><tbody>${list
            .map(
              (d) =>
                `<tr><td><a href="${draftLink(d)}">${esc(d.label)}</a></td><td>${change(d)}</td><td class="muted">${esc(d.createdAt.slice(0, 16).replace('T', ' '))}</td></tr>`,
            )
            .join('')}</tbody></table></details>`;
        })
        .join('');
    const setHtml = sets.length
      ? sets
          .map(
            (s) => `<section class="card" data-cloud="${esc(s.cloud)}" data-profile="${esc(s.profile)}">
<h3>${esc(s.cloud)} · ${esc(s.profile)} <span class="muted">${s.drafts.length} drafts${s.revocations.length ? `, ${s.revocations.length} proposed revocations` : ''}</span></h3>
${byKind(s.drafts, s.drafts.length <= 20)}
${s.revocations.length ? `<p>No longer in the cloud (revoked when the set is approved):</p><ul>${s.revocations.map((r) => `<li>${esc(r.label)} <code class="muted">${esc(r.id)}</code></li>`).join('')}</ul>` : ''}
<div class="row"><form method="post" action="${base}/decide">${csrfField(request)}<input type="hidden" name="action" value="approve"><input type="hidden" name="cloud" value="${esc(s.cloud)}"><input type="hidden" name="profile" value="${esc(s.profile)}"><button>Approve all ${s.drafts.length + s.revocations.length} of ${esc(s.cloud)} · ${esc(s.profile)}</button></form>
<form method="post" action="${base}/decide" class="row">${csrfField(request)}<input type="hidden" name="action" value="reject"><input type="hidden" name="cloud" value="${esc(s.cloud)}"><input type="hidden" name="profile" value="${esc(s.profile)}"><label>Reason <input name="reason" required maxlength="2000" size="36"></label><button class="danger">Reject the set</button></form></div>
</section>`,
          )
          .join('')
      : '<p class="muted">Nothing waits for a decision.</p>';
    const decidedHtml = decided.length
      ? `<table><thead><tr><th>Draft</th><th>State</th><th>By</th><th>Reason</th></tr></thead><tbody>${decided
          .map(
            (d) =>
              `<tr><td><a href="${draftLink(d)}">${esc(d.label)}</a> <span class="muted">${esc(d.kind)} · ${esc(d.profile)}</span></td><td><span class="state ${esc(d.state)}">${esc(d.state)}</span></td><td>${esc(d.decidedBy ?? '')}</td><td>${esc(d.reason ?? (d.supersededBy ? `replaced by ${d.supersededBy}` : ''))}</td></tr>`,
          )
          .join('')}</tbody></table>`
      : '<p class="muted">None yet.</p>';
    return page(
      reply,
      request,
      'Pending drafts',
      `<h2>Pending drafts</h2>${setHtml}
<h2>Revoke a published credential</h2>
<form method="post" action="${base}/decide" class="card row">${csrfField(request)}<input type="hidden" name="action" value="revoke">
<label>Credential id <input name="ids" type="url" required size="60"></label><label>Reason <input name="reason" required maxlength="2000" size="30"></label><button class="danger">Revoke</button></form>
<h2>Rejected and replaced drafts</h2>${decidedHtml}
<h2>Officer keys</h2>${
        keys.length
          ? `<ul>${keys.map((k) => `<li><code>${esc(k.id)}</code> ${esc(k.officer)} · ${esc(k.type)} ${esc(k.alg)}${k.chain_pem ? ' · with X.509 chain' : ''}</li>`).join('')}</ul>`
          : '<p class="muted">No officer key is registered: an admin adds one with <code>gx-gateway officers add</code>.</p>'
      }`,
    );
  });

  specRoute(app, 'reviewDraft', async (request, reply) => {
    const { approvals, store } = servicePort(app);
    const { id } = request.query as { id: string };
    const d = await approvals.show(id);
    const keys = await store.identities.officerKeys();
    const s = d.draft;
    const show = (v: unknown) =>
      v === undefined ? '<span class="muted">(absent)</span>' : `<code>${esc(JSON.stringify(v))}</code>`;
    const changes = d.added
      ? '<p><ins>A new resource</ins>: nothing of it is published yet.</p>'
      : d.changes.length
        ? `<table><thead><tr><th>Field</th><th>Published</th><th>This draft</th></tr></thead><tbody>${d.changes
            .map(
              (c) =>
                `<tr><td><code>${esc(c.path)}</code></td><td><del>${show(c.before)}</del></td><td><ins>${show(c.after)}</ins></td></tr>`,
            )
            .join('')}</tbody></table>`
        : '<p class="muted">No change of content against the published version.</p>';
    const created = new Date(Math.floor(Date.now() / 1000) * 1000).toISOString();
    const pending = s.state === 'draft';
    const keyOptions = keys
      .map((k) => `<option value="${esc(k.id)}">${esc(k.id)} (${esc(k.officer)}, ${esc(k.type)})</option>`)
      .join('');
    const suiteOptions = SUITE_IDS.map(
      (x) => `<option${x === config.signing.defaultSuite ? ' selected' : ''}>${x}</option>`,
    ).join('');
    const actions = pending
      ? `<h2>Decide</h2>
<div class="card row"><form method="post" action="${base}/decide">${csrfField(request)}<input type="hidden" name="action" value="approve"><input type="hidden" name="ids" value="${esc(s.id)}"><button>Approve (the gateway signs)</button></form>
<form method="post" action="${base}/decide" class="row">${csrfField(request)}<input type="hidden" name="action" value="reject"><input type="hidden" name="ids" value="${esc(s.id)}"><label>Reason <input name="reason" required maxlength="2000" size="40"></label><button class="danger">Reject</button></form></div>
<h2>Sign with your own key</h2>
${
  keys.length
    ? `<div class="card"><form method="get" action="${base}/signing-input" class="row"><input type="hidden" name="id" value="${esc(s.id)}"><input type="hidden" name="created" value="${created}">
<label>Officer key <select name="key">${keyOptions}</select></label><label>Suite <select name="suite">${suiteOptions}</select></label><button class="secondary">Download the signing input</button></form>
<p class="muted">1. Download the signing input above, 2. sign the file, e.g. <code>openssl dgst -sha256 -sign officer.pem -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32 signing-input.bin | base64 -w0</code> (PS256) or <code>openssl pkeyutl -sign -inkey officer.pem -rawin -in signing-input.bin | base64 -w0</code> (EdDSA), 3. paste the result below with the same key and suite.</p>
<form method="post" action="${base}/decide">${csrfField(request)}<input type="hidden" name="action" value="signature"><input type="hidden" name="ids" value="${esc(s.id)}"><input type="hidden" name="created" value="${created}">
<div class="row"><label>Officer key <select name="key">${keyOptions}</select></label><label>Suite <select name="suite">${suiteOptions}</select></label></div>
<label>Signature (base64) <textarea name="signature" required></textarea></label><p><button>Upload the signature and publish</button></p></form></div>`
    : '<p class="muted">No officer key is registered yet.</p>'
}`
      : `<p>This draft is <span class="state ${esc(s.state)}">${esc(s.state)}</span>${s.decidedBy ? ` (by ${esc(s.decidedBy)}${s.reason ? `: ${esc(s.reason)}` : ''})` : ''}${s.supersededBy ? `; replaced by <a href="${base}/draft?id=${encodeURIComponent(s.supersededBy)}">${esc(s.supersededBy)}</a>` : ''}.</p>`;
    return page(
      reply,
      request,
      s.label,
      `<h2>${esc(s.label)} <span class="state ${esc(s.state)}">${esc(s.state)}</span></h2>
<table><tbody><tr><th>Subject</th><td><code>${esc(s.subject)}</code></td></tr><tr><th>Version id</th><td><code>${esc(s.id)}</code></td></tr><tr><th>Cloud · profile</th><td>${esc(s.cloud)} · ${esc(s.profile)}</td></tr>
<tr><th>Kind</th><td>${esc(s.kind)}</td></tr><tr><th>Replaces</th><td>${s.replaces ? `<code>${esc(s.replaces)}</code>` : 'nothing (new)'}</td></tr><tr><th>Drafted by run</th><td><code>${esc(s.run)}</code> at ${esc(s.createdAt)}</td></tr></tbody></table>
<h2>Changes</h2>${changes}${actions}
<h2>The credential as it will be signed</h2><pre>${esc(JSON.stringify(d.credential, null, 2))}</pre>
${d.history.length ? `<h2>History</h2><ul>${d.history.map((h) => `<li>${esc(h.at)} ${esc(h.actor)}: ${esc(h.action)} ${esc(h.detail)}</li>`).join('')}</ul>` : ''}`,
    );
  });

  specRoute(app, 'reviewAudit', async (request, reply) => {
    const { store } = servicePort(app);
    const last = await store.audit.last(200);
    return page(
      reply,
      request,
      'Audit log',
      `<h2>Audit log</h2><p class="muted">Newest first; append-only.</p><table><thead><tr><th>When</th><th>Who</th><th>What</th><th>Target</th><th>Detail</th></tr></thead><tbody>${last
        .map(
          (e) =>
            `<tr><td>${esc(e.at.slice(0, 19).replace('T', ' '))}</td><td>${esc(e.actor)}</td><td>${esc(e.action)}</td><td><code>${esc(e.target)}</code></td><td><code>${esc(e.detail)}</code></td></tr>`,
        )
        .join('')}</tbody></table>`,
    );
  });

  specRoute(app, 'reviewSigningInput', async (request, reply) => {
    const q = request.query as { id: string; key: string; suite?: SuiteId; created: string };
    const input = await servicePort(app).approvals.signingInput(q.id, {
      key: q.key,
      ...(q.suite ? { suite: q.suite } : {}),
      created: new Date(q.created),
    });
    return reply
      .type('application/octet-stream')
      .header('content-disposition', 'attachment; filename="signing-input.bin"')
      .header('cache-control', 'no-store')
      .header('x-gx-created', input.created)
      .send(Buffer.from(input.bytes));
  });

  specRoute(app, 'reviewDecide', async (request, reply) => {
    const { approvals } = servicePort(app);
    const b = request.body as Record<string, string | string[] | undefined>;
    const one = (k: string) => (Array.isArray(b[k]) ? b[k][0] : b[k]);
    const ids = ([] as string[]).concat(b.ids ?? []).filter(Boolean);
    const actor = request.principal!.name;
    const target = ids.length
      ? { ids }
      : one('cloud')
        ? { cloud: one('cloud')!, ...(one('profile') ? { profile: one('profile')! } : {}) }
        : {};
    const home =
      ids.length === 1 && one('action') !== 'revoke' ? `${base}/draft?id=${encodeURIComponent(ids[0]!)}` : base;
    try {
      switch (one('action')) {
        case 'approve': {
          const r = await approvals.approve(target, actor);
          return back(reply, home, {
            ok: `approved and published ${r.approved.length}${r.revoked.length ? `, revoked ${r.revoked.length}` : ''}`,
          });
        }
        case 'reject': {
          const r = await approvals.reject(target, one('reason'), actor);
          return back(reply, home, { ok: `rejected ${r.rejected.length}` });
        }
        case 'signature': {
          const created = new Date(one('created') ?? '');
          if (Number.isNaN(created.getTime())) throw new GatewayError('created is missing or not a date', 'usage');
          const r = await approvals.attachSignature(
            ids[0] ?? '',
            {
              key: one('key') ?? '',
              ...(one('suite') ? { suite: one('suite') as SuiteId } : {}),
              created,
              signature: decodeSignature(one('signature') ?? ''),
            },
            actor,
          );
          return back(reply, home, { ok: `signature verified; published with ${r.signedWith}` });
        }
        case 'revoke': {
          const r = await approvals.revoke(ids, one('reason'), actor);
          return back(reply, home, { ok: `revoked ${r.revoked.length}` });
        }
        default:
          throw new GatewayError('unknown action', 'usage');
      }
    } catch (err) {
      if (err instanceof GatewayError || err instanceof HttpProblem)
        return back(reply, home, { err: err instanceof HttpProblem ? err.detail : err.message });
      throw err;
    }
  });
}
