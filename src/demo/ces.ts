import { fileURLToPath } from 'node:url';
import { startFake, type FakeResponse, type FakeServer } from './http.js';

/**
 * The Gaia-X Credential Event Service, as its clients see it (the XFSC catalogue's CesRestClient and
 * its recorded lab answers): `POST /credentials-events` takes a CloudEvent (structured mode, type
 * `eu.gaia-x.credential`, sent as `application/json`; 409 for an id it has) and answers **201 with
 * `Location: …/credentials-events/{id}` and no body**; `GET /credentials-events?page=&size=&lastReceivedID=`
 * lists them in order, each with the `cesreceiveddate` it adds; `GET /credentials-events/{id}` one.
 * Errors are NestJS bodies.
 */
export interface CloudEvent {
  specversion: string;
  type: string;
  source: string;
  id: string;
  time?: string;
  datacontenttype?: string;
  data?: unknown;
  data_base64?: string;
  [k: string]: unknown;
}

export interface FakeEventService extends FakeServer {
  events: CloudEvent[];
}

const bad = (message: string): FakeResponse => ({
  status: 400,
  json: { statusCode: 400, message, error: 'Bad Request' },
});

export async function startFakeEventService(opts: { port?: number } = {}): Promise<FakeEventService> {
  const events: CloudEvent[] = [];
  const fake = await startFake(
    (req, url, body) => {
      const one = /^\/credentials-events\/([^/]+)$/.exec(url.pathname);
      if (one && req.method === 'GET') {
        const e = events.find((x) => x.id === decodeURIComponent(one[1]!));
        return e
          ? { json: e }
          : { status: 404, json: { statusCode: 404, message: `event ${one[1]} not found`, error: 'Not Found' } };
      }
      if (url.pathname !== '/credentials-events') return undefined;
      if (req.method === 'GET') {
        const size = Math.min(Number(url.searchParams.get('size') ?? 20) || 20, 100);
        const page = Number(url.searchParams.get('page') ?? 0) || 0;
        const last = url.searchParams.get('lastReceivedID');
        const from = last ? events.findIndex((e) => e.id === last) + 1 : page * size;
        return { json: events.slice(from, from + size) };
      }
      if (req.method !== 'POST') return undefined;
      if (!/^application\/(cloudevents\+)?json/.test(req.headers['content-type'] ?? ''))
        return { status: 415, json: { statusCode: 415, message: 'expected application/cloudevents+json' } };
      let e: CloudEvent;
      try {
        e = JSON.parse(body) as CloudEvent;
      } catch {
        return bad('the body is not JSON');
      }
      if (e.specversion !== '1.0') return bad('specversion must be 1.0');
      if (e.type !== 'eu.gaia-x.credential') return bad(`unknown event type ${String(e.type)}`);
      if (!e.id || !e.source) return bad('id and source are required');
      if ((e.data === undefined) === (e.data_base64 === undefined)) return bad('exactly one of data and data_base64');
      if (events.some((x) => x.id === e.id && x.source === e.source))
        return { status: 409, json: { statusCode: 409, message: `event ${e.id} exists`, error: 'Conflict' } };
      events.push({ ...e, cesreceiveddate: new Date().toISOString() });
      return {
        status: 201,
        headers: { location: `${fake.url}/credentials-events/${encodeURIComponent(e.id)}` },
        text: '',
      };
    },
    { ...(opts.port !== undefined ? { port: opts.port } : {}) },
  );
  return Object.assign(fake, { events });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const fake = await startFakeEventService({ port: Number(process.argv[2] ?? 0) });
  process.stdout.write(`fake Gaia-X credential event service at ${fake.url}\n`);
}
