import { readFileSync } from 'node:fs';
import { Agent, request } from 'undici';
import { readBounded } from './body.js';
import { GatewayError } from '../core/errors.js';
import { excerpt } from '../core/excerpt.js';
import { assertHostAllowed, guardedLookup, isLoopbackHost } from './guard.js';
import { trustedCas } from './tls.js';
import type { BlockList } from 'node:net';

export interface FetchPolicy {
  /** Allow loopback and private targets (development only): all of them, or these networks. */
  allowPrivateNetworks: boolean | BlockList;
  /** Allow plain http:// (development only). */
  allowHttp: boolean;
  timeoutMs: number;
  maxBytes: number;
  /** Extra CA certificates (PEM file) to trust for HTTPS, e.g. a test or corporate CA. */
  caFile?: string;
}

export interface GuardedFetcher {
  /** GET a URL as text, under the policy. Errors are GatewayErrors that name the URL. */
  getText(url: string, accept: string): Promise<string>;
  close(): Promise<void>;
}

/** An undici client for outbound fetches of untrusted URLs: SSRF guard, timeouts, size limit. */
export function createGuardedFetcher(policy: FetchPolicy): GuardedFetcher {
  const ca = policy.caFile ? trustedCas(readFileSync(policy.caFile, 'utf8')) : undefined;
  const agent = new Agent({
    connect: { lookup: guardedLookup(policy.allowPrivateNetworks), timeout: policy.timeoutMs, ...(ca ? { ca } : {}) },
    headersTimeout: policy.timeoutMs,
    bodyTimeout: policy.timeoutMs,
  });
  return {
    async getText(raw: string, accept: string): Promise<string> {
      let url: URL;
      try {
        url = new URL(raw);
      } catch {
        throw new GatewayError(`${excerpt(raw, 200)} is not a URL`, 'bad-url');
      }
      if (
        url.protocol !== 'https:' &&
        !(url.protocol === 'http:' && policy.allowHttp && isLoopbackHost(url.hostname))
      ) {
        throw new GatewayError(
          `refusing ${excerpt(url.protocol, 20)} URL ${excerpt(raw, 200)}: only https is allowed` +
            (url.protocol === 'http:' ? ' (resolver.allowHttp, for development, reaches loopback hosts only)' : ''),
          'insecure-url',
        );
      }
      assertHostAllowed(url, policy.allowPrivateNetworks);
      try {
        const res = await request(url, {
          method: 'GET',
          dispatcher: agent,
          headers: { accept },
          signal: AbortSignal.timeout(policy.timeoutMs),
        });
        if (res.statusCode !== 200) {
          await res.body.dump();
          throw new GatewayError(`GET ${raw} answered HTTP ${res.statusCode}`, 'http-status');
        }
        const length = Number(res.headers['content-length'] ?? 0);
        if (length > policy.maxBytes) {
          await res.body.dump();
          throw new GatewayError(
            `GET ${raw}: ${length} bytes is more than the limit of ${policy.maxBytes}`,
            'too-large',
          );
        }
        const body = await readBounded(
          res.body,
          policy.maxBytes,
          () => new GatewayError(`GET ${raw}: the response exceeds the limit of ${policy.maxBytes} bytes`, 'too-large'),
        );
        return body.toString('utf8');
      } catch (err) {
        if (err instanceof GatewayError) throw err;
        const e = err as {
          code?: string;
          message?: string;
          name?: string;
          cause?: { code?: string; message?: string };
        };
        if (e.code === 'EPRIVATE' || e.cause?.code === 'EPRIVATE') {
          throw new GatewayError(e.code === 'EPRIVATE' ? e.message! : e.cause!.message!, 'private-address', {
            cause: err,
          });
        }
        if (e.name === 'TimeoutError' || e.name === 'AbortError' || /timeout/i.test(e.code ?? '')) {
          throw new GatewayError(`GET ${raw} timed out after ${policy.timeoutMs} ms`, 'timeout', { cause: err });
        }
        throw new GatewayError(
          `GET ${raw} failed: ${excerpt(e.cause?.message ?? e.message ?? String(err), 160)}`,
          'fetch-failed',
          { cause: err },
        );
      }
    },
    // In-flight fetches are abandoned, not awaited: a verification past its deadline may still hold one.
    close: () => agent.destroy(),
  };
}
