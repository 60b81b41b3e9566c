// Case lists over real HTTP on both databases: the staff's queue (API and page) in pages with a
// total, the search box (case number, ID number, part of a name; wildcards taken literally;
// only the staff member's own department), and the applicant's 我的办件 in groups with counts.
// The demo district's 80 cases are the data.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startNode, backends, Client } from '../lib/server.mjs';

for (const backend of backends()) {
  describe(`case lists on ${backend}`, () => {
    let node, citizen, citizenId, citizenCsrf, clerk, otherClerk;
    before(async () => {
      node = await startNode({ backend, demoCases: true });
      const c = node.accounts.find((a) => a.zone === 'external' && a.unit === '个人');
      citizen = new Client(node.external);
      citizenId = c.login;
      const session = await citizen.post('/api/v1/session', { json: { login: c.login, password: c.password } });
      assert.equal(session.status, 200);
      citizenCsrf = (await session.json()).csrf_token;
      clerk = new Client(node.internal);
      assert.equal((await clerk.post('/api/v1/session', { json: { username: 'scjclerk', password: node.account('scjclerk').password } })).status, 200);
      otherClerk = new Client(node.internal);
      assert.equal((await otherClerk.post('/api/v1/session', { json: { username: 'clerk', password: node.account('clerk').password } })).status, 200);
    });
    after(async () => { await node.cleanup(); });

    const list = async (who, query) => {
      const r = await who.get(`/api/v1/cases?${new URLSearchParams(query)}`);
      assert.equal(r.status, 200, await r.clone().text());
      return r.json();
    };

    it('the queue comes in pages: a total, no case twice, every case once, newest first when ended', async () => {
      const all = await list(clerk, { per_page: 200 });
      assert.ok(all.total > 12, `the demo department has cases (${all.total})`);
      assert.equal(all.cases.length, all.total);
      const seen = [];
      for (let page = 1; page <= Math.ceil(all.total / 5); page++) {
        const p = await list(clerk, { per_page: 5, page });
        assert.equal(p.total, all.total);
        assert.equal(p.page, page);
        assert.ok(p.cases.length <= 5);
        seen.push(...p.cases.map((c) => c.case_no));
      }
      assert.equal(seen.length, all.total);
      assert.equal(new Set(seen).size, all.total);
      assert.deepEqual([...seen].sort(), all.cases.map((c) => c.case_no).sort());
      // Past the end: an empty page with the same total.
      const beyond = await list(clerk, { per_page: 5, page: Math.ceil(all.total / 5) + 1 });
      assert.equal(beyond.cases.length, 0);
      assert.equal(beyond.total, all.total);
      // Concluded: newest conclusion first.
      const done = await list(clerk, { state: 'concluded', per_page: 200 });
      assert.ok(done.cases.length >= 2);
      assert.ok(done.cases.every((c) => c.state === 'concluded'));
      const sorted = done.cases.map((c) => c.case_no);
      const byTime = [...done.cases].sort((a, b) => (a.concluded_at < b.concluded_at ? 1 : a.concluded_at > b.concluded_at ? -1 : 0));
      assert.deepEqual(sorted, byTime.map((c) => c.case_no));
      // The states' totals add up to the whole.
      let sum = 0;
      for (const state of ['received', 'correction', 'accepted', 'in_progress', 'suspended', 'decided', 'concluded', 'refused', 'withdrawn']) {
        sum += (await list(clerk, { state, per_page: 1 })).total;
      }
      assert.equal(sum, all.total);
    });

    it('the search box finds by case number, ID number and part of a name, in the own department only', async () => {
      const all = (await list(clerk, { per_page: 200 })).cases;
      const one = all.find((c) => c.applicant_name === '张晓明');  // the demo citizen
      assert.ok(one, 'the demo citizen has cases in this department');
      let r = await list(clerk, { q: one.case_no });
      assert.deepEqual(r.cases.map((c) => c.case_no), [one.case_no]);
      assert.equal(r.total, 1);
      r = await list(clerk, { q: ` ${one.case_no} ` });  // spaces around are ignored
      assert.equal(r.total, 1);
      r = await list(clerk, { q: one.case_no.toLowerCase() });  // and the letters' case
      assert.equal(r.total, 1);
      // Part of a case number: its last six digits, its date.
      r = await list(clerk, { q: one.case_no.slice(-6), per_page: 200 });
      assert.ok(r.cases.some((c) => c.case_no === one.case_no));
      assert.ok(r.cases.every((c) => c.case_no.includes(one.case_no.slice(-6)) || [c.applicant_name, c.contact_name, c.item_name].some((n) => (n ?? '').includes(one.case_no.slice(-6)))));
      r = await list(clerk, { q: one.case_no.slice(0, 10), per_page: 200 });
      assert.equal(r.total, all.filter((c) => c.case_no.startsWith(one.case_no.slice(0, 10))).length);
      // The whole ID number (the API shows it masked); a part of it finds nothing.
      r = await list(clerk, { q: citizenId, per_page: 200 });
      assert.equal(r.total, all.filter((c) => c.applicant_name === '张晓明').length);
      assert.ok(r.cases.some((c) => c.case_no === one.case_no));
      assert.equal((await list(clerk, { q: citizenId.slice(0, 10) })).total, 0);
      // Part of the applicant's name: every hit has it somewhere in its names; none without it.
      const part = [...one.applicant_name].slice(1).join('') || one.applicant_name;
      r = await list(clerk, { q: part, per_page: 200 });
      assert.ok(r.cases.some((c) => c.case_no === one.case_no));
      assert.ok(r.cases.every((c) => [c.applicant_name, c.contact_name, c.item_name].some((n) => (n ?? '').includes(part))));
      assert.equal(r.total, all.filter((c) => [c.applicant_name, c.contact_name, c.item_name].some((n) => (n ?? '').includes(part))).length);
      // Together with a state: only that state.
      r = await list(clerk, { q: part, state: one.state, per_page: 200 });
      assert.ok(r.cases.length >= 1 && r.cases.every((c) => c.state === one.state));
      // Wildcards are letters here: "%" and "_" match nothing, not everything.
      assert.equal((await list(clerk, { q: '%' })).total, 0);
      assert.equal((await list(clerk, { q: '_' })).total, 0);
      // Another department's clerk cannot find the case, not even by its number.
      assert.equal((await list(otherClerk, { q: one.case_no })).total, 0);
      // Too long: a clear error with its field.
      const long = await clerk.get(`/api/v1/cases?q=${encodeURIComponent('字'.repeat(51))}`);
      assert.equal(long.status, 400);
      const e = (await long.json()).error;
      assert.equal(e.code, 'INVALID_INPUT');
      assert.ok(e.fields.q);
      assert.equal((await list(clerk, { q: '字'.repeat(50) })).total, 0);
      // An unknown state is an error too.
      assert.equal((await clerk.get('/api/v1/cases?state=nonsense')).status, 400);
    });

    it('a Latin name is found whatever the letters\' case, on both databases', async () => {
      const csrf = citizenCsrf;
      const materials = [1, 2, 3, 4, 5].map((n) => ({ material_no: n, filename: `m${n}.pdf`, content_base64: Buffer.from(`%PDF-1.7\n% ${n}-${randomBytes(4).toString('hex')}\n%%EOF\n`).toString('base64') }));
      const res = await citizen.post('/api/v1/applications', {
        json: { item_code: 'DH-SCJ-001', contact_name: 'Li Lei', contact_mobile: '13800000001', materials },
        headers: { 'x-csrf-token': csrf, 'idempotency-key': randomBytes(8).toString('hex') },
      });
      assert.equal(res.status, 201, await res.clone().text());
      const { case_no: caseNo } = await res.json();
      for (let i = 0; i < 200 && (await clerk.get(`/api/v1/cases/${caseNo}`)).status !== 200; i++) await new Promise((r) => setTimeout(r, 50));
      for (const q of ['Li Lei', 'li lei', 'LI LEI', 'i l']) {
        const r = await list(clerk, { q });
        assert.ok(r.cases.some((c) => c.case_no === caseNo), `found by "${q}"`);
      }
      assert.equal((await list(clerk, { q: 'lilei' })).total, 0);
    });

    it("'mine' lists only the clerk's work, most urgent first, in pages", async () => {
      const mine = await list(clerk, { queue: 'mine', per_page: 200 });
      assert.ok(mine.total >= 1);
      // Applications to accept and decided cases to conclude wait for the window; the rest are the clerk's own.
      assert.ok(mine.cases.every((c) => c.state === 'received' || c.state === 'decided' || c.assignee_name === '林芳'));
      assert.ok(mine.cases.every((c) => !['concluded', 'refused', 'withdrawn', 'correction'].includes(c.state)));
      const decided = await list(clerk, { state: 'decided', per_page: 200 });
      assert.equal(mine.cases.filter((c) => c.state === 'decided').length, decided.total);
      // The deadline that runs: 受理期限 while waiting, the step's while in the flow; none after the decision (last).
      const running = (c) => (c.state === 'received' ? c.acceptance_due : ['accepted', 'in_progress'].includes(c.state) ? c.step_due : '');
      const dues = mine.cases.map(running);
      const withDue = dues.filter(Boolean);
      assert.deepEqual(withDue, [...withDue].sort());
      assert.deepEqual(dues.slice(withDue.length).filter(Boolean), [], 'the cases without a running deadline come last');
      // The workbench's home page counts them.
      assert.match(await (await clerk.get('/')).text(), new RegExp(`href="/cases\\?state=mine">我的待办 ${mine.total} 件<`));
      // …and the department's cases by stage, each linked to its list (the system's figures are the administrators').
      const home = await (await clerk.get('/')).text();
      const stage = async (state) => (await list(clerk, { state, per_page: 1 })).total;
      const flowing = (await stage('accepted')) + (await stage('in_progress')) + (await stage('suspended'));
      assert.match(home, new RegExp(`<a href="/cases\\?state=received"><span class="num">${await stage('received')}</span><span>待受理</span></a>`));
      assert.match(home, new RegExp(`<a href="/cases\\?state=in_progress"><span class="num">${flowing}</span><span>办理中</span></a>`));
      assert.match(home, new RegExp(`<a href="/cases\\?state=decided"><span class="num">${await stage('decided')}</span><span>已决定待办结</span></a>`));
      assert.doesNotMatch(home, /待确认交换包/);
      const first = await list(clerk, { queue: 'mine', per_page: 1 });
      assert.equal(first.total, mine.total);
      assert.deepEqual(first.cases.map((c) => c.case_no), [mine.cases[0].case_no]);
    });

    it('a handler has the case list in the menu as 办件办理, each case with the step it waits at', async () => {
      const handler = new Client(node.internal);
      assert.equal((await handler.post('/api/v1/session', { json: { username: 'handler', password: node.account('handler').password } })).status, 200);
      const home = await (await handler.get('/')).text();
      assert.match(home, /<a href="\/cases"[^>]*>办件办理<\/a>/);
      const html = await (await handler.get('/cases?state=in_progress')).text();
      assert.match(html, /<h1>办件办理<\/h1>/);
      assert.doesNotMatch(html, /<h1>办件受理<\/h1>/);
      const running = (await list(handler, { state: 'in_progress', per_page: 1 })).total;
      if (running > 0) assert.match(html, /“[^”]+”环节/);
    });

    it('the queue page shows the total, pages, the search and its empty state', async () => {
      const all = await list(clerk, { per_page: 200 });
      let html = await (await clerk.get('/cases?state=all')).text();
      assert.match(html, new RegExp(`共 ${all.total} 件`));
      assert.match(html, /第 1 \/ \d+ 页/);
      assert.equal((html.match(/href="\/cases\/DH\d{14}"/g) ?? []).length, Math.min(20, all.total));
      html = await (await clerk.get(`/cases?state=all&q=${all.cases[0].case_no}`)).text();
      assert.match(html, /共 1 件/);
      assert.match(html, /name="q"[^>]*value="DH\d{14}"/);
      // Past the last page: said so, with the way back.
      html = await (await clerk.get('/cases?state=all&page=999')).text();
      assert.match(html, new RegExp(`这一页没有办件（共 ${all.total} 件）`));
      assert.match(html, /href="\/cases\?state=all&amp;page=1">回到第一页/);
      // A search too long: said beside the box, the list empty, no error page.
      const long = await clerk.get(`/cases?state=all&q=${encodeURIComponent('字'.repeat(51))}`);
      assert.equal(long.status, 200);
      html = await long.text();
      assert.match(html, /请输入办件编号、证件号码或名称的一部分（不超过 50 个字）/);
      assert.doesNotMatch(html, /href="\/cases\/DH\d{14}"/);
      html = await (await clerk.get(`/cases?state=received&q=${encodeURIComponent('<没有>')}`)).text();
      assert.match(html, /本部门没有与“&lt;没有&gt;”相符的/);
      assert.doesNotMatch(html, /<没有>/);
      assert.match(html, /href="\/cases\?state=all&amp;q=%3C/);
    });

    it("我的办件 shows the applicant's groups with counts that add up, in pages", async () => {
      let html = await (await citizen.get('/account/cases')).text();
      assert.match(html, /<nav[\s\S]*<a href="\/account\/cases"[^>]*aria-current="page"[^>]*>我的办件<\/a>/, 'in the menu');
      const count = (label) => Number(html.match(new RegExp(`>${label} <span class="tab-count[^"]*">(\\d+)<`))[1]);
      const all = count('全部'), correction = count('待我补正'), open = count('办理中'), concluded = count('已办结'), ended = count('不予受理或已撤回');
      assert.ok(all > 0);
      assert.equal(correction + open + concluded + ended, all);
      const rowsOf = (h) => (h.match(/href="\/account\/cases\/DH\d{14}"/g) ?? []).length;
      assert.equal(rowsOf(html), Math.min(20, all));
      html = await (await citizen.get('/account/cases?show=concluded')).text();
      assert.equal(rowsOf(html), Math.min(20, concluded));
      assert.doesNotMatch(html, /<td data-label="状态">(已受理|待受理|办理中|不予受理|已撤回)/);
      if (correction > 0) {
        html = await (await citizen.get('/account/cases?show=correction')).text();
        assert.match(html, /请补正材料/);
      }
      if (all > 20) {
        html = await (await citizen.get('/account/cases?page=2')).text();
        assert.equal(rowsOf(html), Math.min(20, all - 20));
      }
      html = await (await citizen.get('/account/cases?page=99')).text();
      assert.match(html, /这一页没有办件。<a href="\/account\/cases\?page=1">回到第一页/);
      // The same over the API, with every group's count.
      let api = await (await citizen.get('/api/v1/applications?per_page=200')).json();
      assert.deepEqual(api.counts, { all, correction, open, concluded, ended });
      assert.equal(api.total, all);
      assert.equal(api.cases.length, all);
      assert.ok(api.cases.every((c) => c.applicant_name && !('events' in c)));
      const submitted = api.cases.map((c) => c.submitted_at);
      assert.deepEqual(submitted, [...submitted].sort().reverse(), 'newest first');
      api = await (await citizen.get('/api/v1/applications?show=concluded&per_page=5&page=2')).json();
      assert.equal(api.total, concluded);
      assert.equal(api.cases.length, Math.max(0, Math.min(5, concluded - 5)));
      assert.ok(api.cases.every((c) => c.state === 'concluded'));
      assert.equal((await citizen.get('/api/v1/applications?show=bogus')).status, 400);
      // Another applicant's list holds only their own cases.
      const f = node.accounts.find((a) => a.zone === 'external' && a.unit === '法人');
      const firm = new Client(node.external);
      assert.equal((await firm.post('/api/v1/session', { json: { login: f.login, password: f.password } })).status, 200);
      const theirs = await (await firm.get('/api/v1/applications?per_page=200')).json();
      const mine = new Set((await (await citizen.get('/api/v1/applications?per_page=200')).json()).cases.map((c) => c.case_no));
      assert.ok(theirs.cases.every((c) => !mine.has(c.case_no)));
      assert.equal((await fetch(`${node.external}/api/v1/applications`)).status, 401, 'not logged in');
      // Staff of the internal zone have no such list there (another zone, another route table).
      assert.equal((await clerk.get('/api/v1/applications')).status, 404);
      const r = await citizen.get('/account/cases?show=bogus');
      assert.equal(r.status, 400);
    });
  });
}
