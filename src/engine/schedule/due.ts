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
 *
 * Diamonds: when a stream table D reads two or more stream tables that share an ancestor (A→B,
 * A→C, B+C→D), and D's diamond_consistency is 'atomic' (the default), those upstream stream tables
 * form a consistency group. A group is refreshed in one transaction, so D never sees a new B with
 * an old C. Under D's diamond_schedule_policy 'fastest' (the default) the group is due when any
 * member is; under 'slowest' only when all are. Groups that share a member are merged. The
 * answer's `batches` are the due stream tables cut into transactions: a group's members together,
 * every other stream table alone, batches ordered upstream first.
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
  /** Relation oids of the sources that are not stream tables. */
  sources: string[] = [];
  /** Whether the upstream stream tables of this one that share an ancestor refresh together. */
  atomicDiamonds: bool = true;
  /** 'fastest' or 'slowest': when a consistency group converging here is due. */
  diamondPolicy: string = "fastest";
  /** Indexes of the scheduled stream tables that list this one as upstream. */
  consumers: i32[] = [];
  /** Indexes of the scheduled stream tables this one lists as upstream. */
  upstreamIndexes: i32[] = [];

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

  let due = new Array<bool>(tables.length);
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
  const groups = consistencyGroups(tables);
  due = applyGroupPolicies(groups, due);
  const batches = dependencyBatches(tables, due, groups);
  const batchJson: string[] = [];
  const dueIds: string[] = [];
  for (let b = 0; b < batches.length; b++) {
    const ids: string[] = [];
    for (let m = 0; m < batches[b].length; m++) ids.push(tables[batches[b][m]].id);
    batchJson.push(new JsonObjectWriter().strings("ids", ids).toString());
    for (let m = 0; m < ids.length; m++) dueIds.push(ids[m]);
  }
  const groupJson: string[] = [];
  for (let g = 0; g < groups.length; g++) {
    const members: string[] = [];
    const convergence: string[] = [];
    for (let m = 0; m < groups[g].members.length; m++) members.push(tables[groups[g].members[m]].id);
    for (let c = 0; c < groups[g].convergence.length; c++) convergence.push(tables[groups[g].convergence[c]].id);
    groupJson.push(new JsonObjectWriter().int("group", g + 1).strings("members", members).strings("convergence", convergence)
      .str("policy", groups[g].policy).toString());
  }
  return okResponse(new JsonObjectWriter()
    .strings("due", dueIds)
    .raw("batches", jsonArray(batchJson))
    .raw("groups", jsonArray(groupJson))
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
  const sources = entry.arr("sources");
  for (let u = 0; u < sources.length; u++) table.sources.push(sources[u].text);
  table.atomicDiamonds = entry.str("diamondConsistency", "atomic").toLowerCase() != "none";
  table.diamondPolicy = entry.str("diamondSchedulePolicy", "fastest").toLowerCase() == "slowest" ? "slowest" : "fastest";
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
      if (!tables[i].upstreamIndexes.includes(indexOf.get(upstream[u]))) tables[i].upstreamIndexes.push(indexOf.get(upstream[u]));
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

/** A consistency group: stream tables refreshed in one transaction, and where they converge. */
class Group {
  members: i32[] = [];
  convergence: i32[] = [];
  policy: string = "fastest";
}

/** Everything `table` reads, directly or through the stream tables it reads: "r<oid>" and "s<id>". */
function ancestors(tables: Scheduled[], start: i32): Set<string> {
  const out = new Set<string>();
  const visited = new Set<i32>();
  const pending: i32[] = [start];
  while (pending.length > 0) {
    const next = pending.pop();
    if (visited.has(next)) continue;
    visited.add(next);
    const table = tables[next];
    for (let s = 0; s < table.sources.length; s++) out.add("r" + table.sources[s]);
    for (let u = 0; u < table.upstreamIndexes.length; u++) {
      out.add("s" + tables[table.upstreamIndexes[u]].id);
      pending.push(table.upstreamIndexes[u]);
    }
  }
  return out;
}

function sharesAncestor(a: Set<string>, b: Set<string>): bool {
  const items = a.values();
  for (let i = 0; i < items.length; i++) if (b.has(items[i])) return true;
  return false;
}

/** The root of `i` in the union-find `parent`. */
function findRoot(parent: i32[], i: i32): i32 {
  while (parent[i] != i) i = parent[i];
  return i;
}

/**
 * The consistency groups: for every atomic convergence point, its upstream stream tables joined
 * when they share an ancestor; groups sharing a member merged. A merged group is 'slowest' only
 * when every convergence point in it asks for that. Ordered by their smallest member.
 */
function consistencyGroups(tables: Scheduled[]): Group[] {
  const parent = new Array<i32>(tables.length);
  const grouped = new Array<bool>(tables.length);
  for (let i = 0; i < tables.length; i++) parent[i] = i;
  const convergences: i32[] = [];
  for (let d = 0; d < tables.length; d++) {
    const ups = tables[d].upstreamIndexes;
    if (!tables[d].atomicDiamonds || ups.length < 2) continue;
    const sets: Set<string>[] = [];
    for (let u = 0; u < ups.length; u++) sets.push(ancestors(tables, ups[u]));
    let joined = false;
    for (let x = 0; x < ups.length; x++) {
      for (let y = x + 1; y < ups.length; y++) {
        if (!sharesAncestor(sets[x], sets[y])) continue;
        parent[findRoot(parent, ups[y])] = findRoot(parent, ups[x]);
        grouped[ups[x]] = true;
        grouped[ups[y]] = true;
        joined = true;
      }
    }
    if (joined) convergences.push(d);
  }
  const byRoot = new Map<i32, i32>();
  const groups: Group[] = [];
  for (let i = 0; i < tables.length; i++) {
    if (!grouped[i]) continue;
    const root = findRoot(parent, i);
    if (!byRoot.has(root)) {
      byRoot.set(root, groups.length);
      const group = new Group();
      group.policy = "slowest";
      groups.push(group);
    }
    groups[byRoot.get(root)].members.push(i);
  }
  for (let c = 0; c < convergences.length; c++) {
    const d = convergences[c];
    const ups = tables[d].upstreamIndexes;
    for (let u = 0; u < ups.length; u++) {
      if (!grouped[ups[u]]) continue;
      const group = groups[byRoot.get(findRoot(parent, ups[u]))];
      if (!group.convergence.includes(d)) group.convergence.push(d);
      if (tables[d].diamondPolicy != "slowest") group.policy = "fastest";
    }
  }
  return groups;
}

/** `due` after the groups' policies: 'fastest' makes all members due when one is, 'slowest' none until all are. */
function applyGroupPolicies(groups: Group[], due: bool[]): bool[] {
  const out = due.slice();
  for (let g = 0; g < groups.length; g++) {
    const members = groups[g].members;
    let any = false;
    let all = true;
    for (let m = 0; m < members.length; m++) {
      any = any || due[members[m]];
      all = all && due[members[m]];
    }
    const value = groups[g].policy == "slowest" ? all : any;
    for (let m = 0; m < members.length; m++) out[members[m]] = value;
  }
  return out;
}

/**
 * The due tables cut into batches (a group's due members together, every other due table alone),
 * ordered upstream before downstream by Kahn's algorithm over the batches, ties by smallest id;
 * batches left on a cycle follow. Within a batch, members keep dependency order. `tables` is
 * ordered by id.
 */
function dependencyBatches(tables: Scheduled[], due: bool[], groups: Group[]): i32[][] {
  const batchOf = new Array<i32>(tables.length);
  const batches: i32[][] = [];
  for (let i = 0; i < tables.length; i++) batchOf[i] = -1;
  for (let g = 0; g < groups.length; g++) {
    const members: i32[] = [];
    for (let m = 0; m < groups[g].members.length; m++) if (due[groups[g].members[m]]) members.push(groups[g].members[m]);
    if (members.length == 0) continue;
    for (let m = 0; m < members.length; m++) batchOf[members[m]] = batches.length;
    batches.push(members);
  }
  for (let i = 0; i < tables.length; i++) {
    if (!due[i] || batchOf[i] >= 0) continue;
    batchOf[i] = batches.length;
    batches.push([i]);
  }
  // Edges between batches: a due table waits for the due tables it reads.
  const waitingFor = new Array<i32>(batches.length);
  for (let i = 0; i < tables.length; i++) {
    if (!due[i]) continue;
    const consumers = tables[i].consumers;
    for (let c = 0; c < consumers.length; c++) {
      // Edges inside a group's batch do not wait (its members refresh together); a self-loop does.
      if (due[consumers[c]] && (batchOf[consumers[c]] != batchOf[i] || consumers[c] == i)) waitingFor[batchOf[consumers[c]]]++;
    }
  }
  const ordered: i32[][] = [];
  const placed = new Array<bool>(batches.length);
  for (;;) {
    let next = -1;
    for (let b = 0; b < batches.length; b++) {
      if (placed[b] || waitingFor[b] != 0) continue;
      if (next < 0 || smallestMember(batches[b]) < smallestMember(batches[next])) next = b;
    }
    if (next < 0) break;
    placed[next] = true;
    ordered.push(orderWithin(tables, batches[next]));
    for (let m = 0; m < batches[next].length; m++) {
      const consumers = tables[batches[next][m]].consumers;
      for (let c = 0; c < consumers.length; c++) {
        if (due[consumers[c]] && batchOf[consumers[c]] != next) waitingFor[batchOf[consumers[c]]]--;
      }
    }
  }
  // Batches left on a cycle, by smallest member (batches were created in that order per kind, so sort).
  for (;;) {
    let next = -1;
    for (let b = 0; b < batches.length; b++) {
      if (!placed[b] && (next < 0 || smallestMember(batches[b]) < smallestMember(batches[next]))) next = b;
    }
    if (next < 0) break;
    placed[next] = true;
    ordered.push(orderWithin(tables, batches[next]));
  }
  return ordered;
}

/** Table indexes are in id order, so the smallest index is the smallest id. */
function smallestMember(batch: i32[]): i32 {
  let least = batch[0];
  for (let m = 1; m < batch.length; m++) if (batch[m] < least) least = batch[m];
  return least;
}

/** The members of one batch, upstream before downstream among themselves, ties by id. */
function orderWithin(tables: Scheduled[], batch: i32[]): i32[] {
  const inBatch = new Set<i32>();
  for (let m = 0; m < batch.length; m++) inBatch.add(batch[m]);
  const waiting = new Map<i32, i32>();
  for (let m = 0; m < batch.length; m++) {
    let n = 0;
    const ups = tables[batch[m]].upstreamIndexes;
    for (let u = 0; u < ups.length; u++) if (inBatch.has(ups[u])) n++;
    waiting.set(batch[m], n);
  }
  const sorted = batch.slice();
  sorted.sort((x: i32, y: i32): i32 => x - y);
  const out: i32[] = [];
  while (out.length < sorted.length) {
    let next = -1;
    for (let m = 0; m < sorted.length; m++) {
      if (!out.includes(sorted[m]) && waiting.get(sorted[m]) == 0) { next = sorted[m]; break; }
    }
    if (next < 0) {
      for (let m = 0; m < sorted.length; m++) if (!out.includes(sorted[m])) out.push(sorted[m]);
      break;
    }
    out.push(next);
    const consumers = tables[next].consumers;
    for (let c = 0; c < consumers.length; c++) if (inBatch.has(consumers[c])) waiting.set(consumers[c], waiting.get(consumers[c]) - 1);
  }
  return out;
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
