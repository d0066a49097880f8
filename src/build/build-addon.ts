/**
 * @fileoverview Builds native/addon/build/pgtrickle_native.node: the engine's C (wasm2c output),
 * the project's wasm runtime and the addon host, compiled straight with gcc/g++ against Node's
 * own headers (no node-gyp). Objects are rebuilt when their sources are newer, so a new
 * build/engine/engine.c rebuilds the addon. gcc's -fstack-usage report for the engine lands in
 * native/addon/build/engine.su (tests check the C host's frame-size bound against it).
 *
 *   tsx src/build/build-addon.ts        builds (or refreshes) the addon and prints its path
 */
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, renameSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);

/** Where the addon is written, relative to the project root. */
export const addonPath = "native/addon/build/pgtrickle_native.node";

interface CompileStep { source: string; object: string; compiler: string; flags: string[] }

// Flags close to PostgreSQL's so the frame sizes measured here match the extension's.
const C_FLAGS = ["-O2", "-fPIC", "-fno-strict-aliasing", "-fwrapv", "-std=gnu11"];
const ENGINE_FLAGS = ["-fstack-usage", "-Wno-unused-value", "-Wno-unused-function", "-Wno-unused-variable",
  "-Wno-unused-but-set-variable"];

/** The directory holding node_api.h: next to this node, npm's nodedir, or node-gyp's cache. */
export function findNodeHeaders(): string {
  const version = process.versions.node;
  const candidates = [
    join(dirname(dirname(process.execPath)), "include/node"),
    process.env.npm_config_nodedir ? join(process.env.npm_config_nodedir, "include/node") : "",
    join(homedir(), ".cache/node-gyp", version, "include/node"),
    join(homedir(), "Library/Caches/node-gyp", version, "include/node"),
  ];
  const found = candidates.find((dir) => dir !== "" && existsSync(join(dir, "node_api.h")));
  if (!found) throw new Error(`Node headers not found (looked in ${candidates.filter(Boolean).join(", ")})`);
  return found;
}

function mtime(path: string): number {
  return existsSync(path) ? statSync(path).mtimeMs : 0;
}

// Outputs are written under a private name and renamed, so concurrent builds (parallel test
// files) never see a half-written file.
function temporaryName(path: string): string {
  return path.replace(/(\.\w+)$/, `-${process.pid}.tmp$1`);
}

function isStale(target: string, inputs: string[]): boolean {
  const built = mtime(target);
  return built === 0 || inputs.some((input) => mtime(input) > built);
}

/** Compiles what changed and links the addon; returns its absolute path. */
export async function buildAddon(root: string): Promise<string> {
  const engineC = join(root, "build/engine/engine.c");
  if (!existsSync(engineC)) throw new Error(`${engineC} is missing: run \`npx tsx src/build/build.ts engine\` first`);
  const out = join(root, "native/addon/build");
  mkdirSync(out, { recursive: true });
  const includes = ["native", "native/wasm-rt", "native/addon", "build/engine"].map((dir) => `-I${join(root, dir)}`);
  const headers = ["native/wasm-rt/wasm-rt.h", "native/engine_abi.h", "native/addon/addon_host.h", "build/engine/engine.h"].map((f) => join(root, f));
  const steps: CompileStep[] = [
    { source: engineC, object: "engine.o", compiler: "gcc", flags: [...C_FLAGS, ...ENGINE_FLAGS] },
    { source: join(root, "native/wasm-rt/wasm-rt-impl.c"), object: "wasm-rt-impl.o", compiler: "gcc", flags: [...C_FLAGS, "-Wall", "-Wextra"] },
    { source: join(root, "native/engine_abi.c"), object: "engine_abi.o", compiler: "gcc", flags: [...C_FLAGS, "-Wall", "-Wextra"] },
    { source: join(root, "native/addon/addon_host.c"), object: "addon_host.o", compiler: "gcc", flags: [...C_FLAGS, "-Wall", "-Wextra"] },
    { source: join(root, "native/addon/binding.cc"), object: "binding.o", compiler: "g++",
      flags: ["-O2", "-fPIC", "-std=c++17", "-Wall", "-Wextra", `-I${findNodeHeaders()}`,
        `-I${join(root, "node_modules/node-addon-api")}`, "-DNAPI_VERSION=8", "-DNODE_ADDON_API_DISABLE_DEPRECATED"] },
  ];
  const objects = steps.map((step) => join(out, step.object));
  await Promise.all(steps.map(async (step, i) => {
    const stackUsage = objects[i].replace(/\.o$/, ".su");
    const reportMissing = step.flags.includes("-fstack-usage") && !existsSync(stackUsage);
    if (!reportMissing && !isStale(objects[i], [step.source, ...headers])) return;
    console.log(`[build] ${step.compiler} ${step.source.slice(root.length + 1)}`);
    const temporary = temporaryName(objects[i]);
    const { stderr } = await run(step.compiler, [...step.flags, ...includes, "-c", step.source, "-o", temporary],
      { cwd: out, maxBuffer: 64 * 1024 * 1024 });
    if (stderr.trim() !== "") process.stderr.write(stderr);
    const temporaryStackUsage = temporary.replace(/\.o$/, ".su");
    if (existsSync(temporaryStackUsage)) renameSync(temporaryStackUsage, stackUsage);
    renameSync(temporary, objects[i]);
  }));
  const addon = join(root, addonPath);
  if (isStale(addon, objects)) {
    const platformFlags = process.platform === "darwin" ? ["-undefined", "dynamic_lookup"] : [];
    const temporary = temporaryName(addon);
    await run("g++", ["-shared", ...platformFlags, "-o", temporary, ...objects]);
    renameSync(temporary, addon);
  }
  return addon;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
  buildAddon(root).then((path) => console.log(path), (e) => { console.error(e.message ?? e); process.exit(1); });
}
