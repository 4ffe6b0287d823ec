import { GatewayError } from '../core/errors.js';
import { excerpt } from '../core/excerpt.js';

/**
 * fetch for the gateway's peers (clearing houses, notaries, registries, catalogues, their identity
 * providers, the event service): a redirect is never followed, since a write sent again to another
 * host would carry our body and our token there. A 3xx answer is an error that says where it
 * pointed, so the operator can configure that URL instead.
 */
export async function peerFetch(url: string, init: RequestInit): Promise<Response> {
  const r = await fetch(url, { ...init, redirect: 'manual' });
  if (r.status >= 300 && r.status < 400) {
    await r.body?.cancel().catch(() => undefined);
    let to = '(no Location)';
    try {
      const location = r.headers.get('location');
      if (location) {
        const target = new URL(location, url);
        to = `${target.origin}${target.pathname}`;
      }
    } catch {
      to = '(an invalid Location)';
    }
    throw new GatewayError(
      `${new URL(url).host} answered ${r.status}, a redirect to ${excerpt(to, 200)}: redirects are not followed; configure the URL it points to`,
      'unavailable',
    );
  }
  return r;
}
