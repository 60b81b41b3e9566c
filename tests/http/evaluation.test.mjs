// Performance evaluation and ratings over real HTTP on both databases: who may see the
// evaluation, its exports (XLSX and PDF bytes), a bad period, the public ranking page before
// anything is published, and the rating API's refusals on a case that is not concluded.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startNode, backends, Client } from '../lib/server.mjs';

const pdf = (tag) => Buffer.from(`%PDF-1.7\n% ${tag}\n%%EOF\n`);

for (const backend of backends()) {
  describe(`evaluation and ratings on ${backend}`, () => {
    let node, sup, clerk, citizen, citizenCsrf;
    const login = async (username) => {
      const c = new Client(node.internal);
      const r = await c.post('/api/v1/session', { json: { username, password: node.account(username).password } });
      assert.equal(r.status, 200);
      c.csrf = (await r.json()).csrf_token;
      return c;
    };
    before(async () => {
      node = await startNode({ backend, env: { YIWANG_SUPERVISION_TICK_SECONDS: '0' } });
      sup = await login('supervisor');
      clerk = await login('scjclerk');
      const acct = node.accounts.find((a) => a.zone === 'external' && a.unit === '个人');
      citizen = new Client(node.external);
      citizenCsrf = (await (await citizen.post('/api/v1/session', { json: { login: acct.login, password: acct.password } })).json()).csrf_token;
    });
    after(async () => { await node?.cleanup(); });

    it('the supervisor sees the evaluation and exports it; a window clerk may not', async () => {
      const page = await sup.get('/supervision/evaluation?period=2026-Q1');
      assert.equal(page.status, 200);
      const html = await page.text();
      assert.match(html, /2026 年第一季度/);
      assert.match(html, /东河区市场监督管理局/);
      assert.match(html, /无办件/);
      // The supervisor's tabs lead to every supervision page; no “(0 条)” without ratings.
      for (const href of ['/supervision', '/supervision/alerts', '/supervision/evaluation', '/supervision/rules']) {
        assert.match(html, new RegExp(`<a href="${href}"`), href);
      }
      assert.doesNotMatch(html, /（0 条）/);
      assert.doesNotMatch(html, /在外网公布/, 'a quarter is never published');
      const api = await (await sup.get('/api/v1/supervision/evaluation?period=2026-03')).json();
      assert.equal(api.from, '2026-03-01');
      assert.equal(api.to, '2026-03-31');
      assert.equal(api.departments.length, 45);  // 35 departments and 10 towns
      const xlsx = await sup.get('/supervision/evaluation/2026-03/export.xlsx');
      assert.equal(xlsx.status, 200);
      assert.equal(Buffer.from(await xlsx.arrayBuffer()).subarray(0, 2).toString(), 'PK');
      const pdfRes = await sup.get('/supervision/evaluation/2026-03/export.pdf');
      assert.equal(pdfRes.headers.get('content-type'), 'application/pdf');
      assert.equal(Buffer.from(await pdfRes.arrayBuffer()).subarray(0, 5).toString(), '%PDF-');
      const bad = await sup.get('/api/v1/supervision/evaluation?period=2026-13');
      assert.equal(bad.status, 400);
      assert.ok((await bad.json()).error.fields.period);
      assert.equal((await clerk.get('/api/v1/supervision/evaluation?period=2026-03')).status, 403);
      assert.equal((await clerk.get('/supervision/evaluation/2026-03/export.xlsx')).status, 403);
      // Publishing needs the CSRF token and a finished month.
      assert.equal((await sup.post('/supervision/evaluation/2026-03/publish', { form: {} })).status, 403);
    });

    it('the public ranking page says nothing is published yet', async () => {
      const r = await fetch(`${node.external}/open/ranking`);
      assert.equal(r.status, 200);
      assert.match(await r.text(), /暂未公布排名/);
      assert.equal((await fetch(`${node.external}/open/ranking?period=2026-03`)).status, 404);
    });

    it('a case can be rated only by its applicant and only once concluded', async () => {
      const materials = [1, 2, 3, 4, 5].map((n) => ({ material_no: n, filename: `m${n}.pdf`, content_base64: pdf(`r${n}-${randomBytes(4).toString('hex')}`).toString('base64') }));
      const created = await citizen.post('/api/v1/applications', {
        json: { item_code: 'DH-SCJ-001', contact_name: '张晓明', contact_mobile: '13800000001', materials },
        headers: { 'x-csrf-token': citizenCsrf, 'idempotency-key': randomBytes(8).toString('hex') },
      });
      assert.equal(created.status, 201);
      const { case_no: caseNo } = await created.json();
      const rate = (body, headers = { 'x-csrf-token': citizenCsrf }) => citizen.post(`/api/v1/applications/${caseNo}/rating`, { json: body, headers });
      const early = await rate({ rating: 'satisfied' });
      assert.equal(early.status, 409);
      assert.match((await early.json()).error.message, /办结后才能评价/);
      const badValue = await rate({ rating: 'great' });
      assert.equal(badValue.status, 400);
      assert.ok((await badValue.json()).error.fields.rating);
      assert.equal((await rate({ rating: 'satisfied' }, {})).status, 403);  // no CSRF token
      assert.equal((await citizen.post('/api/v1/applications/DH20260101000000/rating', { json: { rating: 'satisfied' }, headers: { 'x-csrf-token': citizenCsrf } })).status, 404);
    });
  });
}
