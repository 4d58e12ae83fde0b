// The benchmark's ceiling: a bare node:https server with the webhook's certificate that reads the
// request body and answers one fixed, allowed AdmissionReview. No JSON parsing, no express, no
// logging: what the machine can do for TLS + HTTP/1.1 keep-alive + a 3 KB body at all.
// Usage: node bare-server.js CERT KEY  → prints {"port":N} on stdout.
import fs from "node:fs";
import https from "node:https";
import type { AddressInfo } from "node:net";

const [certFile, keyFile] = process.argv.slice(2);
if (!certFile || !keyFile) {
  process.stderr.write("usage: bare-server CERT KEY\n");
  process.exit(2);
}

const answer = Buffer.from(
  JSON.stringify({ apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview", response: { uid: "00000000-0000-0000-0000-000000000000", allowed: true } }),
);

const server = https.createServer(
  { cert: fs.readFileSync(certFile), key: fs.readFileSync(keyFile), minVersion: "TLSv1.2", keepAliveTimeout: 30_000 },
  (req, res) => {
    req.on("data", () => {});
    req.on("end", () => {
      res.writeHead(200, { "content-type": "application/json", "content-length": answer.length });
      res.end(answer);
    });
  },
);
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
});
process.once("SIGTERM", () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
