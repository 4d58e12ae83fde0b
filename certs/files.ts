// The file names of a Kubernetes TLS Secret (and of the CA beside it), as `certs` writes them and the
// server and the install read them.
export const FILE_NAMES = { caCert: "ca.crt", caKey: "ca.key", cert: "tls.crt", key: "tls.key", clientCert: "client.crt", clientKey: "client.key" } as const;
