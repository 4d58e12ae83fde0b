// The real HTTPS server, in-process, for fuzzing over the wire: certificates from ensureCertificates
// in a temp dir, no metrics listener, a silent logger, and a resolver that answers from whatever
// world the current case carries.
import fs from "node:fs";
import https from "node:https";
import os from "node:os";
import path from "node:path";
import { ensureCertificates } from "../../certs/tls.js";
import { createLogger } from "../../webhook/server/log.js";
import { startServer, type RunningServer } from "../../webhook/server/serve.js";
import type { World } from "./arbitraries.js";
import { DEFAULT_IMAGE, worldResolver } from "./check.js";

export interface FuzzServer {
  readonly port: number;
  readonly agent: https.Agent;
  readonly server: RunningServer;
  /** The world the resolver answers from, until the next call. */
  setWorld(world: World): void;
  close(): Promise<void>;
}

const EMPTY_WORLD: World = { secret: { state: "absent" }, cluster: { state: "absent" }, backup: { state: "absent" } };

export async function startFuzzServer(opts: { lookupTimeoutMs: number }): Promise<FuzzServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cnp-fuzz-"));
  await ensureCertificates({ service: "cnp-webhook", namespace: "cnp-system", outDir: dir });
  let world = EMPTY_WORLD;
  const server = await startServer(
    {
      host: "127.0.0.1",
      port: 0,
      tlsCert: path.join(dir, "tls.crt"),
      tlsKey: path.join(dir, "tls.key"),
      metricsPort: 0,
      defaultImage: DEFAULT_IMAGE,
      strictReferences: false,
      lookupTimeoutMs: opts.lookupTimeoutMs,
    },
    { logger: createLogger("silent"), resolver: worldResolver(() => world) },
  );
  const agent = new https.Agent({ keepAlive: true, maxSockets: 8, ca: fs.readFileSync(path.join(dir, "ca.crt")) });
  return {
    port: server.port,
    agent,
    server,
    setWorld: (w) => {
      world = w;
    },
    close: async () => {
      agent.destroy();
      await server.close(1000);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
