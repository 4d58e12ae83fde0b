// The real HTTPS server, in-process, for fuzzing over the wire: the test webhook with no metrics
// listener, a silent logger, and a resolver that answers from whatever world the current case carries.
import https from "node:https";
import { SERVER_NAME } from "../testkit/certs.js";
import { startWebhook } from "../testkit/webhook.js";
import type { RunningServer } from "../../webhook/server/serve.js";
import type { World } from "./arbitraries.js";
import { worldResolver } from "./check.js";

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
  let world = EMPTY_WORLD;
  const webhook = await startWebhook({ lookupTimeoutMs: opts.lookupTimeoutMs, logLevel: "silent", resolver: worldResolver(() => world) });
  const agent = new https.Agent({ keepAlive: true, maxSockets: 8, ca: webhook.certs.caPem, servername: SERVER_NAME });
  return {
    port: webhook.port,
    agent,
    server: webhook.running,
    setWorld: (w) => {
      world = w;
    },
    close: async () => {
      agent.destroy();
      await webhook.close();
    },
  };
}
