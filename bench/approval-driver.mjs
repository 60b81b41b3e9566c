// Driver for `make bench-approval` (bench/approval.sh): complete approval cases over HTTP against
// a running yiwang node, from the applicant's submission to the window's conclusion.
//
// Each of C workers runs one case at a time, start to end:
//   citizen  POST /api/v1/applications (multipart, unique small PDFs, Idempotency-Key)  -> 201
//   clerk    GET  /api/v1/cases/{no} until the exchange pump has delivered it             -> 404 ... 200 received
//   clerk    accept                                                                       -> 200 accepted
//   per step between acceptance and decision: its role claims, then completes            -> 200, 200
//   approver claim, decide approve                                                        -> 200, 200 decided
//   clerk    conclude                                                                     -> 200 concluded
// Every response's status (and the state it reports) is checked; anything unexpected aborts
// the whole run with exit code 1: an honest benchmark never counts a failed case.
//
// Workers start at once; the first --warmup seconds are not measured; then for --duration
// seconds, a case counts when its conclude response arrives inside the window (steady-state
// throughput; a case may have started during warm-up). Requests count the same way (polls
// included). After the window no case is started; the ones in flight finish (not counted).
//
//   node bench/approval-driver.mjs --external URL --internal URL --accounts DATA/demo-accounts.json
//        [--concurrency 8] [--duration 20] [--warmup 3] [--item DH-SCJ-001] [--label NAME]
//        [--json FILE] [--cases N] [--pause-ms MS] [--trace FILE]
//
// --cases N stops after N started cases instead of after the duration (no warm-up, everything
// counted); with --pause-ms each worker sleeps after every action and --trace writes one line
// per action ("start_ms end_ms action case_no cpu_ns", epoch ms; cpu_ns: CPU time used so far
// by all threads of --server-pid, from /proc/PID/task/*/schedstat, read when the action
// starts). For profiling (bench/approval-profile.mjs): fsyncs seen with strace, and the
// server's CPU time, can then be attributed to the action and the exchange packets it caused.
import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { parseArgs } from 'node:util';

const { values: opt } = parseArgs({
  options: {
    external: { type: 'string' },
    internal: { type: 'string' },
    accounts: { type: 'string' },
    concurrency: { type: 'string', default: '8' },
    duration: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '3' },
    item: { type: 'string', default: 'DH-SCJ-001' },
    label: { type: 'string', default: '' },
    json: { type: 'string' },
    cases: { type: 'string' },
    'pause-ms': { type: 'string', default: '0' },
    trace: { type: 'string' },
    'server-pid': { type: 'string' },
  },
});

function fail(message) {
  console.error(`approval-driver: ${message}`);
  process.exit(1);
}
for (const k of ['external', 'internal', 'accounts']) if (!opt[k]) fail(`--${k} is required`);
const positive = (name, v, allowZero = false) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0 || (!allowZero && n === 0)) fail(`--${name} must be a ${allowZero ? 'non-negative' : 'positive'} number`);
  return n;
};
const CONCURRENCY = Math.floor(positive('concurrency', opt.concurrency));
const DURATION_S = positive('duration', opt.duration);
const WARMUP_S = positive('warmup', opt.warmup, true);
const MAX_CASES = opt.cases ? Math.floor(positive('cases', opt.cases)) : 0;
const PAUSE_MS = positive('pause-ms', opt['pause-ms'], true);
const ITEM = opt.item;
const RECEIVE_TIMEOUT_MS = 60_000;

// ---------------------------------------------------------------- HTTP client
// The driver shares the machine's two cores with the server it measures, so it must be cheap:
// node:http on keep-alive connections costs about half the CPU per request of fetch (undici),
// whose cost had reached ~7 ms per case, a third of a core. Same cookies and answers as the
// tests' Client (tests/lib/server.mjs): status, headers, text(), json().
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

class Client {
  constructor(base) { this.url = new URL(base); this.cookies = new Map(); }
  cookieHeader() { return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '); }
  request(method, path, { json, body, headers = {} } = {}) {
    const h = { ...headers };
    if (this.cookies.size) h.cookie = this.cookieHeader();
    let payload = body;
    if (json !== undefined) { h['content-type'] = 'application/json'; payload = Buffer.from(JSON.stringify(json)); }
    if (payload) h['content-length'] = payload.length;
    return new Promise((resolve, reject) => {
      const req = http.request({ host: this.url.hostname, port: this.url.port, path, method, headers: h, agent }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          for (const c of res.headers['set-cookie'] || []) {
            const [pair] = c.split(';');
            const eq = pair.indexOf('=');
            const name = pair.slice(0, eq), value = pair.slice(eq + 1);
            if (/Max-Age=0/i.test(c) || value === '') this.cookies.delete(name); else this.cookies.set(name, value);
          }
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode, headers: res.headers, text: async () => text, json: async () => JSON.parse(text) });
        });
      });
      req.on('error', reject);
      req.end(payload);
    });
  }
  get(path, o) { return this.request('GET', path, o); }
  post(path, o) { return this.request('POST', path, o); }
}

/** A multipart/form-data body: fields [name, value] and files [name, filename, type, Buffer]. */
function multipart(fields, files) {
  const boundary = `----yiwangbench${randomBytes(12).toString('hex')}`;
  const parts = [];
  for (const [name, value] of fields) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
  }
  for (const [name, filename, type, data] of files) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"; filename="${filename}"\r\n` +
      `Content-Type: ${type}\r\n\r\n`), data, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(parts), type: `multipart/form-data; boundary=${boundary}` };
}

// ---------------------------------------------------------------- errors
class Unexpected extends Error {}
let aborted = null;

async function expectStatus(res, expected, what) {
  if (res.status === expected) return res;
  let body = '';
  try { body = (await res.text()).slice(0, 400); } catch { /* ignore */ }
  throw new Unexpected(`${what}: HTTP ${res.status}, expected ${expected}: ${body}`);
}

async function expectJson(res, expected, what, state) {
  await expectStatus(res, expected, what);
  const j = await res.json();
  if (state && j.state !== state) throw new Unexpected(`${what}: state "${j.state}", expected "${state}"`);
  return j;
}

// ---------------------------------------------------------------- accounts and sessions
const accounts = JSON.parse(readFileSync(opt.accounts, 'utf8'));
const account = (pred, what) => accounts.find(pred) || fail(`no ${what} in ${opt.accounts}`);

async function staffSession(username) {
  const a = account((x) => x.login === username && x.zone === 'internal', `internal account ${username}`);
  const c = new Client(opt.internal);
  const j = await expectJson(await c.post('/api/v1/session', { json: { username, password: a.password } }), 200, `login ${username}`);
  if (j.stage !== 'full') fail(`login ${username}: stage ${j.stage} (a second factor is not expected for this role)`);
  c.csrf = j.csrf_token;
  return c;
}

async function citizenSession() {
  const a = account((x) => x.zone === 'external' && x.unit === '个人', 'personal external account');
  const c = new Client(opt.external);
  const j = await expectJson(await c.post('/api/v1/session', { json: { login: a.login, password: a.password } }), 200, 'citizen login');
  c.csrf = j.csrf_token;
  return c;
}

// ---------------------------------------------------------------- measurement
const startedAt = Date.now();
const windowStart = startedAt + WARMUP_S * 1000;
const windowEnd = MAX_CASES ? Infinity : windowStart + DURATION_S * 1000;
const inWindow = (t) => MAX_CASES ? true : t >= windowStart && t < windowEnd;

let requests = 0;        // HTTP responses received inside the window (polls included)
let polls = 0;           // of which: waiting for the exchange to deliver the application
const caseMs = [];       // submit start -> conclude response, cases concluded inside the window
const actionMs = {};     // action -> [ms], every action of every case concluded inside the window
const trace = [];
let started = 0;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** CPU time (ns) used so far by every thread of the server process; 0 without --server-pid. */
function serverCpuNs() {
  if (!opt['server-pid']) return 0;
  const dir = `/proc/${opt['server-pid']}/task`;
  let total = 0;
  for (const tid of readdirSync(dir)) {
    try { total += Number(readFileSync(`${dir}/${tid}/schedstat`, 'utf8').split(' ')[0]); } catch { /* thread ended */ }
  }
  return total;
}

/** One HTTP request; counted when its response arrives inside the window. */
async function request(fn) {
  const res = await fn();
  if (inWindow(Date.now())) requests++;
  return res;
}

// ---------------------------------------------------------------- one case
function pdf(tag) {
  // A small but well-formed one-page PDF; the tag makes every file distinct (the file store is
  // content-addressed, so identical bytes would be stored once and make the run cheaper).
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>',
  ];
  const stream = `BT /F1 12 Tf 72 760 Td (${tag}) Tj ET`;
  objects.push(`<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`);
  let out = '%PDF-1.7\n';
  const offsets = [];
  objects.forEach((o, i) => { offsets.push(out.length); out += `${i + 1} 0 obj\n${o}\nendobj\n`; });
  const xref = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const off of offsets) out += `${String(off).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

let item, citizen, clerk, byRole;

async function runCase() {
  const times = [];  // [action, ms]
  let caseNo = '';
  const timed = async (action, fn) => {
    const cpu = opt.trace ? serverCpuNs() : 0;
    const t0 = Date.now();
    const r = await fn();
    const t1 = Date.now();
    times.push([action, t1 - t0]);
    if (opt.trace) trace.push(`${t0} ${t1} ${action} ${caseNo || '-'} ${cpu}`);
    if (PAUSE_MS) await sleep(PAUSE_MS);
    return r;
  };
  const act = (who, action, extra, state) => timed(action, async () =>
    expectJson(await request(() => who.post(`/api/v1/cases/${caseNo}/actions`, {
      json: { action, ...extra }, headers: { 'x-csrf-token': who.csrf },
    })), 200, `${action} ${caseNo}`, state));

  const t0 = Date.now();
  // 1. The applicant submits, materials as multipart file parts.
  const submitted = await timed('submit', async () => {
    const tag = randomBytes(8).toString('hex');
    const form = multipart(
      [['item_code', ITEM], ['contact_name', '张晓明'], ['contact_mobile', '13800000001'], ['description', '新开餐馆，申请食品经营许可']],
      item.materials.filter((x) => x.required).map((m) => [`material_${m.no}`, `材料${m.no}.pdf`, 'application/pdf', pdf(`${tag}-${m.no}`)]));
    const res = await request(() => citizen.post('/api/v1/applications', {
      body: form.body,
      headers: { 'content-type': form.type, 'x-csrf-token': citizen.csrf, 'idempotency-key': tag },
    }));
    return expectJson(res, 201, 'submit');
  });
  caseNo = submitted.case_no;
  if (!/^DH\d{14}$/.test(caseNo || '')) throw new Unexpected(`submit: bad case number ${JSON.stringify(submitted)}`);

  // 2. The exchange delivers it to the department: the clerk sees 404 until then.
  await timed('wait_receive', async () => {
    const deadline = Date.now() + RECEIVE_TIMEOUT_MS;
    for (let delay = 2; ; delay = Math.min(delay * 2, 50)) {
      const res = await request(() => clerk.get(`/api/v1/cases/${caseNo}`));
      polls++;
      if (res.status === 200) {
        const j = await res.json();
        if (j.state === 'received') return;
        throw new Unexpected(`wait_receive ${caseNo}: state "${j.state}", expected "received"`);
      }
      await expectStatus(res, 404, `wait_receive ${caseNo}`);
      if (Date.now() > deadline) throw new Unexpected(`wait_receive ${caseNo}: not delivered within ${RECEIVE_TIMEOUT_MS / 1000} s`);
      await sleep(delay);
    }
  });

  // 3. Acceptance, every step by its role, the decision, the conclusion.
  await act(clerk, 'accept', {}, 'accepted');
  for (const step of item.steps.slice(1, -1)) {
    const who = byRole[step.role] || fail(`no demo account for role ${step.role} (step ${step.name})`);
    await act(who, 'claim', {}, 'in_progress');
    await act(who, 'complete_step', { opinion: `${step.name}通过` }, 'in_progress');
  }
  await act(byRole.approver, 'claim', {}, 'in_progress');
  await act(byRole.approver, 'decide', { decision: 'approve', opinion: '同意' }, 'decided');
  await act(clerk, 'conclude', {}, 'concluded');
  const end = Date.now();
  if (inWindow(end)) {
    // With pauses (profiling), a case's latency is the time spent in its requests.
    caseMs.push(PAUSE_MS ? times.reduce((s, [, ms]) => s + ms, 0) : end - t0);
    for (const [a, ms] of times) (actionMs[a] ||= []).push(ms);
  }
}

async function worker() {
  while (!aborted) {
    if (MAX_CASES ? started >= MAX_CASES : Date.now() >= windowEnd) return;
    started++;
    try {
      await runCase();
    } catch (e) {
      aborted ||= e;
      return;
    }
  }
}

// ---------------------------------------------------------------- main
const pct = (sorted, p) => sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] : 0;
const sortNum = (a) => [...a].sort((x, y) => x - y);

async function main() {
  const itemRes = await fetch(`${opt.external}/api/v1/items/${ITEM}`);
  item = await expectJson(itemRes, 200, `item ${ITEM}`);
  if (!Array.isArray(item.steps) || item.steps.length < 2) fail(`item ${ITEM}: unexpected steps ${JSON.stringify(item.steps)}`);
  citizen = await citizenSession();
  clerk = await staffSession('scjclerk');
  byRole = {
    window_clerk: clerk,
    handler: await staffSession('handler'),
    reviewer: await staffSession('reviewer'),
    approver: await staffSession('approver'),
  };
  const flow = item.steps.map((s) => `${s.name}(${s.role})`).join(' → ');
  const perCase = 3 + 2 * (item.steps.length - 2) + 2;
  console.log(`driver: ${ITEM} ${item.name}: ${flow}; ${perCase} requests per case + polls; ` +
    `concurrency ${CONCURRENCY}, ${MAX_CASES ? `${MAX_CASES} cases` : `warm-up ${WARMUP_S} s, measured ${DURATION_S} s`}` +
    (PAUSE_MS ? `, pause ${PAUSE_MS} ms after each action` : ''));

  // The one SQLite writer (/metrics, ADR 0008): how long it was held and how long its COMMITs took
  // within the measured window (absent on PostgreSQL, and with --cases).
  const writer = {};
  const sampleWriter = async (key) => {
    try {
      const text = await (await fetch(`${opt.internal}/metrics`)).text();
      const v = (name) => Number(text.match(new RegExp(`^${name} ([\\d.]+)$`, 'm'))?.[1]);
      writer[key] = { held: v('yiwang_db_write_lock_seconds_total'), commit: v('yiwang_db_commit_seconds_total'), at: Date.now() };
    } catch { /* no metrics: nothing to report */ }
  };
  const samples = MAX_CASES ? [] : [
    new Promise((r) => setTimeout(() => sampleWriter('start').then(r), Math.max(0, windowStart - Date.now()))),
    new Promise((r) => setTimeout(() => sampleWriter('end').then(r), Math.max(0, windowEnd - Date.now()))),
  ];
  const t0 = Date.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, () => worker()));
  await Promise.all(samples);
  if (aborted) {
    fail(`ABORTED: ${aborted instanceof Unexpected ? aborted.message : aborted.stack || aborted}`);
  }
  const seconds = MAX_CASES ? (Date.now() - t0) / 1000 : DURATION_S;
  const cases = caseMs.length;
  const lat = sortNum(caseMs);
  const result = {
    label: opt.label,
    item: ITEM,
    concurrency: CONCURRENCY,
    warmup_s: MAX_CASES ? 0 : WARMUP_S,
    seconds,
    cases,
    cases_per_s: cases / seconds,
    requests,
    requests_per_s: requests / seconds,
    polls,
    case_ms: { p50: pct(lat, 50), p95: pct(lat, 95), max: lat.at(-1) ?? 0, mean: cases ? lat.reduce((a, b) => a + b, 0) / cases : 0 },
    actions: {},
  };
  if (writer.start && writer.end && Number.isFinite(writer.end.held) && Number.isFinite(writer.start.held)) {
    const held = writer.end.held - writer.start.held, commit = writer.end.commit - writer.start.commit;
    result.writer = { busy: held / ((writer.end.at - writer.start.at) / 1000), held_ms_per_case: (held * 1000) / (cases || 1),
      commit_ms_per_case: (commit * 1000) / (cases || 1) };
  }
  const totalActionMs = Object.values(actionMs).flat().reduce((a, b) => a + b, 0) || 1;
  for (const [a, list] of Object.entries(actionMs)) {
    const s = sortNum(list);
    const sum = s.reduce((x, y) => x + y, 0);
    result.actions[a] = { count: s.length, per_case: s.length / (cases || 1), mean_ms: sum / s.length,
      p50_ms: pct(s, 50), p95_ms: pct(s, 95), share: sum / totalActionMs };
  }
  const f = (n, d = 1) => n.toFixed(d);
  console.log(`driver: ${cases} cases concluded in ${f(seconds)} s: ${f(result.cases_per_s, 2)} cases/s, ` +
    `${f(result.requests_per_s, 1)} requests/s (${polls} delivery polls), per case p50 ${result.case_ms.p50} ms, ` +
    `p95 ${result.case_ms.p95} ms`);
  if (result.writer) {
    console.log(`driver: the SQLite writer was held ${f(result.writer.busy * 100)} % of the window: ` +
      `${f(result.writer.held_ms_per_case, 2)} ms per case, of which COMMIT ${f(result.writer.commit_ms_per_case, 2)} ms`);
  }
  console.log('driver: per action (cases concluded in the window):');
  console.log(`  ${'action'.padEnd(14)} ${'per case'.padStart(8)} ${'mean ms'.padStart(9)} ${'p50 ms'.padStart(8)} ${'p95 ms'.padStart(8)} ${'share'.padStart(7)}`);
  for (const a of ['submit', 'wait_receive', 'accept', 'claim', 'complete_step', 'decide', 'conclude']) {
    const x = result.actions[a];
    if (!x) continue;
    console.log(`  ${a.padEnd(14)} ${f(x.per_case).padStart(8)} ${f(x.mean_ms).padStart(9)} ${String(x.p50_ms).padStart(8)} ` +
      `${String(x.p95_ms).padStart(8)} ${(f(x.share * 100) + '%').padStart(7)}`);
  }
  if (opt.json) writeFileSync(opt.json, JSON.stringify(result, null, 2) + '\n');
  if (opt.trace) writeFileSync(opt.trace, [...trace, `${Date.now()} ${Date.now()} end - ${serverCpuNs()}`].join('\n') + '\n');
}

main().catch((e) => fail(e instanceof Unexpected ? e.message : e.stack || String(e)));
