/** @fileoverview Validation of create/alter options: refresh mode, schedule, status, and options not supported yet. */

import { Json, JsonKind } from "../util/json";
import { EngineError } from "../errors/engine-error";
import { ErrorCode } from "../errors/codes.generated";
import { looksLikeCron, parseCron } from "../schedule/cron";
import { durationSeconds } from "../schedule/duration";

/** A parsed refresh mode: `requested` as stored (INCREMENTAL → DIFFERENTIAL), `mode` the same (AUTO unresolved). */
export class ModeChoice {
  mode: string = "";
  requested: string = "";
  error: EngineError | null = null;
}

/** Parses a refresh_mode argument (case-insensitive). */
export function parseRefreshMode(text: string): ModeChoice {
  const choice = new ModeChoice();
  const upper = text.trim().toUpperCase();
  if (upper == "AUTO" || upper == "FULL" || upper == "DIFFERENTIAL" || upper == "IMMEDIATE") choice.mode = upper;
  else if (upper == "INCREMENTAL") choice.mode = "DIFFERENTIAL";
  else {
    choice.error = new EngineError(ErrorCode.InvalidArgument, "invalid refresh mode \"" + text + "\"")
      .withHint("Use one of 'AUTO', 'DIFFERENTIAL', 'FULL' or 'IMMEDIATE'.");
    return choice;
  }
  choice.requested = choice.mode;
  return choice;
}

/** A parsed schedule: null value means 'calculated'. */
export class ScheduleChoice {
  value: string | null = null;
  error: EngineError | null = null;
}

/** Parses a schedule argument: 'calculated', a duration of at least `minSeconds`, or cron (schedule/cron.ts). */
export function parseSchedule(value: Json, minSeconds: i32): ScheduleChoice {
  const choice = new ScheduleChoice();
  if (value.kind != JsonKind.String) {
    choice.error = new EngineError(ErrorCode.InvalidArgument, "schedule must not be NULL")
      .withHint("Use 'calculated' to derive the schedule from downstream stream tables.");
    return choice;
  }
  const text = value.text.trim();
  if (text.toLowerCase() == "calculated") return choice;
  const seconds = durationSeconds(text);
  if (seconds >= 0) {
    if (seconds < <i64>minSeconds) {
      choice.error = new EngineError(ErrorCode.InvalidArgument, "schedule \"" + text + "\" is shorter than pg_trickle.min_schedule_seconds")
        .withDetail("The minimum is " + minSeconds.toString() + " seconds.")
        .withHint("Use a longer schedule, or lower pg_trickle.min_schedule_seconds.");
      return choice;
    }
    choice.value = text;
    return choice;
  }
  const cron = parseCron(text);
  if (cron.schedule !== null) {
    choice.value = text;
    return choice;
  }
  const error = new EngineError(ErrorCode.InvalidArgument, "invalid schedule \"" + text + "\"")
    .withHint("Use a duration such as '30s' or '1h30m', a cron expression such as '*/5 * * * *', or 'calculated'.");
  // The parser's reason helps only when the text was meant as cron, not for '500ms' or '5 minutes'.
  if (looksLikeCron(text)) error.withDetail(cron.reason.charAt(0).toUpperCase() + cron.reason.substring(1) + ".");
  choice.error = error;
  return choice;
}

const NOT_YET: string[] = [
  "partition_by", "max_differential_joins", "max_delta_fraction",
  "tier", "fuse", "fuse_ceiling", "fuse_sensitivity",
];

/** The diamond settings of a create or alter request; null fields were not given. */
export class DiamondOptions {
  consistency: string | null = null;
  policy: string | null = null;
  error: EngineError | null = null;

  /** The SET items of an UPDATE of pgt_stream_tables for the given settings. */
  assignments(): string[] {
    const out: string[] = [];
    if (this.consistency !== null) out.push("diamond_consistency = '" + <string>this.consistency + "'");
    if (this.policy !== null) out.push("diamond_schedule_policy = '" + <string>this.policy + "'");
    return out;
  }
}

/** Reads and checks diamond_consistency ('atomic' | 'none') and diamond_schedule_policy ('fastest' | 'slowest'). */
export function parseDiamondOptions(options: Json): DiamondOptions {
  const out = new DiamondOptions();
  out.consistency = oneOf(options, "diamond_consistency", "atomic", "none", out);
  if (out.error === null) out.policy = oneOf(options, "diamond_schedule_policy", "fastest", "slowest", out);
  return out;
}

/** Option `key` lower-cased if it is `a` or `b`; null when not given; else null with `out.error` set (22023). */
function oneOf(options: Json, key: string, a: string, b: string, out: DiamondOptions): string | null {
  if (!options.has(key)) return null;
  const value = options.str(key).trim().toLowerCase();
  if (value == a || value == b) return value;
  out.error = new EngineError(ErrorCode.InvalidArgument, "invalid " + key + " \"" + options.str(key) + "\"")
    .withHint("Use '" + a + "' or '" + b + "'.");
  return null;
}

/** An error for the first option given that this version does not implement; null when none is. */
export function rejectUnsupportedOptions(request: Json): EngineError | null {
  const options = request.get("options");
  for (let i = 0; i < NOT_YET.length; i++) {
    if (options.has(NOT_YET[i])) return notYet(NOT_YET[i]);
  }
  if (options.bool("append_only")) return notYet("append_only");
  if (options.bool("pooler_compatibility_mode")) return notYet("pooler_compatibility_mode");
  if (options.has("cdc_mode")) {
    const cdc = options.str("cdc_mode").toLowerCase();
    if (cdc == "wal") return notYet("cdc_mode => 'wal'");
    if (cdc != "auto" && cdc != "trigger") {
      return new EngineError(ErrorCode.InvalidArgument, "invalid cdc_mode \"" + options.str("cdc_mode") + "\"")
        .withHint("Use 'auto', 'trigger' or 'wal'.");
    }
  }
  return null;
}

function notYet(option: string): EngineError {
  return new EngineError(ErrorCode.UnsupportedConstruct, "option " + option + " is not supported yet")
    .withHint("Leave it unset (NULL) in this version of pg_trickle.");
}
