// yaml-language-server driven as an editor drives it: a child process speaking the Language Server
// Protocol over stdio (Content-Length framed JSON-RPC), a workspace folder, the user's `yaml.*`
// settings (answered again whenever the server asks for them), and documents opened one by one, each
// answered with the diagnostics the editor would underline.
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export interface Diagnostic {
  /** 1-based, as validate reports lines. */
  readonly line: number;
  readonly message: string;
}

interface Message {
  readonly id?: number;
  readonly method?: string;
  readonly params?: any;
  readonly result?: unknown;
}

const SERVER = join(dirname(fileURLToPath(import.meta.resolve("yaml-language-server/package.json"))), "bin", "yaml-language-server");

/** The `yaml` section of the settings from VS Code's flat keys (`"yaml.schemas": ...` → `{schemas: ...}`). */
export const yamlSection = (flat: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(
    Object.entries(flat)
      .filter(([k]) => k.startsWith("yaml."))
      .map(([k, v]) => [k.slice("yaml.".length), v]),
  );

export class YamlLanguageServer {
  private buffer = Buffer.alloc(0);
  private nextId = 0;
  private readonly pending = new Map<number, (result: unknown) => void>();
  private readonly published = new Map<string, { diagnostics: Diagnostic[]; at: number }>();
  private readonly child: ChildProcessWithoutNullStreams;

  private constructor(
    private readonly root: string,
    private readonly settings: Record<string, unknown>,
  ) {
    this.child = spawn(process.execPath, [SERVER, "--stdio"], { stdio: ["pipe", "pipe", "pipe"] });
    this.child.stdout.on("data", (chunk: Buffer) => this.read(chunk));
  }

  /** Starts the server on the workspace `root` with the `yaml` settings, as an editor opening the folder. */
  static async start(root: string, settings: Record<string, unknown>): Promise<YamlLanguageServer> {
    const server = new YamlLanguageServer(root, settings);
    const uri = pathToFileURL(root).href;
    await server.request("initialize", {
      processId: process.pid,
      rootUri: uri,
      workspaceFolders: [{ uri, name: "repository" }],
      capabilities: { workspace: { configuration: true, didChangeConfiguration: { dynamicRegistration: true } }, textDocument: { publishDiagnostics: {} } },
    });
    server.notify("initialized", {});
    server.notify("workspace/didChangeConfiguration", { settings: { yaml: settings } });
    return server;
  }

  /** Opens `file` (relative to the root) and returns its diagnostics once the server has settled on them. */
  async open(file: string, timeoutMs = 10_000): Promise<Diagnostic[]> {
    const uri = pathToFileURL(join(this.root, file)).href;
    this.published.delete(uri);
    this.notify("textDocument/didOpen", { textDocument: { uri, languageId: "yaml", version: 1, text: readFileSync(join(this.root, file), "utf8") } });
    const deadline = Date.now() + timeoutMs;
    // The server may publish more than once (before and after loading a schema): the last one, once
    // nothing new came for a while, is what the editor shows.
    for (;;) {
      const last = this.published.get(uri);
      if (last && Date.now() - last.at > 300) return [...last.diagnostics].sort((a, b) => a.line - b.line || a.message.localeCompare(b.message));
      if (Date.now() > deadline) throw new Error(`no diagnostics for ${file} within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async close(): Promise<void> {
    await Promise.race([this.request("shutdown", null), new Promise((resolve) => setTimeout(resolve, 2000))]);
    this.notify("exit", null);
    this.child.kill();
  }

  private request(method: string, params: unknown): Promise<unknown> {
    const id = ++this.nextId;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.send({ id, method, params });
    });
  }

  private notify(method: string, params: unknown): void {
    this.send({ method, params });
  }

  private send(message: Record<string, unknown>): void {
    const text = JSON.stringify({ jsonrpc: "2.0", ...message });
    this.child.stdin.write(`Content-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`);
  }

  private read(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const end = this.buffer.indexOf("\r\n\r\n");
      if (end < 0) return;
      const length = Number(/Content-Length: (\d+)/i.exec(this.buffer.subarray(0, end).toString())?.[1]);
      if (this.buffer.length < end + 4 + length) return;
      const message = JSON.parse(this.buffer.subarray(end + 4, end + 4 + length).toString("utf8")) as Message;
      this.buffer = this.buffer.subarray(end + 4 + length);
      this.handle(message);
    }
  }

  private handle(message: Message): void {
    if (message.id !== undefined && message.method) {
      // The server asks the editor: its settings, by section; anything else (registrations) is acknowledged.
      const result =
        message.method === "workspace/configuration"
          ? (message.params.items as { section?: string }[]).map((item) => (item.section === "yaml" ? this.settings : null))
          : null;
      this.send({ id: message.id, result });
    } else if (message.id !== undefined) {
      this.pending.get(message.id)?.(message.result);
      this.pending.delete(message.id);
    } else if (message.method === "textDocument/publishDiagnostics") {
      const diagnostics = (message.params.diagnostics as { range: { start: { line: number } }; message: string }[]).map((d) => ({
        line: d.range.start.line + 1,
        message: d.message,
      }));
      this.published.set(message.params.uri as string, { diagnostics, at: Date.now() });
    }
  }
}
