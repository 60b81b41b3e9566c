// Wrong query codes are counted (identity/lookup_guard.hpp), on both databases: ten for one
// number stop its lookups for an hour — on the page and the API, even with the right code, in
// any spelling of the number — and the lock is audited; a hundred from one address stop that
// address's lookups of every number. A node of its own: the locks would hold for the rest of a
// shared node's tests. Anonymous writes (registrations, complaints) are limited per address in
// the same table, on a second node with small limits.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { startNode, backends, Client, csrfFrom, totp, residentId } from '../lib/server.mjs';

async function auditorOf(node) {
  const a = node.account('auditor');
  const auditor = new Client(node.internal);
  const body = { username: 'auditor', password: a.password };
  if (a.totp_secret) body.totp = totp(a.totp_secret, Math.floor(Date.now() / 1000));
  assert.equal((await auditor.post('/api/v1/session', { json: body })).status, 200);
  return auditor;
}

const CONTENT = '窗口工作人员多次以材料不全为由拒收，但未一次性告知需补正的内容。';

for (const backend of backends()) {
  describe(`query code lookups on ${backend}`, () => {
    let node;
    before(async () => { node = await startNode({ backend }); });
    after(async () => { await node?.cleanup(); });

    const submit = async () => {
      const r = await fetch(`${node.external}/api/v1/complaints`, {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ about: 'department', dept_code: 'DH-SCJ', name: '王小明', mobile: '13900001234', content: CONTENT }),
      });
      assert.equal(r.status, 201);
      return r.json();
    };
    const track = (no, code) => fetch(`${node.external}/api/v1/complaints/${no}?code=${code}`);
    const other = (code) => (code === '000000' ? '111111' : '000000');

    it('ten wrong codes for one number stop its lookups, even with the right code; the lock is audited', async () => {
      const { complaint_no: no, query_code: code } = await submit();
      const second = await submit();
      assert.equal((await track(no, code)).status, 200);
      assert.equal((await track(no.toLowerCase(), ` ${code}`)).status, 200, 'as people type it');
      // A number without a code is no try: it asks for the code and counts nothing.
      for (let i = 0; i < 12; i++) {
        assert.equal((await fetch(`${node.external}/api/v1/complaints/${no}`)).status, 400);
        assert.equal((await fetch(`${node.external}/api/v1/applications/DH20260101123456`)).status, 400);
        assert.equal((await fetch(`${node.external}/services/track?case_no=DH20260101123456`)).status, 200);
      }
      assert.equal((await track(no, code)).status, 200);
      for (let i = 0; i < 10; i++) assert.equal((await track(no, other(code))).status, 404, `wrong try ${i + 1}`);
      const locked = await track(no, code);
      assert.equal(locked.status, 429);
      const { error } = await locked.json();
      assert.equal(error.code, 'TOO_MANY_REQUESTS');
      assert.match(error.message, /该编号的查询码错误次数过多，请 \d+ 分钟后再试/);
      assert.equal((await track(no.toLowerCase(), code)).status, 429, 'another spelling is the same number');
      // The page says so too.
      const visitor = new Client(node.external);
      const form = await (await visitor.get(`/interact/complaints/track?no=${no}`)).text();
      const page = await visitor.post('/interact/complaints/track', { form: { _csrf: csrfFrom(form), no, code } });
      assert.equal(page.status, 429);
      assert.match(await page.text(), /错误次数过多/);
      // Another number is not affected.
      assert.equal((await track(second.complaint_no, second.query_code)).status, 200);
      // The try that used up the limit is in the audit log.
      const auditor = await auditorOf(node);
      const audit = await (await auditor.get('/api/v1/audit?per_page=200&action=lookup.locked')).json();
      assert.equal(audit.total, 1);
      assert.equal(audit.records[0].outcome, 'denied');
      assert.equal(audit.records[0].object_id, `complaint:${no}`);
    });

    it('a hundred wrong codes from one address stop its lookups of every number', async () => {
      const { complaint_no: no, query_code: code } = await submit();
      assert.equal((await track(no, code)).status, 200);
      // Ten wrong tries were made from this address in the test before; ninety more, over
      // numbers that do not exist, one each.
      for (let i = 0; i < 90; i++) {
        const r = await track(`TS20260101${String(100000 + i)}`, '123456');
        assert.equal(r.status, 404, `wrong try ${i + 11}`);
      }
      const locked = await track(no, code);
      assert.equal(locked.status, 429);
      assert.match((await locked.json()).error.message, /本机查询码错误次数过多/);
    });
  });

  describe(`anonymous submissions per address on ${backend}`, () => {
    let node;
    before(async () => {
      node = await startNode({ backend, env: { YIWANG_REGISTER_PER_HOUR: '3', YIWANG_COMPLAINTS_PER_HOUR: '2' } });
    });
    after(async () => { await node?.cleanup(); });

    const complain = (headers = {}, body = {}) => fetch(`${node.external}/api/v1/complaints`, {
      method: 'POST', headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ about: 'department', dept_code: 'DH-SCJ', name: '王小明', mobile: '13900001234', content: CONTENT, ...body }),
    });
    const register = (id) => fetch(`${node.external}/api/v1/accounts`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'citizen', name: '赵六', id_number: id, mobile: '13' + String(randomInt(1e9)).padStart(9, '0'), password: 'limit-per-hour-2026' }),
    });
    const login = (id) => fetch(`${node.external}/api/v1/session`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login: id, password: 'limit-per-hour-2026' }),
    });

    it('complaints: the limit counts accepted ones only, then 429 on the API and the form, and nothing is stored', async () => {
      const sup = new Client(node.internal);
      assert.equal((await sup.post('/api/v1/session', { json: { username: 'supervisor', password: node.account('supervisor').password } })).status, 200);
      const listed = async () => (await (await sup.get('/api/v1/supervision/complaints')).json()).total;
      const before = await listed();
      // A refused one (a field error) and a retry of an accepted one cost nothing.
      assert.equal((await complain({}, { content: '' })).status, 400);
      const first = await complain({ 'idempotency-key': 'limit-k1' });
      assert.equal(first.status, 201);
      const again = await complain({ 'idempotency-key': 'limit-k1' });
      assert.equal(again.status, 200);
      assert.equal((await again.json()).repeated, true);
      assert.equal((await complain()).status, 201);
      const over = await complain({}, { content: '第三件：' + CONTENT });
      assert.equal(over.status, 429);
      const err = (await over.json()).error;
      assert.equal(err.code, 'TOO_MANY_REQUESTS');
      assert.match(err.message, /^本机一小时内提交投诉已达 2 次，请 (60|59) 分钟后再试。/);
      // The form says the same beside the letter as written (nothing lost on the page).
      const anon = new Client(node.external);
      const csrf = csrfFrom(await (await anon.get('/interact/complaints')).text());
      const page = await anon.post('/interact/complaints', { form: { _csrf: csrf, about: 'department', dept_code: 'DH-SCJ', name: '王小明',
        mobile: '13900001234', content: '表单：' + CONTENT, idempotency_key: 'limit-form' } });
      assert.equal(page.status, 429);
      const html = await page.text();
      assert.match(html, /本机一小时内提交投诉已达 2 次/);
      assert.match(html, /表单：窗口工作人员/);
      // Exactly two reached the 监察员's list (they cross to the internal zone as packets).
      for (let i = 0; i < 100 && (await listed()) < before + 2; i++) await new Promise((r) => setTimeout(r, 100));
      await new Promise((r) => setTimeout(r, 300));  // anything more would have crossed by now
      assert.equal(await listed(), before + 2);
    });

    it('registrations: three an hour from one address, then 429 with nothing created; the limit is audited', async () => {
      const ids = [residentId(), residentId(), residentId(), residentId()];
      assert.equal((await register('110105194912310021')).status, 400, 'a bad ID number is refused and not counted');
      for (const id of ids.slice(0, 3)) assert.equal((await register(id)).status, 201);
      const over = await register(ids[3]);
      assert.equal(over.status, 429);
      assert.match((await over.json()).error.message, /^本机一小时内注册已达 3 次/);
      assert.equal((await login(ids[3])).status, 401, 'the refused registration created no account');
      assert.equal((await login(ids[0])).status, 200);
      // The form: field errors still come first (a form with a mistake is not a registration).
      const anon = new Client(node.external);
      const csrf = csrfFrom(await (await anon.get('/register')).text());
      const form = { _csrf: csrf, kind: 'citizen', name: '赵六', id_number: ids[3], mobile: '13900004321', password: 'limit-per-hour-2026',
        password_confirm: 'limit-per-hour-2026', agree: '1' };
      const limited = await anon.post('/register', { form });
      assert.equal(limited.status, 429);
      assert.match(await limited.text(), /本机一小时内注册已达 3 次/);
      const typo = await anon.post('/register', { form: { ...form, password_confirm: 'other' } });
      assert.equal(typo.status, 400);
      const auditor = await auditorOf(node);
      const audit = await (await auditor.get('/api/v1/audit?per_page=50&action=rate.limited')).json();
      assert.deepEqual(audit.records.map((r) => r.object_id).sort(),
        ['rate:complaint:client:127.0.0.1', 'rate:register:client:127.0.0.1']);
      assert.ok(audit.records.every((r) => r.outcome === 'denied'));
    });
  });
}
