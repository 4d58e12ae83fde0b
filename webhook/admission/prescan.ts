// A look at an AdmissionReview's bytes before parsing them: is the body too big to carry objects the
// apiserver could store, and if so, which request is it (uid, operation, name) so that it can be
// denied in-band without paying for JSON.parse of megabytes (README "HTTP API").
import { OBJECT_LIMITS } from "./bounds.js";

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;

/** object and oldObject each within OBJECT_LIMITS, plus the envelope (user info, options...). */
const ENVELOPE_BYTES = 64 * 1024;
const ENVELOPE_NODES = 1_000;
export const REVIEW_LIMITS = {
  maxBytes: 2 * OBJECT_LIMITS.maxBytes + ENVELOPE_BYTES,
  // Each member has a colon and at most one comma, each item at most a comma: at most 2 per node.
  maxSeparators: 2 * (2 * OBJECT_LIMITS.maxNodes + ENVELOPE_NODES),
} as const;

/** Commas and colons outside strings, up to `stopAfter`: a bound on members and items, in one byte pass. */
function separators(body: Buffer, stopAfter: number): number {
  let count = 0;
  let inString = false;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if ((c === COMMA || c === COLON) && ++count > stopAfter) return count;
  }
  return count;
}

/** Why the body cannot be a review of storable objects, decided without parsing it; undefined when it may be one. */
export function tooBigToParse(body: Buffer): "bytes" | "separators" | undefined {
  if (body.length > REVIEW_LIMITS.maxBytes) return "bytes";
  // A body has fewer separators than bytes: an ordinary review is never scanned.
  if (body.length <= REVIEW_LIMITS.maxSeparators) return undefined;
  return separators(body, REVIEW_LIMITS.maxSeparators) > REVIEW_LIMITS.maxSeparators ? "separators" : undefined;
}

export interface RequestHead {
  readonly uid?: string;
  readonly operation?: string;
  readonly name?: string;
  readonly namespace?: string;
}

const WANTED = new Set(["uid", "operation", "name", "namespace"]);
/** Longest scalar worth reading: names and uids are short. */
const MAX_TOKEN = 1024;

/** A minimal cursor over JSON bytes: enough to read the scalars of `request` and skip everything else. */
class Cursor {
  constructor(
    private readonly b: Buffer,
    public i = 0,
  ) {}
  ws(): void {
    while (this.i < this.b.length && (this.b[this.i] === 0x20 || this.b[this.i] === 0x0a || this.b[this.i] === 0x0d || this.b[this.i] === 0x09)) this.i++;
  }
  peek(): number | undefined {
    this.ws();
    return this.b[this.i];
  }
  eat(c: number): boolean {
    if (this.peek() !== c) return false;
    this.i++;
    return true;
  }
  /** A string token's end (after the closing quote), or -1. */
  private stringEnd(): number {
    let j = this.i + 1;
    while (j < this.b.length) {
      const c = this.b[j];
      if (c === BACKSLASH) j += 2;
      else if (c === QUOTE) return j + 1;
      else j++;
    }
    return -1;
  }
  /** Reads a string token; undefined (and skipped) when it is too long to be worth decoding. */
  string(): string | undefined {
    if (this.peek() !== QUOTE) throw new SyntaxError("expected a string");
    const end = this.stringEnd();
    if (end < 0) throw new SyntaxError("unterminated string");
    const token = end - this.i <= MAX_TOKEN ? (JSON.parse(this.b.toString("utf8", this.i, end)) as string) : undefined;
    this.i = end;
    return token;
  }
  /** Skips one value of any kind. */
  skip(): void {
    const c = this.peek();
    if (c === QUOTE) {
      this.string();
      return;
    }
    if (c !== 0x7b && c !== 0x5b) {
      while (this.i < this.b.length && !",}] \n\r\t".includes(String.fromCharCode(this.b[this.i] ?? 0x2c))) this.i++;
      return;
    }
    let depth = 0;
    while (this.i < this.b.length) {
      const d = this.b[this.i];
      if (d === QUOTE) {
        const end = this.stringEnd();
        if (end < 0) throw new SyntaxError("unterminated string");
        this.i = end;
        continue;
      }
      this.i++;
      if (d === 0x7b || d === 0x5b) depth++;
      else if ((d === 0x7d || d === 0x5d) && --depth === 0) return;
    }
  }
  /** Calls `member` for each key of the object at the cursor; stops when it returns true. */
  members(member: (key: string | undefined) => boolean): void {
    if (!this.eat(0x7b)) throw new SyntaxError("expected an object");
    if (this.eat(0x7d)) return;
    do {
      const key = this.string();
      if (!this.eat(COLON)) throw new SyntaxError("expected ':'");
      if (member(key)) return;
    } while (this.eat(COMMA));
  }
}

/** The scalars of `request` that identify it; {} when the body is not readable that way. */
export function requestHead(body: Buffer): RequestHead {
  const head: Record<string, string> = {};
  try {
    const cursor = new Cursor(body);
    cursor.members((key) => {
      if (key !== "request" || cursor.peek() !== 0x7b) {
        cursor.skip();
        return false;
      }
      cursor.members((field) => {
        if (field !== undefined && WANTED.has(field) && cursor.peek() === QUOTE) {
          const value = cursor.string();
          if (value !== undefined) head[field] = value;
        } else cursor.skip();
        return Object.keys(head).length === WANTED.size;
      });
      return true;
    });
  } catch {
    // Not an AdmissionReview we can read without parsing: the caller answers 400.
  }
  return head;
}
