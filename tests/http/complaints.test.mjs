// Complaints (投诉处理) over real HTTP on both databases: the anonymous complaint form with the
// double-submit CSRF cookie and the query code shown once, tracking with the right and a wrong
// code, the JSON API (anonymous rules: JSON only, field errors, Idempotency-Key), the 监察员's
// list, accept / reject / reply with 400 / 409 answers, letters registered inside, and 403 for
// other roles.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startNode, backends, Client, csrfFrom } from '../lib/server.mjs';

async function errorOf(res) { return (await res.json()).error; }
const CONTENT = '窗口工作人员多次以材料不全为由拒收，但未一次性告知需补正的内容。';

for (const backend of backends()) {
  describe(`complaints on ${backend}`, () => {
    let node, sup, supCsrf, clerk, clerkCsrf;
    const login = async (username) => {
      const c = new Client(node.internal);
      const r = await c.post('/api/v1/session', { json: { username, password: node.account(username).password } });
      assert.equal(r.status, 200, `login ${username}`);
      return [c, (await r.json()).csrf_token];
    };
    before(async () => {
      node = await startNode({ backend });
      [sup, supCsrf] = await login('supervisor');
      [clerk, clerkCsrf] = await login('scjclerk');
    });
    after(async () => { await node.cleanup(); });

    const submit = (body, headers = {}) => fetch(`${node.external}/api/v1/complaints`, {
      method: 'POST', headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ about: 'department', dept_code: 'DH-SCJ', name: '王小明', mobile: '13900001234', content: CONTENT, ...body }),
    });
    const track = (no, code) => fetch(`${node.external}/api/v1/complaints/${no}?code=${code}`);
    /** Waits until the complaint has crossed to the internal zone (the exchange pumps in the background). */
    const inside = async (no) => {
      for (let i = 0; i < 200; i++) {
        const r = await sup.get(`/api/v1/supervision/complaints/${no}`);
        if (r.status === 200) return r.json();
        await new Promise((res) => setTimeout(res, 100));
      }
      assert.fail(`${no} did not reach the internal zone`);
    };
    const waitState = async (no, code, state) => {
      for (let i = 0; i < 200; i++) {
        const r = await track(no, code);
        if (r.ok && (await r.json()).state === state) return true;
        await new Promise((res) => setTimeout(res, 100));
      }
      return false;
    };
    const act = (client, token, no, body) => client.post(`/api/v1/supervision/complaints/${no}/actions`, { json: body, headers: { 'x-csrf-token': token } });

    it('the 政民互动 column links to the complaint form', async () => {
      const html = await (await fetch(`${node.external}/interact`)).text();
      assert.match(html, /href="\/interact\/complaints"/);
      assert.match(html, /href="\/interact\/complaints\/track"/);
    });

    it('an anonymous complaint through the form: CSRF, field errors, the query code shown once, tracking', async () => {
      const anon = new Client(node.external);
      let r = await anon.get('/interact/complaints');
      assert.equal(r.status, 200);
      const html = await r.text();
      assert.match(html, /东河区市场监督管理局/);
      const csrf = csrfFrom(html);
      assert.ok(csrf.length >= 20, 'the form carries a CSRF token');
      const key = /name="idempotency_key" value="([^"]+)"/.exec(html)[1];
      const form = { about: 'department', dept_code: 'DH-SCJ', name: '赵六', mobile: '13900005678', content: CONTENT, idempotency_key: key };

      r = await anon.post('/interact/complaints', { form });  // no _csrf
      assert.equal(r.status, 403);
      const stranger = new Client(node.external);  // a token without its cookie (cross-site)
      r = await stranger.post('/interact/complaints', { form: { ...form, _csrf: csrf } });
      assert.equal(r.status, 403);

      r = await anon.post('/interact/complaints', { form: { ...form, _csrf: csrf, mobile: '12345', content: '太短' } });
      assert.equal(r.status, 400);
      const bad = await r.text();
      assert.match(bad, /11 位中国大陆手机号/);
      assert.match(bad, /10 至 2000 字/);
      assert.match(bad, /value="赵六"/, 'what was typed is kept');

      r = await anon.post('/interact/complaints', { form: { ...form, _csrf: csrf } });
      assert.equal(r.status, 200);
      const done = await r.text();
      const no = /id="complaint-no">(TS\d{14})</.exec(done)?.[1];
      const code = /id="query-code">(\d{6})</.exec(done)?.[1];
      assert.ok(no && code, 'the confirmation shows the number and the query code');
      // A second submission of the same form (refresh, double click) makes no second complaint.
      r = await anon.post('/interact/complaints', { form: { ...form, _csrf: csrf } });
      const again = await r.text();
      assert.match(again, /已提交过/);
      assert.doesNotMatch(again, /id="query-code"/);

      r = await fetch(`${node.external}/interact/complaints/track?no=${no}&code=${code}`);
      assert.equal(r.status, 200);
      const page = await r.text();
      assert.match(page, /东河区市场监督管理局/);
      assert.match(page, /赵\*/, 'the name is masked');
      assert.match(page, /未一次性告知/);
      const wrong = await fetch(`${node.external}/interact/complaints/track?no=${no}&code=${code === '000000' ? '111111' : '000000'}`);
      assert.equal(wrong.status, 404);
      assert.match(await wrong.text(), /投诉编号或查询码不正确/);
      assert.doesNotMatch(await (await fetch(`${node.external}/interact/complaints/track?no=${no}&code=000001`)).text(), /未一次性告知/);
    });

    it('the JSON API: anonymous JSON only, field errors, Idempotency-Key, status with the code', async () => {
      const formEncoded = await fetch(`${node.external}/api/v1/complaints`, {
        method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ about: 'department', dept_code: 'DH-SCJ', name: '跨站', mobile: '13900001111', content: CONTENT }).toString(),
      });
      assert.equal(formEncoded.status, 403);
      assert.equal((await errorOf(formEncoded)).code, 'CSRF_TOKEN_INVALID');

      const bad = await submit({ about: 'case', case_no: 'DH20990101000000', mobile: '1390000', content: '短' });
      assert.equal(bad.status, 400);
      const err = await errorOf(bad);
      assert.equal(err.code, 'INVALID_INPUT');
      assert.deepEqual(Object.keys(err.fields).sort(), ['case_no', 'content', 'mobile']);
      assert.match(err.fields.case_no, /未找到/);
      const office = await submit({ dept_code: 'DH-JCJ-XN' });
      assert.equal(office.status, 400);
      assert.ok((await errorOf(office)).fields.dept_code);
      const wrongType = await submit({ content: 42 });
      assert.equal(wrongType.status, 400);

      const key = `k-${Date.now()}`;
      const first = await submit({}, { 'idempotency-key': key });
      assert.equal(first.status, 201);
      const a = await first.json();
      assert.match(a.complaint_no, /^TS\d{14}$/);
      assert.match(a.query_code, /^\d{6}$/);
      const again = await submit({}, { 'idempotency-key': key });
      assert.equal(again.status, 200);
      const b = await again.json();
      assert.equal(b.complaint_no, a.complaint_no);
      assert.equal(b.repeated, true);
      assert.equal(b.query_code, undefined);

      // The same submission sent six times at once (a retrying client): one complaint.
      const burstKey = `burst-${Date.now()}`;
      const burst = await Promise.all(Array.from({ length: 6 }, () => submit({ mobile: '13900007777' }, { 'idempotency-key': burstKey })));
      assert.deepEqual(burst.map((r) => r.status).sort(), [200, 200, 200, 200, 200, 201], 'one created, five repeats');
      const numbers = new Set((await Promise.all(burst.map((r) => r.json()))).map((x) => x.complaint_no));
      assert.equal(numbers.size, 1, `one complaint number: ${[...numbers]}`);

      const st = await track(a.complaint_no, a.query_code);
      assert.equal(st.status, 200);
      const j = await st.json();
      assert.equal(j.dept_name, '东河区市场监督管理局');
      assert.equal(j.complainant_mobile, undefined, 'no mobile number in the public view');
      assert.equal((await track(a.complaint_no, '')).status, 400, 'no code: asked for, not a wrong try');
      assert.equal((await errorOf(await track(a.complaint_no, a.query_code === '000000' ? '111111' : '000000'))).code, 'NOT_FOUND');
      assert.ok(await waitState(a.complaint_no, a.query_code, 'received'), 'the receipt inside is fed back');
      const received = await (await track(a.complaint_no, a.query_code)).json();
      assert.match(received.acceptance_due, /^\d{4}-\d{2}-\d{2}$/);
    });

    it('the 监察员 accepts and replies; wrong state 409, missing fields 400, other roles 403', async () => {
      const { complaint_no: no, query_code: code } = await (await submit({ dept_code: 'DH-ZRJ' })).json();
      const c = await inside(no);
      assert.equal(c.state, 'received');
      assert.equal(c.complainant_mobile, '13900001234');
      assert.equal(c.clocks[0].label, '投诉受理期限');
      assert.equal(c.clocks[0].due_on, c.acceptance_due);

      // Other roles: the list, the page and the actions are refused.
      assert.equal((await clerk.get('/api/v1/supervision/complaints')).status, 403);
      assert.equal((await clerk.get(`/supervision/complaints/${no}`)).status, 403);
      assert.equal((await act(clerk, clerkCsrf, no, { action: 'accept' })).status, 403);
      assert.equal((await act(sup, '', no, { action: 'accept' })).status, 403, 'no CSRF token');

      const noReason = await act(sup, supCsrf, no, { action: 'reject', reason: ' ' });
      assert.equal(noReason.status, 400);
      assert.ok((await errorOf(noReason)).fields.reason);
      assert.equal((await act(sup, supCsrf, no, { action: 'reply', reply: '答复', upheld: true })).status, 409);

      const accepted = await act(sup, supCsrf, no, { action: 'accept', text: '转区自然资源和规划局核查' });
      assert.equal(accepted.status, 200);
      const aj = await accepted.json();
      assert.equal(aj.state, 'accepted');
      assert.match(aj.reply_due, /^\d{4}-\d{2}-\d{2}$/);
      assert.equal((await act(sup, supCsrf, no, { action: 'accept' })).status, 409);
      const missing = await act(sup, supCsrf, no, { action: 'reply', reply: '' });
      assert.equal(missing.status, 400);
      assert.deepEqual(Object.keys((await errorOf(missing)).fields).sort(), ['reply', 'upheld']);
      const replied = await act(sup, supCsrf, no, { action: 'reply', reply: '经核查，投诉属实，已责令整改。', upheld: true });
      assert.equal(replied.status, 200);
      assert.equal((await replied.json()).state, 'replied');

      assert.ok(await waitState(no, code, 'replied'), 'the complainant sees the reply');
      const pub = await (await track(no, code)).json();
      assert.equal(pub.reply, '经核查，投诉属实，已责令整改。');
      assert.equal(pub.upheld, true);
      assert.deepEqual(pub.events.map((e) => e.action), ['submit', 'receive', 'accept', 'reply']);
      assert.ok(pub.events.every((e) => e.actor === undefined), 'staff names are not shown outside');
      const page = await (await fetch(`${node.external}/interact/complaints/track?no=${no}&code=${code}`)).text();
      assert.match(page, /投诉属实/);
    });

    it('the workbench pages: nav link, list, reject through the form, a letter registered inside', async () => {
      const home = await (await sup.get('/')).text();
      assert.match(home, /href="\/supervision\/complaints"/);
      assert.doesNotMatch(await (await clerk.get('/')).text(), /href="\/supervision\/complaints"/);

      const { complaint_no: no, query_code: code } = await (await submit({ dept_code: 'DH-T05' })).json();
      await inside(no);
      const list = await (await sup.get('/supervision/complaints?state=received')).text();
      assert.match(list, new RegExp(no));
      // The list counts and pages: the API's total is what the page says, one row a page.
      const all = await (await sup.get('/api/v1/supervision/complaints?per_page=1')).json();
      assert.ok(all.total >= 2, `several complaints by now (${all.total})`);
      assert.equal(all.complaints.length, 1);
      const second = await (await sup.get('/api/v1/supervision/complaints?per_page=1&page=2')).json();
      assert.notEqual(second.complaints[0].complaint_no, all.complaints[0].complaint_no);
      assert.match(await (await sup.get('/supervision/complaints?state=all')).text(), new RegExp(`共 ${all.total} 件`));
      assert.match(await (await sup.get('/supervision/complaints?state=all&page=999')).text(), /这一页没有投诉。<a href="\/supervision\/complaints\?state=all&amp;page=1">回到第一页/);
      let r = await sup.get(`/supervision/complaints/${no}`);
      assert.equal(r.status, 200);
      const page = await r.text();
      assert.match(page, /投诉受理期限/);
      assert.match(page, /予以受理/);
      const csrf = csrfFrom(page);
      r = await sup.post(`/supervision/complaints/${no}/actions`, { form: { _csrf: csrf, action: 'reject', reason: '' } });
      assert.equal(r.status, 400);
      assert.match(await r.text(), /请填写不予受理的理由/);
      r = await sup.post(`/supervision/complaints/${no}/actions`, { form: { _csrf: csrf, action: 'reject', reason: '已通过行政复议处理，不属于本渠道受理范围' } });
      assert.equal(r.status, 303);
      assert.ok(await waitState(no, code, 'rejected'));
      assert.match((await (await track(no, code)).json()).reason, /行政复议/);

      // A letter: registered by the 监察员, readable outside with the code given once.
      assert.equal((await clerk.get('/supervision/complaints/new')).status, 403);
      const reg = await sup.post('/api/v1/supervision/complaints', {
        json: { channel: 'letter', about: 'department', dept_code: 'DH-SCJ', name: '钱七', content: '来信反映：办理营业执照变更时被要求重复提交材料。' },
        headers: { 'x-csrf-token': supCsrf },
      });
      assert.equal(reg.status, 201);
      const l = await reg.json();
      assert.match(l.query_code, /^\d{6}$/);
      assert.equal((await clerk.post('/api/v1/supervision/complaints', { json: { channel: 'phone' }, headers: { 'x-csrf-token': clerkCsrf } })).status, 403);
      assert.ok(await waitState(l.complaint_no, l.query_code, 'received'));
      assert.equal((await (await track(l.complaint_no, l.query_code)).json()).channel, 'letter');
      const form = await (await sup.get('/supervision/complaints/new')).text();
      r = await sup.post('/supervision/complaints', { form: { _csrf: csrfFrom(form), channel: 'phone', about: 'department', dept_code: 'DH-SCJ', name: '孙八', mobile: '', content: CONTENT } });
      assert.equal(r.status, 400);
      r = await sup.post('/supervision/complaints', { form: { _csrf: csrfFrom(form), channel: 'phone', about: 'department', dept_code: 'DH-SCJ', name: '孙八', mobile: '13900009999', content: CONTENT } });
      assert.equal(r.status, 303);
      assert.match(r.headers.get('location'), /^\/supervision\/complaints\/TS\d{14}$/);
      const flash = decodeURIComponent(sup.cookies.get('yw_flash') || '');
      assert.match(flash, /查询码 \d{6}/);
    });
  });
}
