import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import {
  X509Certificate,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  webcrypto,
  type KeyObject,
} from 'node:crypto';
import { keyTypeOf } from './key-types.js';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

/** WebCrypto parameters for a key: to import it, or to sign with it. */
function webCryptoParams(key: KeyObject, use: 'import' | 'sign'): Algorithm {
  switch (keyTypeOf(key)) {
    case 'Ed25519':
      return { name: 'Ed25519' };
    case 'P-256':
      return use === 'import'
        ? ({ name: 'ECDSA', namedCurve: 'P-256' } as EcKeyImportParams)
        : ({ name: 'ECDSA', hash: 'SHA-256' } as EcdsaParams);
    case 'RSA':
      return { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as RsaHashedImportParams;
  }
}

async function toCryptoPublic(key: KeyObject): Promise<CryptoKey> {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  const der = pub.export({ type: 'spki', format: 'der' });
  return (await webcrypto.subtle.importKey('spki', der, webCryptoParams(pub, 'import'), true, [
    'verify',
  ])) as unknown as CryptoKey;
}

async function toCryptoPrivate(key: KeyObject): Promise<CryptoKey> {
  const der = key.export({ type: 'pkcs8', format: 'der' });
  return (await webcrypto.subtle.importKey('pkcs8', der, webCryptoParams(key, 'import'), false, [
    'sign',
  ])) as unknown as CryptoKey;
}

export interface CertificateRequest {
  /** The key the certificate certifies (public or private KeyObject). */
  subjectKey: KeyObject;
  /** e.g. `CN=gx-gateway dev key, O=Example` */
  subject: string;
  /** The issuing CA; omitted for a self-signed certificate (then `issuerKey` = the subject's private key). */
  issuer?: { certificate: X509Certificate; key: KeyObject };
  /** Private key that signs a self-signed certificate. */
  selfSignKey?: KeyObject;
  notBefore?: Date;
  notAfter?: Date;
  isCa?: boolean;
  dnsNames?: string[];
  ipAddresses?: string[];
}

/** Issue an X.509 certificate (PEM). Used for development chains and test PKIs. */
export async function issueCertificate(req: CertificateRequest): Promise<string> {
  const signingKey = req.issuer?.key ?? req.selfSignKey;
  if (!signingKey) throw new Error('issueCertificate: an issuer or selfSignKey is required');
  const notBefore = req.notBefore ?? new Date(Date.now() - 60_000);
  const notAfter = req.notAfter ?? new Date(Date.now() + 365 * 24 * 3600_000);
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(Boolean(req.isCa), undefined, true),
    new x509.KeyUsagesExtension(
      req.isCa ? x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign : x509.KeyUsageFlags.digitalSignature,
      true,
    ),
  ];
  const names = [
    ...(req.dnsNames ?? []).map((value) => ({ type: 'dns' as const, value })),
    ...(req.ipAddresses ?? []).map((value) => ({ type: 'ip' as const, value })),
  ];
  if (names.length) extensions.push(new x509.SubjectAlternativeNameExtension(names));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomBytes(8)
      .toString('hex')
      .replace(/^[89a-f]/, '1'),
    subject: req.subject,
    issuer: req.issuer ? new x509.X509Certificate(req.issuer.certificate.raw).subject : req.subject,
    notBefore,
    notAfter,
    signingAlgorithm: webCryptoParams(signingKey, 'sign'),
    publicKey: await toCryptoPublic(req.subjectKey),
    signingKey: await toCryptoPrivate(signingKey),
    extensions,
  });
  return cert.toString('pem');
}

export interface DevChain {
  /** Leaf first, then the dev root. */
  chainPem: string;
  rootPem: string;
}

/**
 * A development chain for a signing key: a throw-away root CA (its private key is discarded) and a
 * leaf certifying `key`. Clearing houses accept it only in development mode; production needs a
 * chain from a trusted CA (`gx-gateway keys import --chain`). Several keys share one root when
 * given `keys` (a fake peer with a key per algorithm, one trust anchor).
 */
export async function createDevChain(key: KeyObject, commonName: string): Promise<DevChain> {
  const [chain] = await createDevChains([key], commonName);
  return chain!;
}

/** Development chains for several keys under one throw-away root (see createDevChain). */
export async function createDevChains(keys: KeyObject[], commonName: string): Promise<DevChain[]> {
  const root = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const rootPem = await issueCertificate({
    subjectKey: root.publicKey,
    selfSignKey: root.privateKey,
    subject: `CN=gx-gateway development root (not trusted), O=gx-gateway`,
    isCa: true,
    notAfter: new Date(Date.now() + 5 * 365 * 24 * 3600_000),
  });
  const chains: DevChain[] = [];
  for (const key of keys) {
    const leafPem = await issueCertificate({
      subjectKey: key,
      subject: `CN=${commonName.replace(/[,=+<>#;"\\]/g, ' ')}, O=gx-gateway development`,
      issuer: { certificate: new X509Certificate(rootPem), key: root.privateKey },
    });
    chains.push({ chainPem: `${leafPem.trim()}\n${rootPem.trim()}\n`, rootPem });
  }
  return chains;
}
