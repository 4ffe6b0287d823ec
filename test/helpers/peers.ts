import type { ServiceUnderTest } from './service.js';

/** Where a peer fake reaches the gateway under test: its public base URL (http or https) rewritten to its socket. */
export function gatewayFetch(gw: { svc?: ServiceUnderTest }) {
  return async (url: string): Promise<{ status: number; text: string }> => {
    const r = await fetch(url.replace(/^https?:\/\/gateway\.test/, gw.svc!.url));
    return { status: r.status, text: await r.text() };
  };
}

/** A peer's signature check: the gateway's own verifier (x5u chains aside), its failures in one line. */
export function gatewayVerifier(gw: { svc?: ServiceUnderTest }) {
  return async (input: unknown): Promise<string | undefined> => {
    const report = await gw.svc!.gw.credentials.verify(input, { skipX5u: true });
    return report.valid
      ? undefined
      : [report, ...(report.credentials ?? [])]
          .flatMap((r) => r.checks.filter((c) => !c.ok).map((c) => c.message ?? c.check))
          .join('; ');
  };
}

/** Poll until `what` holds (or fail after `ms`). */
export async function until(what: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await what())) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
