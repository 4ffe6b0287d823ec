import { readFileSync } from 'node:fs';
import type { BlockList } from 'node:net';
import { Agent, request, type Dispatcher } from 'undici';
import { readBounded } from './body.js';
import { assertHostAllowed, guardedLookup, httpsOrDevLoopback } from './guard.js';

/**
 * The guard of a client whose URLs someone outside the configuration named (a cloud added over the
 * API): public addresses only, besides the private networks allowed; https only, besides plain http
 * to loopback for development; and errors that tell nothing about the target's network (a port
 * that refuses, resets or stays silent all read the same).
 */
export interface OutboundGuard {
  networks: BlockList;
  allowHttp: boolean;
  /** What a refusal tells the operator to change. */
  hint: string;
}

export interface HttpClientOptions {
  /** Concurrent requests at most (per client). */
  concurrency: number;
  /** Per-request timeout (headers and body). */
  timeoutMs: number;
  /** Retries of idempotent requests after a network error, 429, 502, 503 or 504. */
  retries: number;
  /** First back-off; doubles each retry unless the server sends Retry-After. */
  backoffMs: number;
  /** Longest Retry-After honoured. */
  maxRetryAfterMs: number;
  /** TLS: extra CA certificates (PEM text or file), client certificate and key, or no verification. */
  tls?: { ca?: string; cert?: string; key?: string; insecure?: boolean };
  /** Largest response body accepted. */
  maxBytes: number;
  /** Untrusted URLs: the outbound guard (none: the configuration's own endpoints). */
  guard?: OutboundGuard;
}

export const defaultHttpOptions: HttpClientOptions = {
  concurrency: 8,
  timeoutMs: 30_000,
  retries: 3,
  backoffMs: 250,
  maxRetryAfterMs: 30_000,
  maxBytes: 64 * 1024 * 1024,
};

export class HttpError extends Error {
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly url: string,
    readonly body?: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** A stream whose content cannot be read (a line not JSON, or too long): what came before it holds, what follows is lost. */
export class StreamFormatError extends HttpError {}

export interface HttpResponse<T> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: T;
}

export interface RequestStats {
  requests: number;
  retries: number;
  /** Sum of the durations of all requests: what they would take one after another. */
  totalMs: number;
}

/** A small semaphore: at most `n` tasks at once, FIFO. */
export class Limiter {
  private active = 0;
  private readonly queue: (() => void)[] = [];
  constructor(private readonly n: number) {}
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.n) await new Promise<void>((resolve) => this.queue.push(resolve));
    this.active++;
    try {
      return await task();
    } finally {
      this.active--;
      this.queue.shift()?.();
    }
  }
}

const RETRY_STATUS = new Set([429, 502, 503, 504]);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function retryAfterMs(header: string | string[] | undefined, fallback: number, max: number): number {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return fallback;
  const seconds = Number(value);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(value) - Date.now();
  return Math.min(Math.max(0, Number.isFinite(ms) ? ms : fallback), max);
}

/** Remove credentials from URLs before they reach an error message or a log. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.username || u.password) {
      u.username = '';
      u.password = '';
    }
    for (const key of [...u.searchParams.keys()]) {
      if (/token|secret|password|key/i.test(key)) u.searchParams.set(key, 'REDACTED');
    }
    return u.toString();
  } catch {
    return url;
  }
}

/**
 * JSON over HTTP for introspection: bounded concurrency, per-request timeouts, retries with
 * exponential back-off for idempotent GETs honouring Retry-After, a body size limit, and errors
 * that name the URL but never a credential.
 */
export class HttpClient {
  readonly stats: RequestStats = { requests: 0, retries: 0, totalMs: 0 };
  private readonly limiter: Limiter;
  private readonly dispatcher: Dispatcher;

  constructor(readonly options: HttpClientOptions = defaultHttpOptions) {
    this.limiter = new Limiter(options.concurrency);
    const tls = options.tls;
    const readPem = (v?: string) => (v && !v.includes('-----BEGIN') ? readFileSync(v, 'utf8') : v);
    this.dispatcher = new Agent({
      connections: options.concurrency,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      connect: {
        timeout: options.timeoutMs,
        ...(options.guard ? { lookup: guardedLookup(options.guard.networks, options.guard.hint) } : {}),
        ...(tls?.ca ? { ca: readPem(tls.ca) } : {}),
        ...(tls?.cert ? { cert: readPem(tls.cert) } : {}),
        ...(tls?.key ? { key: readPem(tls.key) } : {}),
        ...(tls?.insecure ? { rejectUnauthorized: false } : {}),
      },
    });
  }

  async getJson<T = unknown>(url: string, headers: Record<string, string> = {}): Promise<HttpResponse<T>> {
    return this.send<T>('GET', url, headers, undefined, true);
  }

  async postJson<T = unknown>(
    url: string,
    body: unknown,
    headers: Record<string, string> = {},
  ): Promise<HttpResponse<T>> {
    return this.send<T>('POST', url, { 'content-type': 'application/json', ...headers }, JSON.stringify(body), false);
  }

  /** An untrusted URL (the client has a guard): https (or development http to loopback), an allowed host. */
  private checkGuard(url: string): void {
    const { guard } = this.options;
    if (!guard) return;
    const target = new URL(url);
    if (!httpsOrDevLoopback(target, guard.allowHttp))
      throw new HttpError(
        `refusing ${redactUrl(url)}: only https is allowed (${guard.hint})`,
        undefined,
        redactUrl(url),
      );
    try {
      assertHostAllowed(target, guard.networks, guard.hint);
    } catch (err) {
      throw new HttpError((err as Error).message, undefined, redactUrl(url));
    }
  }

  private async send<T>(
    method: 'GET' | 'POST',
    url: string,
    headers: Record<string, string>,
    body: string | undefined,
    idempotent: boolean,
  ): Promise<HttpResponse<T>> {
    const attempts = idempotent ? this.options.retries + 1 : 1;
    const { guard } = this.options;
    this.checkGuard(url);
    let lastError: unknown;
    for (let attempt = 0; attempt < attempts; attempt++) {
      if (attempt > 0) this.stats.retries++;
      let wait = this.options.backoffMs * 2 ** attempt;
      try {
        const res = await this.limiter.run(() => this.once<T>(method, url, headers, body));
        // 300 Multiple Choices is an answer (Keystone's and others' version discovery); the others of
        // 3xx are redirects, which are not followed.
        if (res.status < 301) return res;
        if (res.status < 400)
          throw new HttpError(
            `${method} ${redactUrl(url)} answered HTTP ${res.status}, a redirect${guard ? '' : ` to ${redactUrl(String(res.headers.location ?? '?'))}`}: redirects are not followed (configure the URL it redirects to)`,
            res.status,
            redactUrl(url),
          );
        const text = typeof res.body === 'string' ? res.body : JSON.stringify(res.body);
        const error = new HttpError(
          // An untrusted URL's answer is not quoted: the target may be a service of the gateway's own network.
          `${method} ${redactUrl(url)} answered HTTP ${res.status}${guard ? '' : describeBody(text)}`,
          res.status,
          redactUrl(url),
          text.slice(0, 2000),
        );
        if (!idempotent || !RETRY_STATUS.has(res.status)) throw error;
        lastError = error;
        wait = retryAfterMs(res.headers['retry-after'], wait, this.options.maxRetryAfterMs);
      } catch (err) {
        if (err instanceof HttpError && (!idempotent || !RETRY_STATUS.has(err.status ?? 0))) throw err;
        if (!(err instanceof HttpError)) {
          const e = err as {
            code?: string;
            message?: string;
            name?: string;
            cause?: { message?: string; code?: string };
          };
          const refused = e.cause?.code === 'EPRIVATE' || e.code === 'EPRIVATE';
          const reason = refused
            ? (e.cause?.message ?? e.message ?? String(err))
            : guard
              ? 'no answer (the connection was refused, closed or timed out)'
              : e.name === 'HeadersTimeoutError' ||
                  e.name === 'BodyTimeoutError' ||
                  e.code === 'UND_ERR_CONNECT_TIMEOUT' ||
                  e.name === 'TimeoutError'
                ? `timed out after ${this.options.timeoutMs} ms`
                : (e.cause?.message ?? e.message ?? String(err));
          lastError = new HttpError(`${method} ${redactUrl(url)} failed: ${reason}`, undefined, redactUrl(url));
          if (!idempotent || refused) throw lastError;
        }
      }
      if (attempt + 1 < attempts) await sleep(wait);
    }
    throw lastError;
  }

  private async once<T>(
    method: string,
    url: string,
    headers: Record<string, string>,
    body?: string,
  ): Promise<HttpResponse<T>> {
    this.stats.requests++;
    const started = performance.now();
    try {
      return await this.exchange<T>(method, url, headers, body);
    } finally {
      this.stats.totalMs += performance.now() - started;
    }
  }

  private async exchange<T>(
    method: string,
    url: string,
    headers: Record<string, string>,
    body?: string,
  ): Promise<HttpResponse<T>> {
    const res = await request(url, {
      method: method as 'GET' | 'POST',
      headers: { accept: 'application/json', ...headers },
      ...(body !== undefined ? { body } : {}),
      dispatcher: this.dispatcher,
      signal: AbortSignal.timeout(this.options.timeoutMs),
    });
    const text = (
      await readBounded(
        res.body,
        this.options.maxBytes,
        () =>
          new HttpError(
            `${method} ${redactUrl(url)}: response larger than ${this.options.maxBytes} bytes`,
            res.statusCode,
            redactUrl(url),
          ),
      )
    ).toString('utf8');
    let parsed: unknown = text;
    const type = String(res.headers['content-type'] ?? '');
    if (text && (type.includes('json') || /^\s*[[{]/.test(text))) {
      try {
        parsed = JSON.parse(text);
      } catch {
        if (res.statusCode < 400)
          throw new HttpError(
            `${method} ${redactUrl(url)}: the response is not valid JSON`,
            res.statusCode,
            redactUrl(url),
          );
      }
    }
    return { status: res.statusCode, headers: res.headers, body: parsed as T };
  }

  /**
   * A long-lived GET whose body is newline-delimited JSON (a Kubernetes watch): each line parsed and
   * handed to `onLine` as it arrives. One attempt, no retries (the caller resumes); a non-2xx answer
   * throws an HttpError carrying the status and (bounded) body; a line longer than `maxLineBytes`
   * or not JSON ends the stream with an error; `idleMs` without a byte ends it too. Resolves when
   * the server ends the stream or `signal` aborts it.
   */
  async streamLines(
    url: string,
    headers: Record<string, string>,
    opts: { onLine(value: unknown): void; maxLineBytes: number; idleMs: number; signal?: AbortSignal },
  ): Promise<void> {
    this.checkGuard(url);
    this.stats.requests++;
    let res: Dispatcher.ResponseData;
    try {
      res = await request(url, {
        method: 'GET',
        headers: { accept: 'application/json', ...headers },
        dispatcher: this.dispatcher,
        headersTimeout: this.options.timeoutMs,
        bodyTimeout: opts.idleMs,
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
    } catch (err) {
      if (opts.signal?.aborted) return;
      const e = err as { message?: string; cause?: { message?: string } };
      throw new HttpError(
        `GET ${redactUrl(url)} failed: ${e.cause?.message ?? e.message ?? String(err)}`,
        undefined,
        redactUrl(url),
      );
    }
    if (res.statusCode >= 300) {
      const text = (
        await readBounded(
          res.body,
          64 * 1024,
          () => new HttpError(`GET ${redactUrl(url)}: error body too large`, res.statusCode, redactUrl(url)),
        ).catch(() => Buffer.alloc(0))
      ).toString('utf8');
      throw new HttpError(
        `GET ${redactUrl(url)} answered HTTP ${res.statusCode}${describeBody(text)}`,
        res.statusCode,
        redactUrl(url),
        text.slice(0, 2000),
      );
    }
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let fromCallback: unknown;
    const emit = (line: Buffer) => {
      const text = line.toString('utf8').trim();
      if (!text) return;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        throw new StreamFormatError(
          `GET ${redactUrl(url)}: a line of the stream is not JSON`,
          res.statusCode,
          redactUrl(url),
        );
      }
      try {
        opts.onLine(value);
      } catch (err) {
        fromCallback = err;
        throw err;
      }
    };
    try {
      for await (const chunk of res.body) {
        let buf = chunk as Buffer;
        let nl: number;
        while ((nl = buf.indexOf(0x0a)) >= 0) {
          const head = buf.subarray(0, nl);
          if (pendingBytes + head.length > opts.maxLineBytes) throw tooLong();
          emit(pending.length ? Buffer.concat([...pending, head]) : head);
          pending = [];
          pendingBytes = 0;
          buf = buf.subarray(nl + 1);
        }
        if (buf.length) {
          pendingBytes += buf.length;
          if (pendingBytes > opts.maxLineBytes) throw tooLong();
          pending.push(buf);
        }
      }
      if (pendingBytes) emit(Buffer.concat(pending));
    } catch (err) {
      res.body.destroy();
      if (opts.signal?.aborted) return;
      if (err instanceof HttpError || (fromCallback !== undefined && err === fromCallback)) throw err;
      const e = err as { name?: string; message?: string };
      throw new HttpError(
        `GET ${redactUrl(url)}: the stream ${e.name === 'BodyTimeoutError' ? `was silent for ${opts.idleMs} ms` : `broke (${e.message ?? String(err)})`}`,
        res.statusCode,
        redactUrl(url),
      );
    }
    function tooLong() {
      return new StreamFormatError(
        `GET ${redactUrl(url)}: a line of the stream is longer than ${opts.maxLineBytes} bytes`,
        res.statusCode,
        redactUrl(url),
      );
    }
  }

  close(): Promise<void> {
    return this.dispatcher.close();
  }
}

function describeBody(text: string): string {
  if (!text) return '';
  try {
    const json = JSON.parse(text) as Record<string, unknown>;
    const first = Object.values(json)[0] as { message?: string } | undefined;
    const message =
      (json.message as string | undefined) ??
      (json.error as { message?: string } | undefined)?.message ??
      first?.message ??
      (json.NeutronError as { message?: string } | undefined)?.message;
    if (message) return `: ${String(message).slice(0, 300)}`;
  } catch {
    /* not JSON */
  }
  return `: ${text.replace(/\s+/g, ' ').slice(0, 200)}`;
}
