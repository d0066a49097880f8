/**
 * @fileoverview The `pgtrickle` command line: development clusters, the demo and the test runner.
 * Progress goes to standard error; results a script may capture (the URI of `dev start`) go to
 * standard output as its last line.
 */
import { defaultDevPort, devClusterStatus, devDatabase, devMajors, openDevCluster, startDevCluster, stopDevCluster } from "../cluster/dev-cluster.ts";
import type { PgMajor } from "../cluster/provision.ts";
import { runInteractive } from "../cluster/subprocess.ts";
import { runDemo } from "./demo-command.ts";
import { isTestPgSetting, runTests, testPgSettings } from "./test-command.ts";

const usage = `usage: pgtrickle <command> [options]

  dev start [--pg 17|18] [--port N] [--no-build]
                 provision PostgreSQL, build and install pg_trickle, start the development
                 cluster and print its URI (last line of output)
  dev stop [--pg 17|18]
                 stop the development cluster (every one without --pg)
  dev status     show the development clusters
  dev psql [--pg 17|18] [-- psql arguments]
                 open psql on the development cluster's ${devDatabase} database
  demo [--port N] [--no-build]
                 start (or reuse) the PostgreSQL 18 development cluster and run a narrated
                 demo of stream tables in its ${devDatabase} database; the cluster keeps running
  test [--pg 17|18|17,18|none] [-- vitest file filters]
                 build the engine, provision PostgreSQL, run the whole test suite once and print
                 "N passed, N failed, N skipped" last (default --pg 17,18; none: unit tests only)

  --pg      PostgreSQL major version (default 18)
  --port    port of the development cluster (default ${defaultDevPort[17]} for 17, ${defaultDevPort[18]} for 18)

environment:
  PG_CONFIG              use this PostgreSQL installation instead of provisioning one
  PGTRICKLE_CACHE        cache directory (default ~/.cache/pg_trickle)
  PGTRICKLE_NO_PRELOAD=1 start clusters without shared_preload_libraries = 'pg_trickle'
`;

/** Parsed command line: words, --flags with their values, and everything after `--`. */
interface Arguments {
  words: string[];
  flags: Map<string, string | true>;
  rest: string[];
}

const flagsWithValue = new Set(["pg", "port"]);
const booleanFlags = new Set(["help", "no-build"]);

/** A command-line mistake: reported with the usage text and exit status 2. */
class UsageError extends Error {}

function parseArguments(argv: readonly string[]): Arguments {
  const parsed: Arguments = { words: [], flags: new Map(), rest: [] };
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i];
    if (token === "--") {
      parsed.rest = argv.slice(i + 1);
      break;
    }
    if (token === "-h") {
      parsed.flags.set("help", true);
      continue;
    }
    if (!token.startsWith("--")) {
      parsed.words.push(token);
      continue;
    }
    const [name, inlineValue] = token.slice(2).split(/=(.*)/s, 2);
    if (booleanFlags.has(name)) {
      parsed.flags.set(name, true);
    } else if (flagsWithValue.has(name)) {
      const value = inlineValue ?? argv[++i];
      if (value === undefined) throw new UsageError(`--${name} needs a value`);
      parsed.flags.set(name, value);
    } else {
      throw new UsageError(`unknown option --${name}`);
    }
  }
  return parsed;
}

function majorOption(args: Arguments): PgMajor | undefined {
  const value = args.flags.get("pg");
  if (value === undefined) return undefined;
  const major = Number(value);
  if (!devMajors.includes(major as PgMajor)) throw new UsageError(`--pg must be one of ${devMajors.join(", ")}`);
  return major as PgMajor;
}

function portOption(args: Arguments): number | undefined {
  const value = args.flags.get("port");
  if (value === undefined) return undefined;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError(`--port must be a TCP port number`);
  return port;
}

async function devStart(args: Arguments): Promise<number> {
  const { uri } = await startDevCluster({
    major: majorOption(args) ?? 18,
    port: portOption(args),
    build: !args.flags.has("no-build"),
  });
  process.stdout.write(`${uri}\n`);
  return 0;
}

async function devStop(args: Arguments): Promise<number> {
  const requested = majorOption(args);
  const majors = requested ? [requested] : devMajors.filter((major) => openDevCluster(major));
  if (majors.length === 0) process.stderr.write("no development cluster exists\n");
  for (const major of majors) {
    const cluster = openDevCluster(major);
    if (!cluster) {
      process.stderr.write(`no PostgreSQL ${major} development cluster exists\n`);
      continue;
    }
    const wasRunning = await cluster.isRunning();
    await stopDevCluster(major);
    process.stderr.write(`PostgreSQL ${major} development cluster ${wasRunning ? "stopped" : "was not running"}\n`);
  }
  return 0;
}

async function devStatus(): Promise<number> {
  for (const status of await devClusterStatus()) {
    const state = !status.exists ? "not created" : status.running ? `running  ${status.uri}` : "stopped";
    process.stdout.write(`PostgreSQL ${status.major}  ${state}  (${status.version ? `${status.version}, ` : ""}${status.dataDir})\n`);
  }
  return 0;
}

async function devPsql(args: Arguments): Promise<number> {
  const major = majorOption(args) ?? 18;
  const cluster = openDevCluster(major);
  if (!cluster || !(await cluster.isRunning())) {
    process.stderr.write(`the PostgreSQL ${major} development cluster is not running; start it with: npx pgtrickle dev start --pg ${major}\n`);
    return 1;
  }
  const { command, args: psqlArgs } = cluster.psqlCommand(devDatabase, args.rest);
  return runInteractive(command, psqlArgs);
}

async function dev(args: Arguments): Promise<number> {
  const [, action] = args.words;
  switch (action) {
    case "start":
      return devStart(args);
    case "stop":
      return devStop(args);
    case "status":
      return devStatus();
    case "psql":
      return devPsql(args);
    default:
      throw new UsageError(action ? `unknown dev action ${action}` : "dev needs an action");
  }
}

/** `demo`: the narrated demo on the PostgreSQL 18 development cluster (src/cli/demo-command.ts). */
async function demo(args: Arguments): Promise<number> {
  if (args.words.length > 1) throw new UsageError(`demo takes no arguments: ${args.words.slice(1).join(" ")}`);
  if (args.flags.has("pg") && majorOption(args) !== 18) throw new UsageError("the demo runs on PostgreSQL 18");
  return runDemo({ port: portOption(args), build: !args.flags.has("no-build") });
}

/** `test`: the whole suite, ending with the summary line (src/cli/test-command.ts). */
async function test(args: Arguments): Promise<number> {
  const pg = args.flags.get("pg");
  if (pg !== undefined && !isTestPgSetting(String(pg))) throw new UsageError(`--pg of test must be one of ${testPgSettings.join(", ")}`);
  // File filters: after `--`, or as plain words (`pgtrickle test tests/sql`).
  return runTests({ pg: pg === undefined ? undefined : String(pg), filters: [...args.words.slice(1), ...args.rest] });
}

async function main(argv: readonly string[]): Promise<number> {
  const args = parseArguments(argv);
  if (args.flags.has("help") || args.words.length === 0) {
    process.stdout.write(usage);
    return args.words.length === 0 && !args.flags.has("help") ? 2 : 0;
  }
  switch (args.words[0]) {
    case "dev":
      return dev(args);
    case "demo":
      return demo(args);
    case "test":
      return test(args);
    default:
      throw new UsageError(`unknown command ${args.words[0]}`);
  }
}

main(process.argv.slice(2)).then(
  (status) => process.exit(status),
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`pgtrickle: ${error.message}\n\n${usage}`);
      process.exit(2);
    }
    process.stderr.write(`pgtrickle: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
