/** @fileoverview Validation of create/alter options: refresh mode, schedule, status, and options not supported yet. */

import { Json, JsonKind } from "../util/json";
import { EngineError } from "../errors/engine-error";
import { ErrorCode } from "../errors/codes.generated";

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
  if (upper == "AUTO" || upper == "FULL" || upper == "DIFFERENTIAL") choice.mode = upper;
  else if (upper == "INCREMENTAL") choice.mode = "DIFFERENTIAL";
  else if (upper == "IMMEDIATE") {
    choice.error = new EngineError(ErrorCode.UnsupportedConstruct, "refresh mode IMMEDIATE is not supported yet")
      .withHint("Use 'DIFFERENTIAL', 'FULL' or 'AUTO'.");
    return choice;
  } else {
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

const UNIT_SECONDS: i64[] = [1, 60, 3600, 86400, 604800];
const UNITS = "smhdw";

/** Seconds of a duration like '30s', '1h30m', '2d'; -1 when `text` is not one. */
export function durationSeconds(text: string): i64 {
  if (text.length == 0) return -1;
  let total: i64 = 0;
  let digits: i64 = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      digits = (digits < 0 ? 0 : digits) * 10 + (c - 48);
      if (digits > 1000000000) return -1;
      continue;
    }
    const unit = UNITS.indexOf(text.charAt(i).toLowerCase());
    if (unit < 0 || digits < 0) return -1;
    total += digits * UNIT_SECONDS[unit];
    digits = -1;
  }
  return digits >= 0 ? -1 : total;
}

const CRON_MACROS = ["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"];

const CRON_NAMES = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
  "sun", "mon", "tue", "wed", "thu", "fri", "sat"];

/** True for a number or a three-letter month or weekday name. */
function isCronValue(text: string): bool {
  if (text.length == 0) return false;
  if (CRON_NAMES.includes(text.toLowerCase())) return true;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return text.length <= 4;
}

/** True for one cron field: a comma list of `*`, `v`, `v-v`, each optionally `/step`. */
function isCronField(field: string): bool {
  const items = field.split(",");
  for (let i = 0; i < items.length; i++) {
    const stepAt = items[i].indexOf("/");
    const range = stepAt >= 0 ? items[i].substring(0, stepAt) : items[i];
    if (stepAt >= 0 && !isCronValue(items[i].substring(stepAt + 1))) return false;
    if (range == "*") continue;
    const dash = range.indexOf("-");
    if (dash < 0) { if (!isCronValue(range)) return false; continue; }
    if (!isCronValue(range.substring(0, dash)) || !isCronValue(range.substring(dash + 1))) return false;
  }
  return true;
}

/** True for a 5- or 6-field cron expression (6: with seconds first) or a cron macro. */
export function isCron(text: string): bool {
  if (CRON_MACROS.includes(text.toLowerCase())) return true;
  const fields = text.split(" ").filter((f: string): bool => f.length > 0);
  if (fields.length != 5 && fields.length != 6) return false;
  for (let f = 0; f < fields.length; f++) if (!isCronField(fields[f])) return false;
  return true;
}

/** Parses a schedule argument: 'calculated', a duration of at least `minSeconds`, or cron. */
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
  if (isCron(text)) {
    choice.value = text;
    return choice;
  }
  choice.error = new EngineError(ErrorCode.InvalidArgument, "invalid schedule \"" + text + "\"")
    .withHint("Use a duration such as '30s' or '1h30m', a cron expression such as '*/5 * * * *', or 'calculated'.");
  return choice;
}

const NOT_YET: string[] = [
  "diamond_consistency", "diamond_schedule_policy", "partition_by", "max_differential_joins", "max_delta_fraction",
  "tier", "fuse", "fuse_ceiling", "fuse_sensitivity",
];

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
