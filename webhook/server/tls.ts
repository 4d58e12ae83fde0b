// The serving certificate: loaded from files, checked as a pair before it is used.
import { X509Certificate, createPrivateKey } from "node:crypto";
import { readFileSync } from "node:fs";

export interface ServingPair {
  readonly cert: Buffer;
  readonly key: Buffer;
  /** When the certificate expires. */
  readonly notAfter: Date;
}

/** Reads and checks a certificate/key pair; throws an Error saying what is wrong with which file. */
export function loadServingPair(certFile: string, keyFile: string): ServingPair {
  const cert = readFileSync(certFile);
  const key = readFileSync(keyFile);
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch (err) {
    throw new Error(`${certFile}: not a PEM certificate (${(err as Error).message})`);
  }
  let privateKey;
  try {
    privateKey = createPrivateKey(key);
  } catch (err) {
    throw new Error(`${keyFile}: not a PEM private key (${(err as Error).message})`);
  }
  if (!x509.checkPrivateKey(privateKey)) throw new Error(`${keyFile} does not match the certificate in ${certFile}`);
  return { cert, key, notAfter: new Date(x509.validTo) };
}
