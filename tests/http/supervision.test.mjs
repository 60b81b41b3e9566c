// Electronic supervision (电子监察) over real HTTP on both databases, with the clock moved by
// restarting the node with another YIWANG_NOW and `yiwang supervise tick` run by hand (the
// scheduler is off: YIWANG_SUPERVISION_TICK_SECONDS=0):
//   - three applications for 食品经营许可 (DH-SCJ-001) arrive on Wed 2026-04-29; A and B are left
//     unaccepted, C is accepted and signed for by the handler the same day;
//   - on Mon 2026-05-11 (after 劳动节 and its 调休 Saturday) one tick raises exactly one red alert
//     per case (ACCEPTANCE_OVERDUE for A and B; TOTAL_OVERDUE for C, whose late step is covered by
//     its total) with an automatic 督办单 (yellow card); a second tick adds nothing;
//   - the department reads and answers (CSRF required), another department gets 403, the
//     supervisor closes with a conclusion (400 / 409 cases);
//   - the stats API equals the counts made from the alerts API and the case states;
//   - the internal case page shows the 电子监察 section; the audit log has every action;
//   - pages by role (200 / 403);
//   - notices left unanswered past their date turn red at the first tick after that date.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startNode, backends, cli, Client, totp } from '../lib/server.mjs';

const ITEM = 'DH-SCJ-001';  // 食品经营许可（新办）: promised 5 working days, every step 1 working day
const DEPT_NAME = '东河区市场监督管理局';

// The clock. data/calendar/cn-2026.csv: 05-01 … 05-05 劳动节 (holiday), Sat 05-09 劳动节调休上班.
const T_APPLY = '2026-04-29 10:00:00';  // Wednesday
// 受理期限 (5 working days, the day of receipt not counted): Thu 04-30 (1), [05-01 … 05-05
// holiday], Wed 05-06 (2), Thu 05-07 (3), Fri 05-08 (4), Sat 05-09 调休 working day (5).
const ACCEPTANCE_DUE = '2026-05-09';
// C accepted on 04-29: 承诺办结 5 working days → the same count → 05-09. Its current step
// (审查, 1 working day) started 04-29 → due Thu 04-30, yellow from 04-29 (1 working day before).
const C_STEP_DUE = '2026-04-30';
const T_LATE = '2026-05-11 09:00:00';  // Monday: 05-10 is a Sunday, so 05-11 is the first day after 05-09 … and red
// The automatic 督办单 asks for completion in 3 working days: Tue 05-12, Wed 05-13, Thu 05-14.
const REQUIRED_BY = '2026-05-14';
const T_REQUIRED_DAY = '2026-05-14 17:00:00';  // still in time for the notices
const T_AFTER = '2026-05-15 09:00:00';  // the notices are late: red cards

const pdf = (tag) => Buffer.from(`%PDF-1.7\n% ${tag}\n%%EOF\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Epoch seconds of a China Standard Time "YYYY-MM-DD HH:MM:SS". */
const cst = (local) => Date.parse(local.replace(' ', 'T') + '+08:00') / 1000;

for (const backend of backends()) {
  describe(`electronic supervision over HTTP on ${backend}`, () => {
    const env = { YIWANG_SUPERVISION_TICK_SECONDS: '0', YIWANG_NOW: T_APPLY };
    let node;
    let startedAt = 0;  // real ms when the node was last started (the shifted clock starts at YIWANG_NOW then)
    const cases = {};  // A, B, C → {case_no, query_code}
    const alerts = {};  // A, B, C → the red alert id
    let sup, scj, other, approver, handler;  // sessions

    /** The node's own clock, in epoch seconds (for the auditor's TOTP). */
    const serverSeconds = () => Math.floor(cst(env.YIWANG_NOW) + (Date.now() - startedAt) / 1000);

    async function login(username) {
      const a = node.account(username);
      const c = new Client(node.internal);
      const body = { username, password: a.password };
      if (a.totp_secret) body.totp = totp(a.totp_secret, serverSeconds());
      const res = await c.post('/api/v1/session', { json: body });
      assert.equal(res.status, 200, `${username} login: ${await res.clone().text()}`);
      const j = await res.json();
      assert.equal(j.stage, 'full', `${username} fully logged in`);
      c.csrf = j.csrf_token;
      return c;
    }
    async function loginAll() {
      sup = await login('supervisor');
      scj = await login('scjclerk');
      other = await login('clerk');
      approver = await login('approver');
      handler = await login('handler');
    }
    /** Stops the node and starts it again with the clock at `now`; sessions expire, so log in again. */
    async function at(now) {
      await node.stop();
      env.YIWANG_NOW = now;
      startedAt = Date.now();
      await node.start();
      await loginAll();
    }
    /** `yiwang supervise tick --node t` with the node's clock; returns the summary line. */
    function tick() {
      const r = cli(['supervise', 'tick', '--node', 't', '--data', node.data, '--database', node.database],
        { env: { ...process.env, ...env } });
      assert.equal(r.status, 0, `tick failed: ${r.stderr}${r.stdout}`);
      return r.stdout.trim();
    }
    const act = (c, id, body, { csrf = true } = {}) => c.post(`/api/v1/supervision/alerts/${id}/actions`,
      { json: body, headers: csrf ? { 'x-csrf-token': c.csrf } : {} });
    const caseAct = (c, no, body) => c.post(`/api/v1/cases/${no}/actions`, { json: body, headers: { 'x-csrf-token': c.csrf } });
    const json = async (res, status = 200) => {
      assert.equal(res.status, status, `${res.url}: ${await res.clone().text()}`);
      return res.json();
    };
    const alertsOf = async (c, query = '') => json(await c.get('/api/v1/supervision/alerts?per_page=200' + query));
    const alertDetail = async (c, id) => json(await c.get(`/api/v1/supervision/alerts/${id}`));
    const errorOf = async (res) => (await res.json()).error;

    before(async () => {
      startedAt = Date.now();
      node = await startNode({ backend, env });
      await loginAll();
    });
    after(async () => { await node?.cleanup(); });

    it('on 2026-04-29 three applications reach the window; acceptance is due 2026-05-09; C is accepted', async () => {
      const who = node.accounts.find((a) => a.zone === 'external' && a.unit === '个人');
      const citizen = new Client(node.external);
      const csrf = (await json(await citizen.post('/api/v1/session', { json: { login: who.login, password: who.password } }))).csrf_token;
      for (const k of ['A', 'B', 'C']) {
        const materials = [1, 2, 3, 4, 5].map((n) => ({ material_no: n, filename: `m${n}.pdf`,
          content_base64: pdf(`${k}${n}-${randomBytes(4).toString('hex')}`).toString('base64') }));
        const res = await citizen.post('/api/v1/applications', {
          json: { item_code: ITEM, contact_name: '张晓明', contact_mobile: '13800000001', description: `开餐馆 ${k}`, materials },
          headers: { 'x-csrf-token': csrf, 'idempotency-key': randomBytes(8).toString('hex') },
        });
        cases[k] = await json(res, 201);
      }
      const nos = Object.values(cases).map((c) => c.case_no);
      let queue = [];
      for (let i = 0; i < 200; i++) {
        queue = (await json(await scj.get('/api/v1/cases?state=received'))).cases.map((c) => c.case_no);
        if (nos.every((n) => queue.includes(n))) break;
        await sleep(100);
      }
      assert.ok(nos.every((n) => queue.includes(n)), `the applications reached the window: ${queue}`);
      for (const k of ['A', 'B', 'C']) {
        const c = await json(await scj.get(`/api/v1/cases/${cases[k].case_no}`));
        assert.equal(c.state, 'received');
        assert.equal(c.acceptance_due, ACCEPTANCE_DUE, `${k}: 5 working days across 劳动节 and the 调休 Saturday`);
      }
      const accepted = await json(await caseAct(scj, cases.C.case_no, { action: 'accept' }));
      assert.equal(accepted.state, 'accepted');
      assert.equal(accepted.accepted_on, '2026-04-29');
      assert.equal(accepted.promised_due, ACCEPTANCE_DUE);
      assert.equal(accepted.current_step, 2);
      assert.equal(accepted.step_due, C_STEP_DUE);
      const claimed = await json(await caseAct(handler, cases.C.case_no, { action: 'claim' }));
      assert.equal(claimed.state, 'in_progress');
      assert.equal(claimed.assignee_name, '刘洋');
      assert.equal(claimed.step_due, C_STEP_DUE, 'signing for the step does not move its limit');
    });

    it('a tick on 04-29 only warns about C\'s step (yellow, due tomorrow); nothing is overdue', async () => {
      assert.equal(tick(), '检查期限 1，转黄 1，转红 0，新告警 1，督办单 0，红牌 0，规则告警 0');
      const all = await alertsOf(sup);
      assert.equal(all.total, 1);
      const [w] = all.alerts;
      assert.equal(w.rule, 'DEADLINE_WARNING');
      assert.equal(w.colour, 'yellow');
      assert.equal(w.subject, cases.C.case_no);
      assert.equal(w.due_on, C_STEP_DUE);
      assert.equal(w.person_name, '刘洋');
      assert.equal(w.state, 'open');
      assert.equal(w.card, '');
      // The reminder went to the handler who holds the step.
      const msgs = await (await handler.get('/messages')).text();
      assert.match(msgs, new RegExp(`期限即将届满：${cases.C.case_no}`));
    });

    it('on 05-11 one tick raises one red alert per case with a yellow card; a second tick adds nothing', async () => {
      await at(T_LATE);
      // A and B: acceptance (green → red); C: total (green → red) and step (yellow → red).
      assert.equal(tick(), '检查期限 4，转黄 0，转红 4，新告警 3，督办单 3，红牌 0，规则告警 0');
      for (const k of ['A', 'B']) {
        const list = await alertsOf(sup, `&state=&subject=${cases[k].case_no}`);
        assert.equal(list.total, 1, `${k}: exactly one alert`);
        const a = list.alerts[0];
        assert.equal(a.rule, 'ACCEPTANCE_OVERDUE');
        assert.equal(a.colour, 'red');
        assert.equal(a.severity, 'high');
        assert.equal(a.due_on, ACCEPTANCE_DUE);
        assert.equal(a.unit_name, DEPT_NAME);
        assert.equal(a.topic_code, ITEM);
        assert.equal(a.created_on, '2026-05-11');
        assert.equal(a.state, 'noticed');
        assert.equal(a.card, 'yellow');
        assert.equal(a.card_label, '黄牌');
        assert.equal(a.href, `/cases/${cases[k].case_no}`);
        assert.match(a.detail, new RegExp(`已于 ${ACCEPTANCE_DUE} 届满，仍未完成`));
        alerts[k] = a.id;
        const d = await alertDetail(sup, a.id);
        assert.equal(d.notice.card, 'yellow');
        assert.equal(d.notice.state, 'issued');
        assert.equal(d.notice.required_by, REQUIRED_BY);
        assert.equal(d.notice.issued_by, '电子监察');
        assert.equal(d.notice.unit_name, DEPT_NAME);
        assert.equal(d.notice.notice_no, `督办〔2026〕${String(a.id).padStart(6, '0')}号`);
        assert.deepEqual(d.events.map((e) => e.action), ['alert', 'notice']);
      }
      const c = await alertsOf(sup, `&state=&subject=${cases.C.case_no}`);
      assert.deepEqual(c.alerts.map((a) => [a.rule, a.colour, a.state]).sort(),
        [['DEADLINE_WARNING', 'yellow', 'closed'], ['TOTAL_OVERDUE', 'red', 'noticed']],
        'C: the step is late too, but its total\'s alert covers it (no STEP_OVERDUE)');
      const total = c.alerts.find((a) => a.rule === 'TOTAL_OVERDUE');
      assert.equal(total.due_on, ACCEPTANCE_DUE);
      assert.equal(total.person_name, '刘洋');
      assert.equal(total.card, 'yellow');
      alerts.C = total.id;
      const warning = c.alerts.find((a) => a.rule === 'DEADLINE_WARNING');
      assert.equal(warning.closed_by, '系统');
      assert.equal(warning.conclusion, '期限已过，转为超期告警');

      assert.equal(tick(), '检查期限 0，转黄 0，转红 0，新告警 0，督办单 0，红牌 0，规则告警 0');
      assert.equal((await alertsOf(sup, '&state=')).total, 4, 'the second tick added nothing');
    });

    it('the department reads and answers its notice (CSRF required); another department gets 403', async () => {
      const id = alerts.A;
      // Ordinary staff see their own department's alerts only.
      const mine = await alertsOf(scj, '&state=');
      assert.deepEqual(mine.alerts.map((a) => a.subject).sort(), [cases.A.case_no, cases.B.case_no, cases.C.case_no, cases.C.case_no].sort());
      assert.equal((await alertsOf(other, '&state=')).total, 0, 'another department sees none');
      assert.equal((await alertDetail(scj, id)).id, id);
      const denied = await other.get(`/api/v1/supervision/alerts/${id}`);
      assert.equal(denied.status, 403);
      assert.equal((await act(other, id, { action: 'answer', answer: '不是本单位的' })).status, 403);

      const noCsrf = await act(scj, id, { action: 'answer', answer: '已受理。' }, { csrf: false });
      assert.equal(noCsrf.status, 403);
      assert.equal((await alertDetail(sup, id)).notice.state, 'issued', 'nothing changed without the token');
      const empty = await act(scj, id, { action: 'answer', answer: '  ' });
      assert.equal(empty.status, 400);
      assert.ok((await errorOf(empty)).fields.answer, 'the answer field is named');
      // The supervisor does not answer the department's notice.
      assert.equal((await act(sup, id, { action: 'answer', answer: '代答' })).status, 403);

      const text = '窗口人员休假造成积压，已于今日受理，今后安排 AB 岗。';
      const d = await json(await act(scj, id, { action: 'answer', answer: text }));
      assert.equal(d.state, 'answered');
      assert.equal(d.notice.state, 'answered');
      assert.equal(d.notice.state_label, '已答复');
      assert.equal(d.notice.answer, text);
      assert.equal(d.notice.answered_by, '林芳');
      assert.deepEqual(d.events.map((e) => e.action), ['alert', 'notice', 'answer']);
      assert.equal((await act(scj, id, { action: 'answer', answer: '再答一次' })).status, 409);
    });

    it('the supervisor closes with a conclusion: 400 without one, 409 the second time, 400 for an unknown action', async () => {
      const id = alerts.A;
      const empty = await act(sup, id, { action: 'close', conclusion: '' });
      assert.equal(empty.status, 400);
      assert.ok((await errorOf(empty)).fields.conclusion, 'the conclusion field is named');
      const unknown = await act(sup, id, { action: 'approve' });
      assert.equal(unknown.status, 400);
      assert.ok((await errorOf(unknown)).fields.action);
      assert.equal((await act(scj, id, { action: 'close', conclusion: '自己办结' })).status, 403, 'only the supervisor closes');
      assert.equal((await act(sup, id, { action: 'close', conclusion: '结论' }, { csrf: false })).status, 403);
      assert.equal((await act(sup, id, { action: 'notice', content: '再督办', required_by: '2026-05-20' })).status, 409,
        'one notice per alert');
      const conclusion = '超期属实，原因已说明，责令整改，记入本月考核。';
      const d = await json(await act(sup, id, { action: 'close', conclusion }));
      assert.equal(d.state, 'closed');
      assert.equal(d.conclusion, conclusion);
      assert.equal(d.closed_by, '吴刚');
      assert.equal(d.notice.state, 'closed');
      assert.deepEqual(d.events.map((e) => e.action), ['alert', 'notice', 'answer', 'close']);
      const twice = await act(sup, id, { action: 'close', conclusion });
      assert.equal(twice.status, 409);
      // Closed alerts leave the default (open) list.
      const open = await alertsOf(sup, '&state=open');
      assert.ok(!open.alerts.some((a) => a.id === id));
      assert.equal(open.total, 2);
    });

    it('the stats equal the counts from the alerts API and the case states; the dashboard is not for window clerks', async () => {
      const s = await json(await sup.get('/api/v1/supervision/stats'));
      assert.equal(s.as_of, '2026-05-11');
      assert.equal(s.to, '2026-05-11');
      assert.equal(s.from, '2026-04-12');
      // Alerts, counted one by one from the alerts API.
      const all = (await alertsOf(sup, '&state=')).alerts;
      const count = (f) => all.filter(f).length;
      const expected = {
        open: count((a) => a.state === 'open'), noticed: count((a) => a.state === 'noticed'),
        answered: count((a) => a.state === 'answered'), closed: count((a) => a.state === 'closed'), total: all.length,
        yellow: count((a) => a.colour === 'yellow'), red: count((a) => a.colour === 'red'),
        yellow_cards: count((a) => a.card === 'yellow' || a.card === 'red'), red_cards: count((a) => a.card === 'red'),
        unresolved: count((a) => a.state !== 'closed'),
      };
      assert.deepEqual(s.alerts, expected);
      assert.deepEqual(expected, { open: 0, noticed: 2, answered: 0, closed: 2, total: 4, yellow: 1, red: 3,
        yellow_cards: 3, red_cards: 0, unresolved: 2 });
      // Clocks, counted from the case states: a received case has its acceptance clock; an
      // accepted one its total and its current step. All are past their limit on 05-11.
      let clocks = 0;
      for (const k of ['A', 'B', 'C']) {
        const c = await json(await scj.get(`/api/v1/cases/${cases[k].case_no}`));
        clocks += c.state === 'received' ? 1 : ['accepted', 'in_progress'].includes(c.state) ? 2 : 0;
      }
      assert.equal(clocks, 4);
      assert.deepEqual(s.clocks, { green: 0, yellow: 0, red: clocks, paused: 0, total: clocks });
      assert.equal(s.by_dept.length, 1);
      assert.equal(s.by_dept[0].unit_name, DEPT_NAME);
      assert.equal(s.by_dept[0].red, 4);
      assert.deepEqual(s.by_item.map((i) => [i.code, i.red, i.yellow]), [[ITEM, 4, 0]]);
      assert.equal(s.most_overdue.length, 4);
      assert.deepEqual(s.most_overdue.map((o) => [o.due_on, o.days_overdue]),
        [[C_STEP_DUE, 11], [ACCEPTANCE_DUE, 2], [ACCEPTANCE_DUE, 2], [ACCEPTANCE_DUE, 2]]);
      assert.equal(s.trend.length, 30);
      const day = (d) => s.trend.find((t) => t.date === d);
      assert.deepEqual(day('2026-04-29'), { date: '2026-04-29', warnings: 1, violations: 0 });
      assert.deepEqual(day('2026-05-11'), { date: '2026-05-11', warnings: 0, violations: 3 });
      assert.equal(s.trend.reduce((n, t) => n + t.warnings + t.violations, 0), 4);

      // A department head sees the same figures for the department only.
      const mine = await json(await approver.get('/api/v1/supervision/stats'));
      assert.equal(mine.dept, 'DH-SCJ');
      assert.deepEqual(mine.clocks, s.clocks);
      const elsewhere = await json(await sup.get('/api/v1/supervision/stats?dept=DH-SPJ'));
      assert.equal(elsewhere.clocks.total, 0);
      assert.equal(elsewhere.alerts.total, 0);
      const bad = await sup.get('/api/v1/supervision/stats?from=2026-5-1');
      assert.equal(bad.status, 400);
      assert.ok((await errorOf(bad)).fields.from);
      assert.equal((await sup.get('/api/v1/supervision/stats?dept=NOPE')).status, 400);
      assert.equal((await scj.get('/api/v1/supervision/stats')).status, 403);
      assert.equal((await other.get('/api/v1/supervision/stats')).status, 403);
      assert.equal((await fetch(node.internal + '/api/v1/supervision/stats')).status, 401);
    });

    it('the internal case page shows the 电子监察 section with its clocks and supervision timeline', async () => {
      const a = await (await scj.get(`/cases/${cases.A.case_no}`)).text();
      const section = a.match(/<section class="panel" id="supervision">[\s\S]*?<\/section>/)?.[0] ?? '';
      assert.match(section, /<h2>电子监察<\/h2>/);
      assert.match(section, new RegExp(`受理期限（行政许可法第三十二条）</td><td class="nowrap" data-label="起算">2026-04-29</td><td class="nowrap" data-label="届满">${ACCEPTANCE_DUE}</td><td data-label="状态"><span class="badge red">红灯</span>`));
      assert.match(section, /发出督办单（黄牌）督办〔2026〕\d{6}号/);
      assert.match(section, /答复督办单/);
      assert.match(section, /办结告警：超期属实/);
      assert.ok(section.includes(`href="/supervision/alerts/${alerts.A}"`));
      const c = await (await scj.get(`/cases/${cases.C.case_no}`)).text();
      const cs = c.match(/<section class="panel" id="supervision">[\s\S]*?<\/section>/)?.[0] ?? '';
      assert.match(cs, /承诺办结期限（刘洋）<\/td><td class="nowrap" data-label="起算">2026-04-29<\/td><td class="nowrap" data-label="届满">2026-05-09<\/td><td data-label="状态"><span class="badge red">红灯/);
      assert.match(cs, /“审查”环节期限（刘洋）<\/td><td class="nowrap" data-label="起算">2026-04-29<\/td><td class="nowrap" data-label="届满">2026-04-30<\/td><td data-label="状态"><span class="badge red">红灯/);
      // The same timeline over the API; per unit.
      const t = await json(await scj.get(`/api/v1/supervision/cases/${cases.A.case_no}/timeline`));
      assert.deepEqual(t.events.map((e) => e.action), ['alert', 'notice', 'answer', 'close']);
      assert.equal((await other.get(`/api/v1/supervision/cases/${cases.A.case_no}/timeline`)).status, 403);
    });

    it('pages render for the right roles and are refused to the others', async () => {
      const expect = {
        '/supervision': { supervisor: 200, approver: 200, scjclerk: 403, clerk: 403 },
        '/supervision/alerts': { supervisor: 200, approver: 200, scjclerk: 200, clerk: 200 },
        [`/supervision/alerts/${alerts.B}`]: { supervisor: 200, approver: 200, scjclerk: 200, clerk: 403 },
        '/supervision/notices': { supervisor: 200, approver: 200, scjclerk: 200, clerk: 200 },
        '/supervision/rules': { supervisor: 200, approver: 200, scjclerk: 403, clerk: 403 },
        '/messages': { supervisor: 200, approver: 200, scjclerk: 200, clerk: 200 },
      };
      const who = { supervisor: sup, approver, scjclerk: scj, clerk: other };
      const html = {};
      for (const [path, byRole] of Object.entries(expect)) {
        for (const [login, status] of Object.entries(byRole)) {
          const res = await who[login].get(path);
          assert.equal(res.status, status, `${login} ${path}`);
          html[`${login} ${path}`] = await res.text();
        }
        const anon = await fetch(node.internal + path, { redirect: 'manual' });
        assert.equal(anon.status, 303, `anonymous ${path}`);
        assert.match(anon.headers.get('location'), /^\/login\?next=/);
      }
      assert.equal((await fetch(node.external + '/supervision')).status, 404, 'not on the external zone');
      // What the pages say.
      const dash = html['supervisor /supervision'];
      assert.match(dash, /<span class="num" id="sv-red">4<\/span>/);
      assert.match(dash, /<span class="num" id="sv-yellow-cards">3<\/span>/);
      assert.match(dash, /<div id="sv-trend"/);
      assert.ok(html['scjclerk /supervision/alerts'].includes(`/supervision/alerts/${alerts.B}`));
      assert.match(html['clerk /supervision/alerts'], /没有符合条件的告警/);
      const notices = html['scjclerk /supervision/notices'];
      assert.equal((notices.match(/督办〔2026〕\d{6}号/g) ?? []).length, 3);
      assert.match(html['clerk /supervision/notices'], /本单位没有督办单/);
      // The supervisor sees every unit's notices (with the unit), the department its own.
      const all = html['supervisor /supervision/notices'];
      assert.match(all, /<h1>督办单<\/h1>/);
      assert.match(all, /<th scope="col">责任单位<\/th>/);
      const everyOne = await json(await sup.get('/api/v1/supervision/notices?per_page=200'));
      const ours = await json(await scj.get('/api/v1/supervision/notices?per_page=200'));
      assert.equal(ours.total, 3);
      assert.equal(everyOne.notices.length, everyOne.total);
      assert.ok(everyOne.total >= ours.total);
      assert.ok(ours.notices.every((n) => everyOne.notices.some((m) => m.notice_no === n.notice_no)));
      assert.equal((all.match(/督办〔2026〕\d{6}号/g) ?? []).length, Math.min(20, everyOne.total));
      const issued = await json(await sup.get('/api/v1/supervision/notices?state=issued&per_page=200'));
      assert.ok(issued.notices.every((n) => n.state === 'issued'));
      assert.equal(issued.total, everyOne.notices.filter((n) => n.state === 'issued').length);
      assert.equal((await sup.get('/api/v1/supervision/notices?state=bogus')).status, 400);
      assert.match(html['supervisor /supervision/rules'], /ACCEPTANCE_OVERDUE/);
      assert.match(html['scjclerk /messages'], /督办单 督办〔2026〕/);
      const alertPage = html[`scjclerk /supervision/alerts/${alerts.B}`];
      assert.match(alertPage, /答复督办单/, 'the department is offered the answer form');
      assert.doesNotMatch(alertPage, /签发督办单/);
      assert.match(html[`supervisor /supervision/alerts/${alerts.B}`], /办结告警/);
      // The supervisor's workbench: the open alerts as a to-do, and the supervision pages as shortcuts.
      const open = await alertsOf(sup, '&state=open');
      assert.ok(open.total > 0);
      const home = await (await sup.get('/')).text();
      assert.ok(home.includes(`<a class="button primary" href="/supervision/alerts?state=open">未办结的监察告警 ${open.total} 条</a>`), home);
      for (const href of ['/supervision', '/supervision/alerts', '/supervision/complaints', '/supervision/evaluation']) {
        assert.ok(home.includes(`<li class="card"><a href="${href}">`), `shortcut ${href}`);
      }
      assert.doesNotMatch(await (await scj.get('/')).text(), /未办结的监察告警/, 'not a clerk\'s to-do');
      // Rules can be changed by the supervisor only.
      const form = { _csrf: scj.csrf, enabled: '1', severity: 'low' };
      assert.equal((await scj.post('/supervision/rules/NO_REASON', { form })).status, 403);
    });

    it('the department\'s notices page links only to pages a window clerk may open', async () => {
      const html = await (await scj.get('/supervision/notices')).text();
      const tabs = html.match(/<nav class="tabs"[\s\S]*?<\/nav>/)?.[0] ?? '';
      const hrefs = [...tabs.matchAll(/href="([^"]+)"/g)].map((m) => m[1]);
      assert.ok(hrefs.length > 0);
      for (const href of hrefs) assert.equal((await scj.get(href)).status, 200, `scjclerk follows the tab ${href}`);
    });

    it('the supervisor narrows alerts to a unit chosen by name; a department\'s staff have no such choice', async () => {
      const all = await (await sup.get('/supervision/alerts?state=')).text();
      const select = all.match(/<select id="f-dept" name="dept">[\s\S]*?<\/select>/)?.[0] ?? '';
      assert.match(all, /<label for="f-dept">责任单位<\/label>/);
      assert.match(select, /<option value="">全部单位<\/option>/);
      const scjOption = select.match(new RegExp(`<option value="([^"]+)">${DEPT_NAME}</option>`));
      assert.ok(scjOption, `the department is offered by name: ${select}`);
      assert.doesNotMatch(select, /科<\/option>/, 'offices are not offered: a department covers them');
      const mine = await (await sup.get(`/supervision/alerts?state=&dept=${scjOption[1]}`)).text();
      assert.match(mine, new RegExp(`<option value="${scjOption[1]}" selected>${DEPT_NAME}</option>`), 'the choice stays selected');
      const api = await json(await sup.get(`/api/v1/supervision/alerts?per_page=200&state=&dept=${scjOption[1]}`));
      assert.ok(api.total > 0);
      assert.ok(api.alerts.every((a) => a.unit_name.startsWith(DEPT_NAME) || a.unit_name.includes('科')), 'only that department\'s');
      assert.equal((mine.match(/<tr/g) ?? []).length - 1, Math.min(api.total, 50), 'the page lists what the API counts');
      assert.match(mine, new RegExp(`共 ${api.total} 条`));
      const other = await sup.get('/supervision/alerts?state=&dept=NO-SUCH');
      assert.equal(other.status, 400, 'an unknown unit is an error, not an empty list');
      assert.match(await other.text(), /单位代码不存在/);
      const own = await (await scj.get('/supervision/alerts')).text();
      assert.doesNotMatch(own, /id="f-dept"/, 'a department sees only its own alerts');
    });

    it('a yellow card is shown as a yellow badge, not a red one', async () => {
      const list = await (await sup.get('/supervision/alerts')).text();
      const page = await (await sup.get(`/supervision/alerts/${alerts.B}`)).text();
      for (const html of [list, page]) {
        assert.match(html, /黄牌/);
        assert.doesNotMatch(html, /<span class="badge danger">黄牌<\/span>/);
      }
    });

    it('the audit log has every supervision action; the chain verifies', async () => {
      const auditor = await login('auditor');
      const actionsOf = async (id) => {
        const q = new URLSearchParams({ action: 'supervision.', object_id: String(id), per_page: '50' });
        const body = await json(await auditor.get('/api/v1/audit?' + q));
        return body.records.map((r) => [r.action, r.actor]).sort();
      };
      assert.deepEqual(await actionsOf(alerts.A), [
        ['supervision.alert', '电子监察'], ['supervision.answer', '林芳'], ['supervision.close', '吴刚'],
        ['supervision.notice', '电子监察'],
      ]);
      assert.deepEqual(await actionsOf(alerts.B), [['supervision.alert', '电子监察'], ['supervision.notice', '电子监察']]);
      assert.equal((await sup.get('/api/v1/audit')).status, 403, 'the supervisor does not read the audit log');
      // The 操作 filter takes the name the page shows as well as the code.
      const byName = await json(await auditor.get('/api/v1/audit?per_page=200&action=' + encodeURIComponent('办结告警')));
      assert.ok(byName.total >= 1);
      assert.ok(byName.records.every((r) => r.action === 'supervision.close'));
      const unknown = await auditor.get('/api/v1/audit?action=' + encodeURIComponent('不存在的操作'));
      assert.equal(unknown.status, 400);
      const page = await (await auditor.get('/audit?action=' + encodeURIComponent('督办单'))).text();
      assert.match(page, /“督办单”对应多种操作：答复督办单（supervision.answer）、发出督办单（supervision.notice）/);
      // The reminder of 04-29 also went by text message to the handler's mobile (the outbox).
      const admin = await login('sysadmin');
      const sms = await admin.get('/admin/sms');
      assert.equal(sms.status, 200);
      const outbox = await sms.text();
      assert.match(outbox, new RegExp(`137\\d{8}[\\s\\S]*【电子监察提醒】${cases.C.case_no} “审查”环节期限将于 ${C_STEP_DUE} 届满`));
      assert.equal((outbox.match(/【电子监察提醒】/g) ?? []).length, 1, 'one text message: A and B had no yellow day, the rest no person');
      assert.equal((await sup.get('/admin/sms')).status, 403);
      const v = cli(['audit', 'verify', '--data', node.data, '--database', node.database], { env: { ...process.env, ...env } });
      assert.equal(v.status, 0, v.stdout + v.stderr);
    });

    it('notices left unanswered turn red at the first tick after their date; answered ones do not', async () => {
      await at(T_REQUIRED_DAY);
      assert.equal(tick(), '检查期限 0，转黄 0，转红 0，新告警 0，督办单 0，红牌 0，规则告警 0',
        'on the required day itself the notices are still in time');
      assert.equal((await alertDetail(sup, alerts.B)).card, 'yellow');

      await at(T_AFTER);
      assert.equal(tick(), '检查期限 0，转黄 0，转红 0，新告警 0，督办单 0，红牌 2，规则告警 0');
      for (const k of ['B', 'C']) {
        const d = await alertDetail(sup, alerts[k]);
        assert.equal(d.card, 'red', k);
        assert.equal(d.card_label, '红牌');
        assert.equal(d.state, 'noticed', 'still waiting for the answer');
        assert.equal(d.notice.card, 'red');
        assert.equal(d.notice.state, 'issued');
        assert.match(d.notice.recommendation, new RegExp(`要求 ${REQUIRED_BY} 前办结并答复，逾期未答复`));
        assert.deepEqual(d.events.map((e) => e.action), ['alert', 'notice', 'red_card']);
      }
      const a = await alertDetail(sup, alerts.A);
      assert.equal(a.card, 'yellow', 'the answered (and closed) notice stays yellow');
      assert.equal(a.notice.card, 'yellow');
      const msgs = await (await scj.get('/messages')).text();
      assert.equal((msgs.match(/红牌警告：督办〔2026〕\d{6}号/g) ?? []).length, 2);
      const s = await json(await sup.get('/api/v1/supervision/stats'));
      assert.equal(s.alerts.red_cards, 2);
      assert.equal(s.alerts.yellow_cards, 3);
      assert.match(await (await sup.get('/supervision')).text(), /<span class="num" id="sv-red-cards">2<\/span>/);
      // The red card is given once.
      assert.equal(tick(), '检查期限 0，转黄 0，转红 0，新告警 0，督办单 0，红牌 0，规则告警 0');
      // A late answer is still taken; the card stays red.
      const late = await json(await act(scj, alerts.B, { action: 'answer', answer: '已受理并说明原因。' }));
      assert.equal(late.notice.state, 'answered');
      assert.equal(late.card, 'red');
    });
  });

  // A clock that passed its limit and was closed (the work done, late) before any tick looked at
  // it. D and E: accepted and signed for on 04-29; 审查 (1 working day) is due 04-30; the
  // total (5 working days) is due 05-09. On Wed 05-06 the handler completes D's 审查 (four
  // working days late) before the day's first tick; E's 审查 is still open at the tick.
  describe(`a step finished late before the tick, on ${backend}`, () => {
    const env = { YIWANG_SUPERVISION_TICK_SECONDS: '0', YIWANG_NOW: T_APPLY };
    let node;
    const nos = {};
    const login = async (username) => {
      const c = new Client(node.internal);
      const j = await (await c.post('/api/v1/session', { json: { username, password: node.account(username).password } })).json();
      c.csrf = j.csrf_token;
      return c;
    };
    const caseAct = (c, no, body) => c.post(`/api/v1/cases/${no}/actions`, { json: body, headers: { 'x-csrf-token': c.csrf } });
    const tick = () => cli(['supervise', 'tick', '--node', 't', '--data', node.data, '--database', node.database],
      { env: { ...process.env, ...env } }).stdout.trim();
    const alertsFor = async (sup, no) => (await (await sup.get(`/api/v1/supervision/alerts?state=&subject=${no}`)).json()).alerts;

    before(async () => {
      node = await startNode({ backend, env });
      const who = node.accounts.find((a) => a.zone === 'external' && a.unit === '个人');
      const citizen = new Client(node.external);
      const csrf = (await (await citizen.post('/api/v1/session', { json: { login: who.login, password: who.password } })).json()).csrf_token;
      const scj = await login('scjclerk');
      const handler = await login('handler');
      for (const k of ['D', 'E']) {
        const materials = [1, 2, 3, 4, 5].map((n) => ({ material_no: n, filename: `m${n}.pdf`,
          content_base64: pdf(`${k}${n}-${randomBytes(4).toString('hex')}`).toString('base64') }));
        const res = await citizen.post('/api/v1/applications', {
          json: { item_code: ITEM, contact_name: '张晓明', contact_mobile: '13800000001', materials },
          headers: { 'x-csrf-token': csrf, 'idempotency-key': randomBytes(8).toString('hex') },
        });
        nos[k] = (await res.json()).case_no;
        let ok = false;
        for (let i = 0; i < 200 && !ok; i++) {
          ok = (await caseAct(scj, nos[k], { action: 'accept' })).status === 200;
          if (!ok) await sleep(100);
        }
        assert.ok(ok, `${k} accepted`);
        assert.equal((await caseAct(handler, nos[k], { action: 'claim' })).status, 200);
      }
      await node.stop();
      env.YIWANG_NOW = '2026-05-06 08:30:00';  // Wednesday, the second working day after 04-29
      await node.start();
    });
    after(async () => { await node?.cleanup(); });

    it('raises STEP_OVERDUE for the step still open at the tick (control)', async () => {
      const handler = await login('handler');
      const done = await (await caseAct(handler, nos.D, { action: 'complete_step', opinion: '审查通过' })).json();
      assert.equal(done.current_step, 3);
      tick();
      const sup = await login('supervisor');
      const e = await alertsFor(sup, nos.E);
      assert.deepEqual(e.map((a) => [a.rule, a.due_on]), [['STEP_OVERDUE', C_STEP_DUE]]);
      // D's page records the late step.
      const page = await (await sup.get(`/cases/${nos.D}`)).text();
      assert.match(page, /“审查”环节期限（刘洋）<\/td><td class="nowrap" data-label="起算">2026-04-29<\/td><td class="nowrap" data-label="届满">2026-04-30<\/td><td data-label="状态"><span class="badge ">超期完成<\/span> 2026-05-06/);
    });

    it('raises STEP_OVERDUE for the step that was completed late before the tick', async () => {
      const sup = await login('supervisor');
      const d = await alertsFor(sup, nos.D);
      assert.ok(d.some((a) => a.rule === 'STEP_OVERDUE' && a.due_on === C_STEP_DUE),
        `D's 审查 was due ${C_STEP_DUE} and done 2026-05-06; alerts: ${JSON.stringify(d.map((a) => [a.rule, a.due_on]))}`);
    });
  });
}
