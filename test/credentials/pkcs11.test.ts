// Keys in a PKCS#11 token (SoftHSM2, a token initialised for this file): made inside the token,
// sensitive and not extractable; every algorithm's signature checked by independent verifiers
// (node:crypto and jose) against the public key the token gives; a wrong PIN and a missing token are
// clear errors at open; a session the token lost is opened again and the signature still made.
import t from 'tap';
import { createPublicKey, verify, type JsonWebKey as NodeJsonWebKey } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { compactVerify, importJWK } from 'jose';
import pkcs11js from 'pkcs11js';
import { ModuleGate, Pkcs11Token } from '../../src/credentials/keys/pkcs11.js';
import type { JwsAlg, KeyType } from '../../src/credentials/keys/key-types.js';
import { rawToken, softhsmToken } from '../helpers/softhsm.js';

const hsm = softhsmToken();
if ('skip' in hsm) {
  t.plan(0, hsm.skip);
} else {
  t.teardown(() => hsm.remove());
  // Before anything logs in (a PKCS#11 login holds for every session of the process).
  t.throws(
    () => Pkcs11Token.open({ module: hsm.module, tokenLabel: hsm.label, pin: '9999' }),
    { code: 'bad-config', message: /the PIN of token "gx-test" is wrong/ },
    'a wrong PIN is a clear error at open',
  );
  const token = Pkcs11Token.open({ module: hsm.module, tokenLabel: hsm.label, pin: hsm.pin });
  t.teardown(() => token.close());
  const data = Buffer.from('the canonical form of a credential, say');
  /** Whether `sig` is the P-256 token key's ES256 signature of `message` (node:crypto). */
  const es256Holds = (message: Buffer, sig: Uint8Array) =>
    verify(
      'sha256',
      message,
      {
        key: createPublicKey({ key: token.find('gx-p256')!.publicKeyJwk as NodeJsonWebKey, format: 'jwk' }),
        dsaEncoding: 'ieee-p1363',
      },
      sig,
    );
  const cases: [KeyType, string, JwsAlg[]][] = [
    ['P-256', 'gx-p256', ['ES256']],
    ['RSA', 'gx-rsa', ['PS256', 'RS256']],
    ['Ed25519', 'gx-ed25519', ['EdDSA']],
  ];

  t.test('the token offers every algorithm gx-gateway signs with', async (t) => {
    t.same(token.algorithms().sort(), ['ES256', 'EdDSA', 'PS256', 'RS256']);
  });

  for (const [type, label, algs] of cases)
    t.test(`${type}: made in the token, signatures verified independently`, async (t) => {
      const key = token.generate(type, label);
      t.equal(key.type, type);
      t.same(token.find(label), key, 'found again by its label');
      t.same(
        token.protection(label),
        { sign: true, sensitive: true, extractable: false, alwaysSensitive: true, neverExtractable: true },
        'CKA_SENSITIVE true, CKA_EXTRACTABLE false, and always so',
      );
      t.throws(() => token.generate(type, label), { message: /already holds a key/ });
      const pub = createPublicKey({ key: key.publicKeyJwk as NodeJsonWebKey, format: 'jwk' });
      for (const alg of algs) {
        const sig = Buffer.from(await token.sign(label, alg, data));
        const ok =
          alg === 'ES256'
            ? verify('sha256', data, { key: pub, dsaEncoding: 'ieee-p1363' }, sig)
            : alg === 'PS256'
              ? verify('sha256', data, { key: pub, padding: 6, saltLength: 32 }, sig)
              : alg === 'RS256'
                ? verify('sha256', data, pub, sig)
                : verify(null, data, pub, sig);
        t.ok(ok, `${alg}: node:crypto verifies it`);
        t.notOk(
          verify(
            alg === 'EdDSA' ? null : 'sha256',
            Buffer.from('other'),
            alg === 'ES256' ? { key: pub, dsaEncoding: 'ieee-p1363' } : pub,
            sig,
          ),
          `${alg}: not for other data`,
        );
        // A compact JWS made through the Signer interface, verified by jose.
        const signer = token.signer({ ...key, keyId: `did:web:provider.example#${label}`, alg });
        const input = `${Buffer.from(JSON.stringify({ alg, kid: signer.keyId })).toString('base64url')}.${Buffer.from('{"hello":"hsm"}').toString('base64url')}`;
        const jws = `${input}.${Buffer.from(await signer.sign(Buffer.from(input))).toString('base64url')}`;
        const verified = await compactVerify(jws, await importJWK(key.publicKeyJwk, alg));
        t.equal(new TextDecoder().decode(verified.payload), '{"hello":"hsm"}', `${alg}: jose verifies the JWS`);
        t.same(
          JSON.parse(JSON.stringify(signer)),
          { keyId: signer.keyId, type, alg },
          'a Signer serializes to public facts only',
        );
      }
    });

  t.test('no private key material leaves the token', async (t) => {
    // Asked for the private value over the module itself, the token refuses (CKR_ATTRIBUTE_SENSITIVE).
    const raw = rawToken(hsm.module, hsm.label);
    t.teardown(raw.close);
    for (const [label, attribute] of [
      ['gx-p256', pkcs11js.CKA_VALUE],
      ['gx-ed25519', pkcs11js.CKA_VALUE],
      ['gx-rsa', pkcs11js.CKA_PRIVATE_EXPONENT],
      ['gx-rsa', pkcs11js.CKA_PRIME_1],
    ] as const) {
      const handle = raw.privateKey(label);
      t.ok(handle, `${label}: the private key is there`);
      t.throws(
        () => raw.p11.C_GetAttributeValue(raw.session, handle!, [{ type: attribute }]),
        /CKR_ATTRIBUTE_SENSITIVE/,
        `${label}: its secret is not given out`,
      );
    }
  });

  t.test('a session the token lost is opened again, the signature still made', async (t) => {
    const raw = rawToken(hsm.module, hsm.label);
    raw.p11.C_CloseAllSessions(raw.slot); // as a token removed and put back, or the module restarted, would
    t.ok(es256Holds(data, await token.sign('gx-p256', 'ES256', data)), 'signed after a re-login');
  });

  t.test('worker threads sign through the token at once, each with its own session', async (t) => {
    const key = token.find('gx-p256')!;
    const pub = createPublicKey({ key: key.publicKeyJwk as NodeJsonWebKey, format: 'jwk' });
    const count = 300;
    const workers = [0, 1].map(
      () =>
        new Worker(new URL('../helpers/pkcs11-worker.js', import.meta.url), {
          workerData: { ...token.threadOptions(), label: 'gx-p256', count },
        }),
    );
    // The main thread signs meanwhile too, all at once (its sessions take turns).
    const mine = await Promise.all(
      Array.from({ length: count }, async (_, i) =>
        Buffer.from(await token.sign('gx-p256', 'ES256', Buffer.from(`main ${i}`))),
      ),
    );
    const results = await Promise.all(
      workers.map((w) => new Promise<string[]>((resolve, reject) => w.once('message', resolve).once('error', reject))),
    );
    await Promise.all(workers.map((w) => w.terminate()));
    for (const sigs of results) {
      t.equal(sigs.length, count);
      t.ok(
        sigs.every((s, i) =>
          verify(
            'sha256',
            Buffer.from(`message ${i}`),
            { key: pub, dsaEncoding: 'ieee-p1363' },
            Buffer.from(s, 'base64'),
          ),
        ),
        'every signature of the thread verifies',
      );
    }
    t.ok(
      mine.every((s, i) => verify('sha256', Buffer.from(`main ${i}`), { key: pub, dsaEncoding: 'ieee-p1363' }, s)),
      'and the main thread’s',
    );
    t.ok(await token.sign('gx-p256', 'ES256', data), 'the main session still signs after the threads ended');
  });

  t.test('the token taken away: a clear error; put back: signing resumes', async (t) => {
    const { readdirSync, renameSync } = await import('node:fs');
    const { join } = await import('node:path');
    const tokenDir = readdirSync(hsm.dir).find((f) => !f.endsWith('.conf'))!;
    // Out of the token folder: SoftHSM2 takes every folder in it for a token.
    renameSync(join(hsm.dir, tokenDir), `${hsm.dir}-away`);
    await t.rejects(token.sign('gx-p256', 'ES256', data), {
      code: 'unavailable',
      message: /token "gx-test" is not available|no token "gx-test"/,
    });
    await t.rejects(token.sign('gx-p256', 'ES256', data), { code: 'unavailable' }, 'and again, while it is away');
    t.throws(() => token.find('gx-p256'), { code: 'unavailable' }, 'so is a look-up');
    renameSync(`${hsm.dir}-away`, join(hsm.dir, tokenDir));
    t.ok(es256Holds(data, await token.sign('gx-p256', 'ES256', data)), 'signed again once it is back');
  });

  t.test('a signature is made in the module while the thread goes on', async (t) => {
    // PS256 through SoftHSM2 takes milliseconds each: made synchronously, 40 of them would hold the
    // event loop until the last one; made in libuv's pool, the loop turns meanwhile.
    const pub = createPublicKey({ key: token.find('gx-rsa')!.publicKeyJwk as NodeJsonWebKey, format: 'jwk' });
    let turns = 0;
    let spinning = true;
    const spin = () => {
      turns++;
      if (spinning) setImmediate(spin);
    };
    setImmediate(spin);
    const messages = Array.from({ length: 40 }, (_, i) => Buffer.from(`ps256 ${i}`));
    const sigs = await Promise.all(messages.map((m) => token.sign('gx-rsa', 'PS256', m)));
    spinning = false;
    t.ok(turns >= 10, `the event loop turned while the token signed (${turns} turns)`);
    t.ok(
      sigs.every((s, i) => verify('sha256', messages[i]!, { key: pub, padding: 6, saltLength: 32 }, s)),
      'and all 40 signatures verify',
    );
  });

  t.test('signatures in flight at once: a session each, up to keys.pkcs11.sessions', async (t) => {
    const pub = createPublicKey({ key: token.find('gx-p256')!.publicKeyJwk as NodeJsonWebKey, format: 'jwk' });
    for (const [sessions, expected] of [
      [undefined, 4],
      [2, 2],
      [1, 1],
    ] as const) {
      const other = Pkcs11Token.open({
        module: hsm.module,
        tokenLabel: hsm.label,
        pin: hsm.pin,
        ...(sessions ? { sessions } : {}),
      });
      const messages = Array.from({ length: 12 }, (_, i) => Buffer.from(`at once ${i}`));
      const sigs = await Promise.all(messages.map((m) => other.sign('gx-p256', 'ES256', m)));
      t.equal(other.signSessionsOpen, expected, `sessions ${sessions ?? '(default)'}: ${expected} opened for 12`);
      t.ok(
        sigs.every((s, i) => verify('sha256', messages[i]!, { key: pub, dsaEncoding: 'ieee-p1363' }, s)),
        'and every signature verifies',
      );
      other.close();
      t.equal(other.signSessionsOpen, 0, 'closed with the token');
    }
  });

  t.test('the gate: a re-initialisation waits for every thread’s calls, and runs once', async (t) => {
    const gate = new ModuleGate();
    // A call in flight in another thread, held until the thread is told to end it.
    const holder = new Worker(
      `const { parentPort, workerData } = require('node:worker_threads');
       import(workerData.url).then(({ ModuleGate }) => {
         const gate = new ModuleGate(workerData.shared);
         gate.tryEnter();
         parentPort.postMessage('entered');
         parentPort.once('message', () => { gate.leave(); parentPort.postMessage('left'); });
       });`,
      {
        eval: true,
        workerData: { url: new URL('../../src/credentials/keys/pkcs11.js', import.meta.url).href, shared: gate.shared },
      },
    );
    t.teardown(() => holder.terminate());
    await new Promise((resolve) => holder.once('message', resolve));
    let runs = 0;
    const restart = gate.restart(0, () => runs++);
    const second = gate.restart(0, () => runs++);
    t.notOk(gate.tryEnter(), 'no call enters while it waits');
    t.notOk(
      gate.restartNow(0, () => runs++),
      'one that cannot wait does not run',
    );
    await new Promise((resolve) => setImmediate(resolve));
    t.equal(runs, 0, 'not while the other thread is inside the module');
    holder.postMessage('leave');
    await Promise.all([restart, second]);
    t.equal(runs, 1, 'then once, though two callers saw the same failure');
    t.equal(gate.generation, 1);
    await gate.restart(0, () => runs++);
    t.equal(runs, 1, 'a caller that saw an earlier generation does not run it again');
    t.ok(gate.tryEnter(), 'calls enter again');
    gate.leave();
    t.ok(
      gate.restartNow(1, () => runs++),
      'with no call in flight, restartNow runs at once',
    );
    t.equal(runs, 2);
    t.equal(gate.generation, 2);
  });

  t.test('the token taken away while threads sign: every thread recovers once it is back', async (t) => {
    const { readdirSync, renameSync } = await import('node:fs');
    const { join } = await import('node:path');
    const pub = createPublicKey({ key: token.find('gx-p256')!.publicKeyJwk as NodeJsonWebKey, format: 'jwk' });
    type Outcome = { outcome: string; message?: string; sig?: string };
    const seen: Outcome[][] = [[], []];
    const waiters: (() => void)[] = [];
    /** Resolves once `check` holds, looked at after each message of the threads. */
    const until = (check: () => boolean) =>
      new Promise<void>((resolve) => {
        const test = () => {
          if (check()) resolve();
          else waiters.push(test);
        };
        test();
      });
    const workers = [0, 1].map((n) => {
      const w = new Worker(new URL('../helpers/pkcs11-worker.js', import.meta.url), {
        workerData: { ...token.threadOptions(), label: 'gx-p256', loop: true },
      });
      w.on('message', (m: Outcome) => {
        seen[n]!.push(m);
        for (const wake of waiters.splice(0)) wake();
      });
      return w;
    });
    t.teardown(() => Promise.all(workers.map((w) => w.terminate())));
    const count = (n: number, outcome: string, from = 0) =>
      seen[n]!.slice(from).filter((m) => m.outcome === outcome).length;
    await until(() => count(0, 'ok') >= 5 && count(1, 'ok') >= 5);

    const tokenDir = readdirSync(hsm.dir).find((f) => !f.endsWith('.conf'))!;
    renameSync(join(hsm.dir, tokenDir), `${hsm.dir}-away`);
    const away = seen.map((s) => s.length);
    await until(() => count(0, 'unavailable', away[0]) >= 2 && count(1, 'unavailable', away[1]) >= 2);
    await t.rejects(token.sign('gx-p256', 'ES256', data), { code: 'unavailable' }, 'the main thread is told too');

    renameSync(`${hsm.dir}-away`, join(hsm.dir, tokenDir));
    const back = seen.map((s) => s.length);
    await until(() => count(0, 'ok', back[0]) >= 5 && count(1, 'ok', back[1]) >= 5);
    t.ok(es256Holds(data, await token.sign('gx-p256', 'ES256', data)), 'the main thread signs again');
    for (const w of workers) w.postMessage('stop');
    await until(() => count(0, 'stopped') === 1 && count(1, 'stopped') === 1);

    for (const [n, outcomes] of seen.entries()) {
      const odd = outcomes.filter((m) => !['ok', 'unavailable', 'stopped'].includes(m.outcome));
      t.same(odd, [], `thread ${n}: only signatures and "unavailable" (no crash, no other error)`);
      const ok = outcomes.filter((m) => m.outcome === 'ok');
      t.ok(
        ok.every((m) =>
          verify(
            'sha256',
            Buffer.from(m.message!),
            { key: pub, dsaEncoding: 'ieee-p1363' },
            Buffer.from(m.sig!, 'base64'),
          ),
        ),
        `thread ${n}: all ${ok.length} signatures verify`,
      );
    }
  });

  t.test('clear errors at open: a token that is not there, a module that does not load', async (t) => {
    t.throws(() => Pkcs11Token.open({ module: hsm.module, tokenLabel: 'elsewhere', pin: hsm.pin }), {
      message: /no token "elsewhere" .*tokens present: "gx-test"/,
    });
    t.throws(() => Pkcs11Token.open({ module: '/nonexistent/libpkcs11.so', tokenLabel: hsm.label, pin: hsm.pin }), {
      code: 'bad-config',
      message: /keys\.pkcs11\.module: cannot load \/nonexistent\/libpkcs11\.so/,
    });
    await t.rejects(token.sign('no-such-key', 'ES256', data), { message: /holds no key "no-such-key"/ });
    t.throws(
      () => Pkcs11Token.open({ module: hsm.module, tokenLabel: hsm.label, pin: '0000' }),
      { message: /the PIN of token "gx-test" is wrong/ },
      'another PIN while logged in: refused, not "already logged in"',
    );
    const again = Pkcs11Token.open({ module: hsm.module, tokenLabel: hsm.label, pin: hsm.pin });
    t.ok(again.find('gx-p256'), 'the same PIN opens it again');
  });
}
