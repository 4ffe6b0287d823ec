import { CONTEXTS } from '../../credentials/contexts.js';
import type { JsonObject } from '../../credentials/suites/suite.js';
import { contentHash } from '../hash.js';
import { iris, type Iris } from '../iri.js';
import type { CredentialKind, DescribeContext, DescribedCredential } from '../model.js';

export const RELEASE = '25.11';
export const SCS_CONTEXT = 'https://w3id.org/scs/gx-gateway/v1';

/** What every 25.11 module needs: IRIs, the provider, and how to wrap a subject in a credential. */
export class Builder {
  readonly iris: Iris;
  readonly warnings: string[] = [];
  readonly legalPerson: string;

  constructor(readonly ctx: DescribeContext) {
    this.iris = iris(ctx.baseUrl);
    this.legalPerson = this.iris.subject('legal-person');
  }

  /**
   * A VC 2.0 credential around one subject. The gx type sits on the subject only: a gx type on
   * the envelope would make the envelope's own predicates violations of the closed shapes.
   */
  credential(
    kind: CredentialKind,
    path: string[],
    subject: JsonObject,
    opts: { scs?: boolean } = {},
  ): DescribedCredential {
    const id = this.iris.credential(opts.scs ? `${RELEASE}-scs` : RELEASE, ...path);
    const credential: JsonObject = {
      '@context': [CONTEXTS.credentialsV2, opts.scs ? SCS_CONTEXT : CONTEXTS.gaiaX2511],
      type: ['VerifiableCredential'],
      id,
      issuer: this.ctx.issuer,
      ...(this.ctx.issued ? { validFrom: this.ctx.issued } : {}),
      credentialSubject: subject,
    };
    return {
      id,
      kind,
      subject: String(subject.id),
      clearingHouse: !opts.scs,
      contentHash: contentHash(credential),
      credential,
    };
  }

  /** The offering fields the provider's configuration supplies (terms, data export, regimes). */
  offeringCommons(): JsonObject {
    const p = this.ctx.provider;
    return {
      providedBy: this.legalPerson,
      serviceOfferingTermsAndConditions: {
        type: 'TermsAndConditions',
        url: p.termsAndConditions.url,
        hash: p.termsAndConditions.hash,
      },
      dataAccountExport: { type: 'DataAccountExport', ...p.dataAccountExport },
      ...(p.dataProtectionRegime.length ? { dataProtectionRegime: p.dataProtectionRegime } : {}),
      ...(p.keywords.length ? { keyword: p.keywords } : {}),
    };
  }
}

/** Drop undefined members (JSON-LD would reject them, JCS would differ). */
export function compactObject<T extends Record<string, unknown>>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
