import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import { GatewayError } from '../core/errors.js';

/** Loopback, private, link-local, shared, multicast, reserved and unspecified ranges. */
const blocked = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  blocked.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['2001:db8::', 32],
  ['64:ff9b:1::', 48],
] as const) {
  blocked.addSubnet(net, prefix, 'ipv6');
}

/** True for addresses a server-side fetch must not reach unless development mode allows it. */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return blocked.check(address, 'ipv4');
  if (family === 6) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    if (mapped) return blocked.check(mapped[1]!, 'ipv4');
    return blocked.check(address, 'ipv6');
  }
  return true;
}

const RESOLVER_HINT = 'set resolver.allowPrivateNetworks: true for development only';

export function refusal(host: string, address: string, hint = RESOLVER_HINT): GatewayError {
  return new GatewayError(
    `refusing to connect to ${host} (${address}): private, loopback and link-local addresses are blocked (${hint})`,
    'private-address',
  );
}

/**
 * Private networks (CIDR, e.g. `10.20.0.0/16`, `fd00::/8`, or a single address) that a guard lets
 * through although they are private: what the configuration allows for one kind of target.
 */
export function allowedNetworks(cidrs: readonly string[]): BlockList {
  const list = new BlockList();
  for (const cidr of cidrs) {
    const [net, bits] = cidr.split('/');
    const family = isIP(net ?? '');
    if (!family) throw new GatewayError(`${cidr} is not a network (CIDR such as 10.20.0.0/16)`, 'bad-config');
    const type = family === 4 ? 'ipv4' : 'ipv6';
    const prefix = bits === undefined ? (family === 4 ? 32 : 128) : Number(bits);
    if (!Number.isInteger(prefix) || prefix < 0 || prefix > (family === 4 ? 32 : 128))
      throw new GatewayError(`${cidr} is not a network (CIDR such as 10.20.0.0/16)`, 'bad-config');
    list.addSubnet(net!, prefix, type);
  }
  return list;
}

/** Whether a guard lets a connection to `address` through: public, or private and allowed. */
function passes(address: string, allow: boolean | BlockList): boolean {
  if (allow === true || !isPrivateAddress(address)) return true;
  if (allow === false) return false;
  const family = isIP(address);
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return allow.check(mapped[1]!, 'ipv4');
  return family === 4 ? allow.check(address, 'ipv4') : family === 6 ? allow.check(address, 'ipv6') : false;
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for net/tls connections that refuses private addresses after DNS resolution, so a
 * host name cannot smuggle a request to an internal service (and DNS rebinding gains nothing:
 * the checked address is the one connected to).
 */
export function guardedLookup(allowPrivate: boolean | BlockList, hint = RESOLVER_HINT) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, []);
      const list = addresses as LookupAddress[];
      if (allowPrivate !== true) {
        const bad = list.find((a) => !passes(a.address, allowPrivate));
        if (bad)
          return callback(
            Object.assign(refusal(hostname, bad.address, hint), { code: 'EPRIVATE' }) as NodeJS.ErrnoException,
            [],
          );
      }
      if (options.all) return callback(null, list);
      const first = list[0];
      if (!first) return callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), []);
      callback(null, first.address, first.family);
    });
  };
}

/** Check a URL's host before connecting: IP literals bypass `lookup`, so they are checked here. */
export function assertHostAllowed(url: URL, allowPrivate: boolean | BlockList, hint = RESOLVER_HINT): void {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) && !passes(host, allowPrivate)) throw refusal(url.hostname, host, hint);
}

/** localhost, *.localhost, 127.0.0.0/8 and ::1 (by name, before any DNS). */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || /^::ffff:127\./.test(h);
  return false;
}

/** https, or (development, with allowHttp) plain http to a loopback host: the rule for every configured peer URL. */
export function httpsOrDevLoopback(url: URL, allowHttp: boolean): boolean {
  return url.protocol === 'https:' || (allowHttp && url.protocol === 'http:' && isLoopbackHost(url.hostname));
}
