/**
 * @fileoverview `schedule`: which stream tables of one database are due for a refresh now, in
 * what order, and how long the scheduler may sleep until the next one is. The background worker
 * reads the catalog and the clock on every tick; this decision is pure.
 *
 * A stream table that is SUSPENDED or in ERROR, or in refresh mode IMMEDIATE, is never due. One
 * never refreshed (not populated, or no last refresh) is due at once. Otherwise it is due when
 * its schedule says so since its last refresh: a duration ('30s', '1h30m') once that much time has
 * passed; cron once the expression has fired; 'calculated' (a NULL schedule) once the shortest
 * period among the stream tables that read it has passed, the default period when none does.
 *
 * A schedule the engine cannot read (the catalog was edited by hand, or by another version) makes
 * its stream table never due and is reported, rather than failing the whole tick.
 */

import { Json, JsonKind, JsonObjectWriter, jsonArray } from "../util/json";
import { EngineError, errorResponse, okResponse } from "../errors/engine-error";
import { ErrorCode } from "../errors/codes.generated";
import { CronSchedule, NO_FIRE, nextFireAfter, parseCron } from "./cron";
import { durationSeconds } from "./duration";

/** How a stream table's schedule is given. */
enum ScheduleKind { Duration, Cron, Calculated }

/** An instant that is absent, or not a number. */
const NO_TIME: i64 = i64.MIN_VALUE;

/** A stream table the worker refreshes on a schedule: the request's entry, read and checked. */
class Scheduled {
  kind: ScheduleKind = ScheduleKind.Calculated;
  /** Effective period: the duration, the gap between the next two cron fire times, or derived; -1 when none. */
  seconds: i64 = -1;
  cron: CronSchedule | null = null;
  /** NO_TIME when it was never refreshed (or is not populated). */
  lastRefreshAt: i64 = NO_TIME;
  upstream: string[] = [];
  /** Indexes of the scheduled stream tables that list this one as upstream. */
  consumers: i32[] = [];

  constructor(public id: string, public key: u64) {}
}

/**
 * Handles `{"op":"schedule", now, defaultScheduleSeconds, streamTables: [{id, schedule,
 * refreshMode, status, populated, lastRefreshAt, upstream}]}` (instants in epoch milliseconds,
 * as JSON numbers or numeric strings). Answers `{due: [id...], nextDueInMs, effective: [{id,
 * seconds}], invalid: [{id, reason}]}`: `due` upstream before downstream, then by id;
 * `nextDueInMs` until the earliest of the others is due, -1 when none will be.
 */
export function planSchedule(request: Json): string {
  const now = readInteger(request.get("now"));
  let defaultSeconds = readInteger(request.get("defaultScheduleSeconds"));
  if (now == NO_TIME || defaultSeconds == NO_TIME || request.get("streamTables").kind != JsonKind.Array) {
    return errorResponse(new EngineError(ErrorCode.InternalProtocol,
      "schedule request without a numeric now and defaultScheduleSeconds, or without streamTables"));
  }
  if (defaultSeconds < 0) defaultSeconds = 0;
  const invalid: string[] = [];
  const tables = readStreamTables(request.arr("streamTables"), invalid);
  for (let i = 0; i < tables.length; i++) {
    const table = tables[i];
    if (table.kind == ScheduleKind.Cron) table.seconds = cronGapSeconds(changetype<CronSchedule>(table.cron), now);
  }
  for (let i = 0; i < tables.length; i++) {
    if (tables[i].kind == ScheduleKind.Calculated) tables[i].seconds = calculatedSeconds(tables, i, defaultSeconds);
  }

  const due = new Array<bool>(tables.length);
  let nextDue: i64 = -1;
  const effective: string[] = [];
  for (let i = 0; i < tables.length; i++) {
    const table = tables[i];
    if (table.seconds >= 0) {
      effective.push(new JsonObjectWriter().str("id", table.id).int("seconds", table.seconds).toString());
    }
    const at = dueAt(table, now);
    due[i] = at != NO_TIME && at <= now;
    if (at != NO_TIME && at > now && (nextDue < 0 || at - now < nextDue)) nextDue = at - now;
  }
  return okResponse(new JsonObjectWriter()
    .strings("due", dependencyOrder(tables, due))
    .int("nextDueInMs", nextDue)
    .raw("effective", jsonArray(effective))
    .raw("invalid", jsonArray(invalid))
    .toString());
}

/** When `table` is next due (`now` when it was never refreshed), or NO_TIME for never. */
function dueAt(table: Scheduled, now: i64): i64 {
  const last = table.lastRefreshAt;
  if (last == NO_TIME) return now;
  if (table.kind == ScheduleKind.Cron) {
    const fire = nextFireAfter(changetype<CronSchedule>(table.cron), last);
    return fire == NO_FIRE ? NO_TIME : fire;
  }
  return table.seconds < 0 ? NO_TIME : last + table.seconds * 1000;
}

/**
 * The scheduled stream tables of `entries`, ordered by id, each linked to its consumers. Skipped
 * ones are left out; unreadable ones too, with a `{id, reason}` object added to `invalid`.
 */
function readStreamTables(entries: Json[], invalid: string[]): Scheduled[] {
  const tables: Scheduled[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i];
    const id = entry.str("id");
    let problem = !isDigits(id) ? "id is not a stream table id" : seen.has(id) ? "id appears more than once" : "";
    if (problem.length == 0) {
      seen.add(id);
      const status = entry.str("status").toUpperCase();
      if (status == "SUSPENDED" || status == "ERROR" || entry.str("refreshMode").toUpperCase() == "IMMEDIATE") continue;
      const table = new Scheduled(id, U64.parseInt(id));
      problem = readEntry(entry, table);
      if (problem.length == 0) tables.push(table);
    }
    if (problem.length > 0) invalid.push(new JsonObjectWriter().str("id", id).str("reason", problem).toString());
  }
  tables.sort((a: Scheduled, b: Scheduled): i32 => a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
  linkConsumers(tables);
  return tables;
}

/** Fills `table` from `entry`; returns why it cannot be scheduled, or "" when it can. */
function readEntry(entry: Json, table: Scheduled): string {
  if (entry.has("schedule")) {
    const text = entry.str("schedule").trim();
    table.seconds = durationSeconds(text);
    if (table.seconds >= 0) {
      table.kind = ScheduleKind.Duration;
    } else {
      const cron = parseCron(text);
      if (cron.schedule === null) return "invalid schedule \"" + text + "\": " + cron.reason;
      table.kind = ScheduleKind.Cron;
      table.cron = cron.schedule;
    }
  }
  if (entry.has("lastRefreshAt")) {
    table.lastRefreshAt = readInteger(entry.get("lastRefreshAt"));
    if (table.lastRefreshAt == NO_TIME) return "lastRefreshAt is not a number of milliseconds";
  }
  if (!entry.bool("populated")) table.lastRefreshAt = NO_TIME;
  const upstream = entry.arr("upstream");
  for (let u = 0; u < upstream.length; u++) table.upstream.push(upstream[u].text);
  return "";
}

/** Fills each table's `consumers` from the others' `upstream` lists (ids of unknown tables are ignored). */
function linkConsumers(tables: Scheduled[]): void {
  const indexOf = new Map<string, i32>();
  for (let i = 0; i < tables.length; i++) indexOf.set(tables[i].id, i);
  for (let i = 0; i < tables.length; i++) {
    const upstream = tables[i].upstream;
    for (let u = 0; u < upstream.length; u++) {
      if (!indexOf.has(upstream[u])) continue;
      const consumers = tables[indexOf.get(upstream[u])].consumers;
      if (!consumers.includes(i)) consumers.push(i);
    }
  }
}

/** The gap in seconds between the next two fire times of `cron` after `now`, or -1 when there are not two. */
function cronGapSeconds(cron: CronSchedule, now: i64): i64 {
  const first = nextFireAfter(cron, now);
  const second = first == NO_FIRE ? NO_FIRE : nextFireAfter(cron, first);
  return second == NO_FIRE ? -1 : (second - first) / 1000;
}

/**
 * The derived period of the calculated stream table `start`: the shortest period of the
 * duration and cron stream tables reachable downstream of it through calculated ones, and the
 * default when one of those calculated ones has no consumers, or nothing is reachable. This is
 * the minimum over consumers, recursively, written so that a cycle cannot loop.
 */
function calculatedSeconds(tables: Scheduled[], start: i32, defaultSeconds: i64): i64 {
  let shortest: i64 = -1;
  let reachesDefault = tables[start].consumers.length == 0;
  const visited = new Set<i32>();
  const pending = tables[start].consumers.slice();
  while (pending.length > 0) {
    const next = pending.pop();
    if (visited.has(next)) continue;
    visited.add(next);
    const table = tables[next];
    if (table.kind == ScheduleKind.Calculated) {
      if (table.consumers.length == 0) reachesDefault = true;
      for (let c = 0; c < table.consumers.length; c++) pending.push(table.consumers[c]);
    } else if (table.seconds >= 0 && (shortest < 0 || table.seconds < shortest)) {
      shortest = table.seconds;
    }
  }
  if (shortest < 0 || (reachesDefault && defaultSeconds < shortest)) return defaultSeconds;
  return shortest;
}

/**
 * The ids of the due tables, upstream before downstream (Kahn's algorithm over the edges among
 * them), ties by id; tables left on a cycle follow, by id. `tables` is ordered by id.
 */
function dependencyOrder(tables: Scheduled[], due: bool[]): string[] {
  const waitingFor = new Array<i32>(tables.length);
  for (let i = 0; i < tables.length; i++) {
    if (!due[i]) continue;
    const consumers = tables[i].consumers;
    for (let c = 0; c < consumers.length; c++) if (due[consumers[c]]) waitingFor[consumers[c]]++;
  }
  const order: string[] = [];
  const placed = new Array<bool>(tables.length);
  for (let next = firstReady(due, placed, waitingFor); next >= 0; next = firstReady(due, placed, waitingFor)) {
    placed[next] = true;
    order.push(tables[next].id);
    const consumers = tables[next].consumers;
    for (let c = 0; c < consumers.length; c++) waitingFor[consumers[c]]--;
  }
  for (let i = 0; i < tables.length; i++) if (due[i] && !placed[i]) order.push(tables[i].id);
  return order;
}

/** The first due, unplaced table waiting for no other, or -1. */
function firstReady(due: bool[], placed: bool[], waitingFor: i32[]): i32 {
  for (let i = 0; i < due.length; i++) if (due[i] && !placed[i] && waitingFor[i] == 0) return i;
  return -1;
}

/** True for 1 to 19 ASCII digits (a bigint id). */
function isDigits(text: string): bool {
  if (text.length == 0 || text.length > 19) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/**
 * An integer from a JSON number or numeric string, any fraction dropped (`EXTRACT(epoch FROM
 * ...) * 1000` has one); NO_TIME for null or anything else.
 */
function readInteger(value: Json): i64 {
  if (value.kind != JsonKind.Number && value.kind != JsonKind.String) return NO_TIME;
  const text = value.text.trim();
  const sign = text.startsWith("-") ? 1 : 0;
  const point = text.indexOf(".");
  const whole = text.substring(sign, point >= 0 ? point : text.length);
  const fraction = point >= 0 ? text.substring(point + 1) : "0";
  if (whole.length > 18 || !isDigits(whole) || !isDigits(fraction)) return NO_TIME;
  return sign == 1 ? -I64.parseInt(whole) : I64.parseInt(whole);
}
