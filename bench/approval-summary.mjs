// Last step of `make bench-approval` (bench/approval.sh): reads the run-<phase>-<n>.json files the
// script wrote (one per driver run: the driver's figures, the baselines measured just before and
// after the run, the exchange pump's figures), prints a table of every run and the summary lines
// with PASS/MISS, and writes all of it as one JSON file.
//
// A phase's figure is its best run (the fastest cases/s), as in bench/run.sh: on a shared
// machine the slower runs mostly measure the neighbours. A run's ratio is its cases/s over the
// mean of the two baselines around it. The slowdown with the cases loaded is computed on the
// best cases/s of each phase (what the goal asks for) and, for reference, on those runs' ratios;
// a warning is printed when the disk's speed (the baseline) differed much between the two best
// runs, because then neither figure is about the loaded cases.
//
//   node bench/approval-summary.mjs --dir TMP --out RESULTS.json [--version V] [--threads T]
//        [--settings JSON] [--min-cases-per-s 300] [--max-slowdown-pct 20]
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, release } from 'node:os';
import { parseArgs } from 'node:util';

const { values: opt } = parseArgs({
  options: {
    dir: { type: 'string' },
    out: { type: 'string' },
    version: { type: 'string', default: '' },
    threads: { type: 'string', default: 'default' },
    settings: { type: 'string', default: '{}' },
    'min-cases-per-s': { type: 'string', default: '300' },
    'max-slowdown-pct': { type: 'string', default: '20' },
  },
});
if (!opt.dir || !opt.out) {
  console.error('usage: node bench/approval-summary.mjs --dir TMP --out RESULTS.json');
  process.exit(2);
}
const goal = { min_cases_per_s: Number(opt['min-cases-per-s']), max_slowdown_pct: Number(opt['max-slowdown-pct']) };

const runs = readdirSync(opt.dir).filter((f) => /^run-.*\.json$/.test(f))
  .map((f) => JSON.parse(readFileSync(`${opt.dir}/${f}`, 'utf8')))
  .sort((a, b) => (a.phase === b.phase ? a.run - b.run : a.phase === 'empty' ? -1 : 1));
const phases = {};
for (const r of runs) {
  r.baseline = (r.baseline_before + r.baseline_after) / 2;
  r.ratio = r.baseline > 0 ? r.driver.cases_per_s / r.baseline : 0;
  (phases[r.phase] ||= { label: r.label, cases_in_db: r.cases_in_db, runs: [] }).runs.push(r);
}
for (const [name, p] of Object.entries(phases)) {
  try { p.profile = JSON.parse(readFileSync(`${opt.dir}/profile-${name}.json`, 'utf8')); } catch { /* PROFILE=0 */ }
}
if (!phases.empty) {
  console.error('approval-summary: no run of the empty phase found');
  process.exit(1);
}
for (const p of Object.values(phases)) {
  p.best = p.runs.reduce((a, b) => (b.driver.cases_per_s > a.driver.cases_per_s ? b : a));
}
const e = phases.empty, f = phases.full;
const summary = {
  goal,
  empty_cases_per_s: e.best.driver.cases_per_s,
  empty_ratio: e.best.ratio,
  empty_pass: e.best.driver.cases_per_s >= goal.min_cases_per_s,
};
if (f) {
  summary.full_cases_in_db = f.cases_in_db;  // before its first run
  summary.full_cases_per_s = f.best.driver.cases_per_s;
  summary.full_ratio = f.best.ratio;
  summary.slowdown_pct = (1 - f.best.driver.cases_per_s / e.best.driver.cases_per_s) * 100;
  summary.ratio_slowdown_pct = (1 - f.best.ratio / e.best.ratio) * 100;
  if (e.profile && f.profile) {
    summary.cpu_ms_per_case = { empty: e.profile.case.cpu_ms, full: f.profile.case.cpu_ms };
    summary.cpu_increase_pct = (f.profile.case.cpu_ms / e.profile.case.cpu_ms - 1) * 100;
  }
  summary.full_pass = summary.slowdown_pct <= goal.max_slowdown_pct;
  // Were the two best runs measured on a disk of about the same speed?
  summary.baseline_change_pct = (f.best.baseline / e.best.baseline - 1) * 100;
}
writeFileSync(opt.out, JSON.stringify({
  date: new Date().toISOString(),
  host: { cores: cpus().length, kernel: release() },
  yiwang: { version: opt.version, threads: opt.threads, database: 'sqlite' },
  settings: JSON.parse(opt.settings),
  summary,
  phases,
}, null, 2) + '\n');

const n = (x, d = 2) => Number(x).toFixed(d);
console.log('');
console.log(`results: ${opt.out}`);
console.log(`${'run'.padEnd(34)} ${'baseline ins/s'.padStart(15)} ${'cases/s'.padStart(8)} ${'req/s'.padStart(6)} ` +
  `${'p50 ms'.padStart(7)} ${'p95 ms'.padStart(7)} ${'ratio'.padStart(7)}  exchange pump`);
for (const p of Object.values(phases)) {
  for (const r of p.runs) {
    console.log(`${`${p.label}, run ${r.run}`.padEnd(34)} ${`${r.baseline_before} / ${r.baseline_after}`.padStart(15)} ` +
      `${n(r.driver.cases_per_s).padStart(8)} ${n(r.driver.requests_per_s, 0).padStart(6)} ` +
      `${String(r.driver.case_ms.p50).padStart(7)} ${String(r.driver.case_ms.p95).padStart(7)} ${n(r.ratio, 4).padStart(7)}  ` +
      `${n(r.pump_packets_per_s, 1)} packets/s, ${r.exchange_backlog} queued at the end`);
  }
}
console.log('(baseline: single-row durable inserts/s just before / just after the run; ratio: cases/s over their mean)');
const line = (p) => `${n(p.best.driver.cases_per_s)} cases/s (best of ${p.runs.length} runs), ` +
  `p50 ${p.best.driver.case_ms.p50} ms, p95 ${p.best.driver.case_ms.p95} ms per case; baseline ${Math.round(p.best.baseline)} ` +
  `inserts/s; ratio cases/s / inserts/s ${n(p.best.ratio, 4)}`;
console.log(`empty database: ${line(e)}  ${summary.empty_pass ? 'PASS' : 'MISS'} (goal >= ${goal.min_cases_per_s} cases/s)`);
if (f) {
  console.log(`${f.label}: ${line(f)}`);
  console.log(`slowdown with ${f.cases_in_db} cases: ${n(summary.slowdown_pct, 1)} %  ${summary.full_pass ? 'PASS' : 'MISS'} ` +
    `(goal <= ${goal.max_slowdown_pct} %); on the ratios of the same runs: ${n(summary.ratio_slowdown_pct, 1)} %`);
  if (summary.cpu_ms_per_case) {
    console.log(`server CPU per case, cases one at a time (independent of the disk): empty ${n(e.profile.case.cpu_ms, 1)} ms, ` +
      `with ${f.cases_in_db} cases ${n(f.profile.case.cpu_ms, 1)} ms (${summary.cpu_increase_pct >= 0 ? '+' : ''}` +
      `${n(summary.cpu_increase_pct, 1)} %); syncs per case ${n(e.profile.case.syncs, 1)} / ${n(f.profile.case.syncs, 1)}`);
  }
  if (Math.abs(summary.baseline_change_pct) > 25) {
    console.log(`WARNING: the baseline around the two best runs differs by ${n(summary.baseline_change_pct, 0)} %: the shared ` +
      'disk changed speed between them, so the slowdown says more about the disk than about the loaded cases. ' +
      'The ratios correct for that only while both runs are bound by fsyncs (a slow disk). Run again.');
  }
}
