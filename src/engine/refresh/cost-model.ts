/**
 * @fileoverview AUTO's cost model: whether a stream table's own last refreshes say a FULL refresh
 * will be cheaper than a DIFFERENTIAL refresh of the pending changes (with
 * pg_trickle.refresh_strategy = auto, below the change ratio), and when to try DIFFERENTIAL again
 * after they did. The samples come from the refresh history (analyze/catalog.ts, lookupRefreshCosts).
 *
 * Predicting DIFFERENTIAL. A refresh of n changes costs a fixed part (planning, the delta terms'
 * index probes, rescans of the groups it touches — often most of it) plus a part per change, split
 * in unknown proportions. One refresh of m changes that took t ms bounds a refresh of n from above
 * whatever the split: t·n/m when n > m (as if all of it were per change), t when n ≤ m (as if all
 * of it were fixed: never less than measured). So a single sample predicts, and samples of one
 * size are enough. Samples of about the same size (the same power of two) repeat one measurement:
 * their median stands for it, not their mean, since a first refresh runs with cold caches and
 * plans. Each size gives a bound; the tightest one is the prediction. Erring high with more
 * changes is the safe side: a FULL refresh costs what the query costs, a DIFFERENTIAL one grows
 * with the changes, sometimes far beyond it.
 *
 * FULL's cost is the median of its last five refreshes; the initial population counts until
 * another FULL refresh is measured (see lookupRefreshCosts).
 *
 * The margin. FULL is chosen only when DIFFERENTIAL is predicted more than MARGIN (10 %) slower.
 * Noise smaller than that does not flip the choice, and while the prediction holds AUTO stays
 * within 10 % of the better mode. Within the margin DIFFERENTIAL is kept: a FULL refresh truncates
 * the table, locking its readers out until it commits, and only a DIFFERENTIAL refresh adds a
 * DIFFERENTIAL sample.
 *
 * Trying again. While AUTO refreshes FULL its DIFFERENTIAL samples stay as they were, however the
 * data and the changes evolve. So it refreshes DIFFERENTIAL again (a probe) when:
 * - the FULL refreshes since the last DIFFERENTIAL one took PROBE_BUDGET (10) times the excess
 *   of a probe, the most it can cost minus FULL's cost: where FULL stays the better mode, probes
 *   cost at most a tenth more than FULL alone. A probe comes after one FULL refresh when the two
 *   are predicted close, after hundreds when DIFFERENTIAL was many times slower. The most a probe
 *   of more changes than measured can cost is not the linear bound above: the delta of a query
 *   whose changes fan out through groups grows faster (TPC-H Q13 at scale factor 1: 3.4 s for
 *   6,400 changes, 233 s for 63,000). Its excess is charged as if the cost grew with the square
 *   of the changes (PROBE_GROWTH), so such a probe waits far longer; one that could cost some
 *   100 FULL refreshes more than a FULL one never comes (only the last 1000 are summed);
 * - or the pending changes are at most an eighth (FEWER_CHANGES) of every sample's: the
 *   prediction gave them no saving for being fewer. Such a probe costs at most what the smallest
 *   sample took, and its own sample then bounds this size, so it recurs only when the changes
 *   shrink by a factor of eight again.
 *
 * More changes than measured. The linear bound overstates a refresh of more changes than any
 * sample by the fixed part it scales up with them (TPC-H Q7 at scale factor 1: 0.1 % of the
 * orders changed took 119 ms, so 1 % was predicted 1.2 s, over FULL's 1.1 s; it took 0.8 s). When
 * the pending changes fall in a size band above every sample's and the bound is at most half again
 * FULL's cost (EXTRAPOLATED), AUTO refreshes DIFFERENTIAL to measure that size: the try costs
 * at most half a FULL refresh more while the cost grows no faster than the changes, and the
 * sample it leaves bounds the band from then on, so it happens once per band.
 */

import { RefreshCosts, DifferentialSample } from "../analyze/catalog";

/** How much slower DIFFERENTIAL must be predicted before FULL is chosen: 10 %. */
const MARGIN: f64 = 0.1;
/** A probe may cost (in predicted excess over FULL) a tenth of the FULL refreshes since the last DIFFERENTIAL one. */
const PROBE_BUDGET: f64 = 10;
/** A probe of more changes than measured is charged as if its cost grew with their square. */
const PROBE_GROWTH: i32 = 2;
/** Pending changes this many times fewer than every sample's (or more so) make a probe. */
const FEWER_CHANGES: i64 = 8;
/** More changes than every sample's, predicted at most this much over FULL, make a probe: 50 %. */
const EXTRAPOLATED: f64 = 0.5;

/** What the cost model says: FULL or DIFFERENTIAL, and why (a clause for the history's reason). */
export class CostChoice {
  constructor(public full: bool, public why: string) {}
}

/** The median of `values` (not empty); the mean of the middle two for an even number. */
function median(values: f64[]): f64 {
  const sorted = values.slice(0);
  sorted.sort((a: f64, b: f64): i32 => (a < b ? -1 : a > b ? 1 : 0));
  const middle = sorted.length >> 1;
  return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** The power of two a sample's size falls in: samples of one band repeat one measurement. */
function sizeBand(changes: i64): i32 {
  return 64 - <i32>clz<i64>(changes < 1 ? 1 : changes);
}

/**
 * What `sample` says a refresh of `changes` changes costs at most (see the file's comment): its
 * time scaled by the ratio of changes to the power `growth` when there are more, else its time.
 */
function bound(sample: DifferentialSample, changes: i64, growth: i32): f64 {
  const sampled = sample.changes < 1 ? 1 : sample.changes;
  let ms = sample.ms;
  for (let i = 0; i < growth && changes > sampled; i++) ms *= <f64>changes / <f64>sampled;
  return ms;
}

/**
 * The predicted duration of a DIFFERENTIAL refresh of `changes` changes, its cost growing at most
 * with the power `growth` of the changes: per size band the median of its samples' bounds, and
 * the least of those. NaN without samples.
 */
function predictedDifferentialMs(samples: DifferentialSample[], changes: i64, growth: i32): f64 {
  let best = NaN;
  const done = new Set<i32>();
  for (let i = 0; i < samples.length; i++) {
    const band = sizeBand(samples[i].changes);
    if (done.has(band)) continue;
    done.add(band);
    const bounds: f64[] = [];
    for (let j = i; j < samples.length; j++) {
      if (sizeBand(samples[j].changes) == band) bounds.push(bound(samples[j], changes, growth));
    }
    const estimate = median(bounds);
    if (isNaN(best) || estimate < best) best = estimate;
  }
  return best;
}

/** `ms` to a tenth of a millisecond: "12 ms", "0.4 ms". */
function formatMs(ms: f64): string {
  const tenths = <i64>Math.round(ms * 10);
  return (tenths / 10).toString() + (tenths % 10 != 0 ? "." + (tenths % 10).toString() : "") + " ms";
}

/** The most changes of a sample (`most`), or the fewest. */
function extremeChanges(samples: DifferentialSample[], most: bool): i64 {
  let extreme = samples[0].changes;
  for (let i = 1; i < samples.length; i++) if (most ? samples[i].changes > extreme : samples[i].changes < extreme) extreme = samples[i].changes;
  return extreme;
}

/** AUTO's choice for a refresh of `changes` pending changes, from the stream table's last refreshes `costs`. */
export function chooseByCost(costs: RefreshCosts, changes: i64): CostChoice {
  if (costs.differentials.length == 0) return new CostChoice(false, "no earlier DIFFERENTIAL refresh to predict its cost from");
  if (costs.fullMs.length == 0) return new CostChoice(false, "no earlier FULL refresh to compare with");
  const differential = predictedDifferentialMs(costs.differentials, changes, 1);
  const full = median(costs.fullMs);
  const takes = "a DIFFERENTIAL refresh of them is predicted to take " + formatMs(differential);
  const predicted = takes + ", a FULL one " + formatMs(full) + " (from the last refreshes)";
  if (differential <= full * (1 + MARGIN)) return new CostChoice(false, predicted);
  const fewest = extremeChanges(costs.differentials, false);
  if (changes * FEWER_CHANGES <= fewest) {
    return new CostChoice(false, "DIFFERENTIAL to measure it on fewer changes, at most an eighth of the " + fewest.toString()
      + " of the smallest DIFFERENTIAL refresh measured; " + predicted);
  }
  const most = extremeChanges(costs.differentials, true);
  if (sizeBand(changes) > sizeBand(most) && differential <= full * (1 + EXTRAPOLATED)) {
    return new CostChoice(false, "DIFFERENTIAL to measure it on more changes than the " + most.toString()
      + " of the largest DIFFERENTIAL refresh measured; " + predicted);
  }
  if (costs.fullMsSinceDifferential >= PROBE_BUDGET * (predictedDifferentialMs(costs.differentials, changes, PROBE_GROWTH) - full)) {
    const fulls = costs.fullsSinceDifferential;
    return new CostChoice(false, "DIFFERENTIAL to measure it anew after " + fulls.toString() + (fulls == 1 ? " FULL refresh" : " FULL refreshes")
      + " (" + formatMs(costs.fullMsSinceDifferential) + " in all) since the last DIFFERENTIAL one; " + predicted);
  }
  return new CostChoice(true, takes + ", more than 10% over a FULL one's " + formatMs(full) + " (from the last refreshes)");
}
