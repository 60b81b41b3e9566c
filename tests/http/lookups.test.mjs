// Wrong query codes are counted (identity/lookup_guard.hpp), on both databases: ten for one
// number stop its lookups for an hour — on the page and the API, even with the right code, in
// any spelling of the number — and the lock is audited; a hundred from one address stop that
// address's lookups of every number. A node of its own: the locks would hold for the rest of a
// shared node's tests.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startNode, backends, Client, csrfFrom, totp } from '../lib/server.mjs';

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
      const a = node.account('auditor');
      const auditor = new Client(node.internal);
      const body = { username: 'auditor', password: a.password };
      if (a.totp_secret) body.totp = totp(a.totp_secret, Math.floor(Date.now() / 1000));
      assert.equal((await auditor.post('/api/v1/session', { json: body })).status, 200);
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
}
