// PROFILE=1 part of `make bench-approval`: what each action of a case costs the server, measured
// on a few cases run one at a time with a pause after every action (so that nothing overlaps):
//   - wall time of the request (from the driver's JSON),
//   - server CPU time (all threads; from the driver's --trace with --server-pid, a pass without
//     strace, which would inflate it),
//   - fsync / fdatasync calls (a second pass with the node under `strace -f -ttt -e
//     trace=fsync,fdatasync`).
// CPU and syncs from an action's start to the next action's start count for the action: that
// includes the exchange pump's work on the packets the action produced (in zone "both" the pump
// applies each packet and then acknowledges it, two more transactions, shortly after the
// action). SQLite in WAL mode with synchronous=FULL calls fdatasync once per commit (and a few
// more at checkpoints); the file store calls fsync on each new file and on its directory.
//
//   node bench/approval-profile.mjs --cpu-trace T1 [--driver J1] [--sync-trace T2 --strace S] [--json OUT]
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values: opt } = parseArgs({
  options: {
    'cpu-trace': { type: 'string' },
    driver: { type: 'string' },
    'sync-trace': { type: 'string' },
    strace: { type: 'string' },
    json: { type: 'string' },
  },
});
if (!opt['cpu-trace'] && !opt['sync-trace']) {
  console.error('usage: node bench/approval-profile.mjs --cpu-trace T1 [--driver J1] [--sync-trace T2 --strace S]');
  process.exit(2);
}

const readTrace = (path) => readFileSync(path, 'utf8').split('\n').filter(Boolean).map((l) => {
  const [start, end, action, caseNo, cpu] = l.split(' ');
  return { start: Number(start), end: Number(end), action, caseNo, cpu: Number(cpu) };
});
const order = ['submit', 'wait_receive', 'accept', 'claim', 'complete_step', 'decide', 'conclude'];
const stats = {};
const stat = (a) => (stats[a] ||= { n: 0, syncN: 0, cpuNs: 0, fsync: 0, fdatasync: 0 });
let cases = 0;

if (opt['cpu-trace']) {
  const t = readTrace(opt['cpu-trace']);
  for (let i = 0; i + 1 < t.length; i++) {
    if (t[i].action === 'end') continue;
    const s = stat(t[i].action);
    s.n++;
    s.cpuNs += t[i + 1].cpu - t[i].cpu;
  }
  cases = stat('submit').n;
}
let seen = 0, counted = 0, syncCases = 0;
if (opt['sync-trace'] && opt.strace) {
  const t = readTrace(opt['sync-trace']);
  const syncs = [];
  for (const line of readFileSync(opt.strace, 'utf8').split('\n')) {
    const m = line.match(/^(?:\[pid\s+)?\d+\]?\s+(\d+\.\d+)\s+(fsync|fdatasync)\(/);
    if (m) syncs.push({ t: Number(m[1]) * 1000, kind: m[2] });
  }
  seen = syncs.length;
  for (let i = 0; i + 1 < t.length; i++) {
    if (t[i].action === 'end') continue;
    const s = stat(t[i].action);
    s.syncN++;
    for (const x of syncs) {
      if (x.t >= t[i].start && x.t < t[i + 1].start) { s[x.kind]++; counted++; }
    }
  }
  syncCases = stat('submit').syncN;
}
const driver = opt.driver ? JSON.parse(readFileSync(opt.driver, 'utf8')) : null;

const f = (n, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : '-');
console.log(`per action, cases run one at a time (CPU: ${cases} cases; syncs: ${syncCases} cases, ` +
  `${counted} of ${seen} syncs seen fall inside them):`);
console.log(`  ${'action'.padEnd(14)} ${'per case'.padStart(8)} ${'wall ms'.padStart(8)} ${'CPU ms'.padStart(7)} ` +
  `${'fdatasync'.padStart(9)} ${'fsync'.padStart(6)} ${'| per case:'.padStart(10)} ${'CPU ms'.padStart(7)} ${'syncs'.padStart(6)}`);
let cpuTotal = 0, syncTotal = 0, wallTotal = 0;
const out = { cases, sync_cases: syncCases, actions: {} };
for (const a of [...order, ...Object.keys(stats).filter((x) => !order.includes(x))]) {
  const s = stats[a];
  if (!s) continue;
  const n = s.n || s.syncN;
  const perCase = n / (cases || syncCases || 1);
  const cpu = s.n ? s.cpuNs / s.n / 1e6 : NaN;
  const fd = s.syncN ? s.fdatasync / s.syncN : NaN, fs = s.syncN ? s.fsync / s.syncN : NaN;
  const wall = driver?.actions?.[a]?.mean_ms;
  if (Number.isFinite(cpu)) cpuTotal += cpu * perCase;
  if (Number.isFinite(fd)) syncTotal += (fd + fs) * perCase;
  if (wall !== undefined) wallTotal += wall * perCase;
  out.actions[a] = { per_case: perCase, wall_ms: wall ?? null, cpu_ms: Number.isFinite(cpu) ? cpu : null,
    fdatasync: Number.isFinite(fd) ? fd : null, fsync: Number.isFinite(fs) ? fs : null };
  console.log(`  ${a.padEnd(14)} ${f(perCase).padStart(8)} ${f(wall).padStart(8)} ${f(cpu).padStart(7)} ` +
    `${f(fd).padStart(9)} ${f(fs).padStart(6)} ${''.padStart(10)} ${f(cpu * perCase).padStart(7)} ${f((fd + fs) * perCase).padStart(6)}`);
}
console.log(`  ${'whole case'.padEnd(14)} ${''.padStart(8)} ${f(wallTotal).padStart(8)} ${''.padStart(7)} ${''.padStart(9)} ` +
  `${''.padStart(6)} ${''.padStart(10)} ${f(cpuTotal).padStart(7)} ${f(syncTotal).padStart(6)}`);
out.case = { wall_ms: wallTotal, cpu_ms: cpuTotal, syncs: syncTotal };
if (opt.json) writeFileSync(opt.json, JSON.stringify(out, null, 2) + '\n');
