import { decodeJwt } from 'jose';
import { responseText } from '../net/body.js';
import { peerFetch } from '../net/peer-fetch.js';
import type { Store } from '../store/store.js';
import { httpFailure, type Delivery, type DeliveryResult, type Publisher } from './outbox.js';

export const EVENTS_TARGET = 'credential-events';

/**
 * What a catalogue subscribed to the event service reads from one compliance credential: the XFSC
 * catalogue's CES subscriber takes `data` as a JSON object and walks its `credentialSubject` array
 * (each `id` fetched, its `gx:integrity` compared); it never reads `data_base64`. So a JWT answer is
 * carried decoded: a VC-JWT's credential (its `vc` claim, or the payload itself for VC-JOSE), and
 * for the Tagus service's VP-JWT one event per VC-JWT inside. The signed bytes stay at `subject`
 * (the compliance credential's URL, served as received).
 */
function eventPayloads(body: string): unknown[] {
  const text = body.trim();
  if (text.startsWith('{')) return [JSON.parse(text) as unknown];
  const claims = decodeJwt(text) as { vc?: unknown; vp?: { verifiableCredential?: unknown } };
  if (claims.vp) {
    const inner = [claims.vp.verifiableCredential ?? []].flat();
    return inner.flatMap((c) => (typeof c === 'string' ? eventPayloads(c) : [c]));
  }
  return [claims.vc ?? claims];
}

/**
 * The Gaia-X Credential Event Service as an outbox target: each compliance credential issued or
 * renewed is posted as a CloudEvent of type `eu.gaia-x.credential` (structured mode, sent as
 * `application/json` as the XFSC catalogue's own CES client sends it), the credential in `data`
 * (see eventPayloads); the outbox item's id is the event id (`<id>-<n>` for the n-th VC-JWT of a
 * VP-JWT), so a repeat after a crash is the same event (409: it has it). Catalogues polling the
 * service fetch what it covers from the credentials' `id` URLs.
 */
export function credentialEventsPublisher(url: string, deps: { store: Store; source: string }): Publisher {
  const endpoint = `${url.replace(/\/+$/, '')}/credentials-events`;
  return {
    target: EVENTS_TARGET,
    async deliver(d: Delivery, signal: AbortSignal): Promise<DeliveryResult> {
      const row = await deps.store.compliance.get(d.subject);
      if (!row || row.state === 'rejected') return { ok: true };
      const jwt = !row.body.trimStart().startsWith('{');
      const payloads = eventPayloads(row.body);
      for (const [i, data] of payloads.entries()) {
        const event = {
          specversion: '1.0',
          type: 'eu.gaia-x.credential',
          source: deps.source,
          id: payloads.length > 1 ? `${d.id}-${i + 1}` : d.id,
          subject: row.id,
          time: row.created_at,
          datacontenttype: jwt ? 'application/json' : row.media_type || 'application/vc+ld+json',
          data,
        };
        const r = await peerFetch(endpoint, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json' },
          body: JSON.stringify(event),
          signal,
        });
        if (r.ok || r.status === 409) {
          await r.body?.cancel();
          continue;
        }
        const text = (await responseText(r, 64 * 1024).catch((e: Error) => e.message)).slice(0, 300);
        return httpFailure(
          r.status,
          `the credential event service answered ${r.status}: ${text}`,
          r.headers.get('retry-after'),
        );
      }
      return { ok: true };
    },
  };
}
