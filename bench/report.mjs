// The benchmark report: target/bench/report.json (one object per metric) and target/bench/report.md (the same
// as a table, with the machine facts). Each part of `cargo xtask bench` merges its own rows by metric name, so
// `cargo xtask bench browser`, `cargo xtask bench lighthouse` and `cargo xtask bench edge` update only what they
// measured.
import { readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const OUT = join(ROOT, 'target', 'bench');
export const QUICK = process.env.KEYWARD_BENCH_QUICK === '1';

/** Sorted copy. */
const sorted = (values) => [...values].sort((a, b) => a - b);

/** The q-quantile with linear interpolation between closest ranks. */
export function quantile(values, q) {
  const list = sorted(values);
  if (list.length === 0) return NaN;
  const position = (list.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  return list[low] + (list[high] - list[low]) * (position - low);
}

export const median = (values) => quantile(values, 0.5);

/** Median and p10/p90 (the spread every row states), rounded for the report. */
export function summary(values) {
  return {
    median: round(median(values)),
    spread: { kind: 'p10/p90', low: round(quantile(values, 0.1)), high: round(quantile(values, 0.9)) },
    runs: values.length,
  };
}

/**
 * A 95% bootstrap interval of median(a) / median(b): 2,000 resamples of each set with replacement, from a
 * fixed seed (so a rerun on the same data gives the same interval). Returns [low, high].
 */
export function ratioInterval(a, b) {
  let state = 0x9e3779b9;
  const random = () => {
    state ^= state << 13; state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5; state >>>= 0;
    return state / 0x100000000;
  };
  const resample = (values) => values.map(() => values[Math.floor(random() * values.length)]);
  const ratios = Array.from({ length: 2000 }, () => median(resample(a)) / median(resample(b)));
  return [round(quantile(ratios, 0.025), 3), round(quantile(ratios, 0.975), 3)];
}

export function round(value, digits = 2) {
  if (!Number.isFinite(value)) return value;
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/**
 * A metric row. `peers` maps a peer's name to { median, spread?, runs? }; the ratio keyward/peer is added here.
 * `target` is { text, met: (row) => boolean } or null for an informational row.
 */
export function row({ name, unit, keyward, peers = {}, target = null, notes }) {
  const result = { name, unit, keyward: keyward.median, spread: keyward.spread, runs: keyward.runs, peers: {} };
  for (const [peer, value] of Object.entries(peers)) {
    result.peers[peer] = { ...value, ratio: value.median > 0 ? round(keyward.median / value.median, 3) : null };
  }
  result.target = target ? target.text : null;
  result.met = target ? Boolean(target.met(result)) : null;
  if (notes) result.notes = notes;
  return result;
}

/**
 * Merges `rows` (by name) and `facts` into the report and rewrites both files. The part's rows from an earlier
 * run that it no longer writes (a renamed metric) are dropped; the other part's rows stay.
 */
export function merge(part, rows, facts) {
  mkdirSync(OUT, { recursive: true });
  const jsonPath = join(OUT, 'report.json');
  const factsPath = join(OUT, 'facts.json');
  const existing = existsSync(jsonPath) ? JSON.parse(readFileSync(jsonPath, 'utf8')) : [];
  const byName = new Map(existing.filter((entry) => entry.part !== part).map((entry) => [entry.name, entry]));
  for (const entry of rows) byName.set(entry.name, { ...entry, part });
  const order = (entry) => ({ browser: 0, lighthouse: 1 }[entry.part] ?? 2);
  const merged = [...byName.values()].sort((a, b) => order(a) - order(b));
  const allFacts = {
    ...(existsSync(factsPath) ? JSON.parse(readFileSync(factsPath, 'utf8')) : {}),
    cpus: `${cpus().length} × ${cpus()[0]?.model ?? 'unknown'}`,
    ...facts,
  };
  writeFileSync(jsonPath, `${JSON.stringify(merged, null, 2)}\n`);
  writeFileSync(factsPath, `${JSON.stringify(allFacts, null, 2)}\n`);
  writeFileSync(join(OUT, 'report.md'), markdown(merged, allFacts));
  return merged;
}

const number = (value) => (typeof value === 'number' ? String(value) : String(value ?? '—'));

function markdown(rows, facts) {
  const lines = ['# Keyward benchmark', '', 'Written by `cargo xtask bench` (see README.md, "Benchmark").', '', '## Machine', ''];
  for (const [key, value] of Object.entries(facts)) lines.push(`- ${key}: ${value}`);
  lines.push('', '## Results', '',
    'Keyward and peers: medians; spread: Keyward\'s 10th/90th percentiles (p10/p90) unless the row says min/max; '
    + 'ratio = Keyward / peer (below 1: Keyward is faster or smaller, except for throughput rows, where above 1 '
    + 'is better).', '',
    '| metric | unit | Keyward | spread | runs | peers: median (ratio) | target | met |',
    '|---|---|---|---|---|---|---|---|');
  for (const entry of rows) {
    const spread = entry.spread ? `${number(entry.spread.low)}–${number(entry.spread.high)} (${entry.spread.kind})` : '—';
    const peers = Object.entries(entry.peers ?? {})
      .map(([peer, value]) => `${peer} ${number(value.median)}${value.runs ? ` [${value.runs}]` : ''} (×${number(value.ratio)})`)
      .join('; ') || '—';
    const met = entry.met === null ? 'info' : entry.met ? '**met**' : '**unmet**';
    lines.push(`| ${entry.name} | ${entry.unit} | ${number(entry.keyward)} | ${spread} | ${number(entry.runs)} | ${peers} | ${entry.target ?? '—'} | ${met} |`);
  }
  const noted = rows.filter((entry) => entry.notes);
  if (noted.length) {
    lines.push('', '## Notes', '');
    for (const entry of noted) lines.push(`- **${entry.name}**: ${entry.notes}`);
  }
  return `${lines.join('\n')}\n`;
}
