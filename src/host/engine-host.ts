/**
 * @fileoverview The engine hosted by Node's V8: the same build/engine.wasm and the same imports
 * as the C host inside PostgreSQL (native/engine_host.c), for unit tests and tools. Like the C
 * host it runs every call on a fresh instance (the engine uses AssemblyScript's stub runtime,
 * which never frees memory), answers host.query from a callback instead of SQL, and never calls
 * back into the engine from an import.
 */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Answers a catalog query: given the engine's parsed request (`{kind, sql, ...}`), returns the
 * text PostgreSQL would return as the first column of the first row, or null for no row / NULL.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type CatalogCallback = (request: any) => string | null;

/** One message the engine sent to host.log (levels 0..3: debug, log, notice, warning). */
export interface EngineLogEntry { level: number; message: string }

/** The engine stopped on a trap or an abort; its instance is discarded. */
export class EngineTrapError extends Error {
  override name = "EngineTrapError";
}

/** The default engine: build/engine.wasm under the project root. */
export const defaultWasmPath = resolve(dirname(fileURLToPath(import.meta.url)), "../../build/engine.wasm");

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const utf16 = new TextDecoder("utf-16le");

interface EngineExports {
  memory: WebAssembly.Memory;
  engineAlloc(length: number): number;
  engineHandle(length: number): number;
  engineResponse(): number;
}

/** Runs engine requests in V8; compile once with `load`, then `call` as often as needed. */
export class EngineHost {
  /** Everything the engine logged, oldest first, across calls. */
  readonly logs: EngineLogEntry[] = [];

  private constructor(private readonly module: WebAssembly.Module, private readonly catalog: CatalogCallback) {}

  /** Compiles the engine; `catalog` answers host.query (default: every query has no row). */
  static async load(wasmPath: string = defaultWasmPath, catalog: CatalogCallback = () => null): Promise<EngineHost> {
    return new EngineHost(await WebAssembly.compile(readFileSync(wasmPath)), catalog);
  }

  /** Runs one request (an object is sent as JSON) on a fresh instance; returns the raw response text. */
  call(request: object | string): string {
    const requestBytes = encoder.encode(typeof request === "string" ? request : JSON.stringify(request));
    let engine: EngineExports | null = null;
    const bytes = (address: number, length: number): Uint8Array => {
      const buffer = engine!.memory.buffer;
      if (address < 0 || length < 0 || address + length > buffer.byteLength) {
        throw new EngineTrapError("pg_trickle engine fault: out-of-bounds memory access");
      }
      return new Uint8Array(buffer, address, length);
    };
    let answer: Uint8Array | null = null;
    const imports = {
      env: {
        abort: (message: number, file: number, line: number, column: number): never => {
          throw new EngineTrapError(`pg_trickle engine fault: ${describeAbort(engine!.memory, message, file, line, column)}`);
        },
      },
      host: {
        query: (address: number, length: number): number => {
          const text = this.catalog(JSON.parse(decoder.decode(bytes(address, length))));
          answer = text === null ? null : encoder.encode(text);
          return answer === null ? -1 : answer.length;
        },
        queryResult: (destination: number): void => {
          if (answer === null) throw new EngineTrapError("pg_trickle engine fault: out-of-bounds memory access");
          bytes(destination, answer.length).set(answer);
          answer = null;
        },
        log: (level: number, address: number, length: number): void => {
          this.logs.push({ level, message: decoder.decode(bytes(address, length)) });
        },
      },
    };
    engine = new WebAssembly.Instance(this.module, imports).exports as unknown as EngineExports;
    try {
      const address = engine.engineAlloc(requestBytes.length);
      bytes(address, requestBytes.length).set(requestBytes);
      const length = engine.engineHandle(requestBytes.length);
      return decoder.decode(bytes(engine.engineResponse(), length));
    } catch (e) {
      if (e instanceof WebAssembly.RuntimeError) throw new EngineTrapError(`pg_trickle engine fault: ${e.message}`);
      if (e instanceof RangeError && /call stack/i.test(e.message)) {
        throw new EngineTrapError("pg_trickle engine fault: call stack exhausted");
      }
      throw e;
    }
  }

  /** Runs one request and parses the response. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  callJson(request: object): any {
    return JSON.parse(this.call(request));
  }
}

/** Describes an AssemblyScript abort; its strings are UTF-16 with their byte length at address - 4. */
function describeAbort(memory: WebAssembly.Memory, message: number, file: number, line: number, column: number): string {
  const view = new DataView(memory.buffer);
  const read = (address: number): string | null => {
    if (address < 4 || address > view.byteLength) return null;
    const length = view.getUint32(address - 4, true);
    if (length % 2 !== 0 || address + length > view.byteLength) return null;
    const text = utf16.decode(new Uint8Array(memory.buffer, address, length));
    return /[\u0000-\u001f]/.test(text) ? null : text;
  };
  const messageText = read(message);
  const fileText = read(file);
  if (messageText !== null && fileText !== null) return `aborted with "${messageText}" at ${fileText}:${line}:${column}`;
  // AssemblyScript's stack-overflow abort passes garbage pointers with line 1, column 1.
  if (line === 1 && column === 1) return "engine stack overflow";
  return `aborted at line ${line}, column ${column} with an unreadable message`;
}
