import { X509Certificate, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { issueCertificate } from '../../src/credentials/keys/certificates.js';

export interface TestCa {
  certPem: string;
  cert: X509Certificate;
  key: KeyObject;
}

/** A throw-away test CA (P-256). */
export async function createTestCa(
  name = 'gx-gateway test CA',
  validity?: { notBefore?: Date; notAfter?: Date },
): Promise<TestCa> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const certPem = await issueCertificate({
    subjectKey: publicKey,
    selfSignKey: privateKey,
    subject: `CN=${name}`,
    isCa: true,
    ...validity,
  });
  return { certPem, cert: new X509Certificate(certPem), key: privateKey };
}

/** A TLS server certificate for localhost and 127.0.0.1, issued by `ca`. */
export async function createTlsCert(ca: TestCa): Promise<{ cert: string; key: string }> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const leaf = await issueCertificate({
    subjectKey: publicKey,
    subject: 'CN=localhost',
    issuer: { certificate: ca.cert, key: ca.key },
    dnsNames: ['localhost'],
    ipAddresses: ['127.0.0.1'],
  });
  return {
    cert: `${leaf.trim()}\n${ca.certPem.trim()}\n`,
    key: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
  };
}

/** A leaf certificate for a signing key, issued by `ca`. */
export async function issueLeaf(
  ca: TestCa,
  key: KeyObject,
  validity?: { notBefore?: Date; notAfter?: Date },
): Promise<string> {
  return issueCertificate({
    subjectKey: key,
    subject: 'CN=signing key',
    issuer: { certificate: ca.cert, key: ca.key },
    ...validity,
  });
}
