import { responseText } from '../net/body.js';
import { peerFetch } from '../net/peer-fetch.js';
import type { Store } from '../store/store.js';
import { httpFailure, type Delivery, type DeliveryResult, type Publisher } from './outbox.js';

export const EVENTS_TARGET = 'credential-events';

/**
 * The Gaia-X Credential Event Service as an outbox target: each compliance credential issued or
 * renewed is posted as a CloudEvent of type `eu.gaia-x.credential` (structured mode): a JSON-LD
 * credential in `data`, a VC-JWT (or VP-JWT) in `data_base64`; the outbox item's id is the event id, so a
 * repeat after a crash is the same event. Catalogues polling the service fetch what it covers from
 * the credentials' `id` URLs.
 */
export function credentialEventsPublisher(url: string, deps: { store: Store; source: string }): Publisher {
  const endpoint = `${url.replace(/\/+$/, '')}/credentials-events`;
  return {
    target: EVENTS_TARGET,
    async deliver(d: Delivery, signal: AbortSignal): Promise<DeliveryResult> {
      const row = await deps.store.getCompliance(d.subject);
      if (!row || row.state === 'rejected') return { ok: true };
      const jwt = !row.body.trimStart().startsWith('{');
      const event = {
        specversion: '1.0',
        type: 'eu.gaia-x.credential',
        source: deps.source,
        id: d.id,
        subject: row.id,
        time: row.created_at,
        // As stored: a JSON-LD credential, a VC-JWT, or the Tagus service's VP-JWT of several.
        datacontenttype: row.media_type || (jwt ? 'application/vc+jwt' : 'application/vc+ld+json'),
        ...(jwt
          ? { data_base64: Buffer.from(row.body).toString('base64') }
          : { data: JSON.parse(row.body) as unknown }),
      };
      const r = await peerFetch(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/cloudevents+json', accept: 'application/json' },
        body: JSON.stringify(event),
        signal,
      });
      if (r.ok || r.status === 409) return { ok: true };
      const text = (await responseText(r, 64 * 1024).catch((e: Error) => e.message)).slice(0, 300);
      return httpFailure(
        r.status,
        `the credential event service answered ${r.status}: ${text}`,
        r.headers.get('retry-after'),
      );
    },
  };
}
