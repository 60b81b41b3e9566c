// Fees, drafts and deadline explanations over real HTTP on both databases.
// Fees: the 系统管理员 imports an item with two fees; the window clerk assesses them from the
// catalogue (a changed amount needs a reason), the flow runs, conclusion is refused (409)
// until both fees are recorded against unique receipt numbers; wrong role or unit is 403 and
// changes nothing; the applicant's page shows 应缴费用 and 缴费记录.
// Drafts: 保存草稿 on the apply page, listed under 草稿 in 我的办件, 继续填写 and submit once;
// the drafts API; another applicant gets 404.
// Deadlines: both case pages and both JSON views explain every deadline.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startNode, backends, Client, csrfFrom, totp } from '../lib/server.mjs';

const pdf = (tag) => Buffer.from(`%PDF-1.7\n% ${tag}\n%%EOF\n`);
const FREE = 'DH-SCJ-001';  // 食品经营许可（新办）: free, five required materials
const PAID = 'DH-SCJ-901';  // imported below: 登记费 80 元 + 证书工本费 10.50 元
const CSV = '事项编码,事项名称,实施部门编码,事项类型,法定时限,承诺时限,办理地点,申请材料,收费,办理流程\r\n' +
  `${PAID},收费测试事项（新办）,DH-SCJ,行政许可,10,5,区政务服务中心二楼 12 号窗口,"申请书|原件|1|必需\n营业执照|复印件|1|必需",` +
  '"登记费|80|《收费标准》第一条\n证书工本费|10.50|《收费标准》第二条","受理|受理|1\n审查|承办|3\n审批|审批|1"\r\n';

async function staff(node, login) {
  const a = node.account(login);
  const c = new Client(node.internal);
  const body = { username: a.login, password: a.password };
  if (a.totp_secret) body.totp = totp(a.totp_secret);
  const res = await c.post('/api/v1/session', { json: body });
  assert.equal(res.status, 200, `${login}: ${await res.clone().text()}`);
  c.csrf = (await res.json()).csrf_token;
  c.act = (caseNo, json) => c.post(`/api/v1/cases/${caseNo}/actions`, { json, headers: { 'x-csrf-token': c.csrf } });
  return c;
}

async function applicant(node, unit) {
  const a = node.accounts.find((x) => x.zone === 'external' && x.unit === unit);
  const c = new Client(node.external);
  const res = await c.post('/api/v1/session', { json: { login: a.login, password: a.password } });
  assert.equal(res.status, 200);
  c.csrf = (await res.json()).csrf_token;
  c.api = (method, path, json) => c.request(method, path, { json, headers: { 'x-csrf-token': c.csrf } });
  return c;
}

/** POSTs a multipart form as the browser does, keeping the client's cookies. */
async function postForm(c, path, fields, files = {}) {
  const fd = new FormData();
  for (const [k, v] of Object.entries(fields)) fd.append(k, v);
  for (const [k, [name, bytes]] of Object.entries(files)) fd.append(k, new Blob([bytes]), name);
  return fetch(c.base + path, { method: 'POST', body: fd, headers: { cookie: c.cookieHeader() }, redirect: 'manual' });
}

async function waitFor(fn, what) {
  for (let i = 0; i < 200; i++) {
    if (await fn()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`timed out waiting for ${what}`);
}

for (const backend of backends()) {
  describe(`fees, drafts and deadlines on ${backend}`, () => {
    let node, citizen, firm, clerk, otherClerk, handler, approver;
    before(async () => {
      node = await startNode({ backend });
      const admin = await staff(node, 'sysadmin');
      const page = await (await admin.get('/admin/items')).text();
      const imported = await postForm(admin, '/admin/items/import', { _csrf: csrfFrom(page), publish: '1' }, { file: ['items.csv', CSV] });
      assert.equal(imported.status, 303, await imported.clone().text());
      citizen = await applicant(node, '个人');
      firm = await applicant(node, '法人');
      clerk = await staff(node, 'scjclerk');
      otherClerk = await staff(node, 'clerk');
      handler = await staff(node, 'handler');
      approver = await staff(node, 'approver');
      await waitFor(async () => (await fetch(`${node.external}/api/v1/items/${PAID}`)).status === 200, 'the imported item on the portal');
    });
    after(async () => { await node?.cleanup(); });

    const apply = async (item, materials) => {
      const res = await citizen.post('/api/v1/applications', {
        json: {
          item_code: item, contact_name: '张晓明', contact_mobile: '13800000001',
          materials: materials.map((n) => ({ material_no: n, filename: `m${n}.pdf`, content_base64: pdf(`${n}-${randomBytes(4).toString('hex')}`).toString('base64') })),
        },
        headers: { 'x-csrf-token': citizen.csrf, 'idempotency-key': randomBytes(8).toString('hex') },
      });
      assert.equal(res.status, 201);
      const { case_no: caseNo } = await res.json();
      await waitFor(async () => (await clerk.get(`/api/v1/cases/${caseNo}`)).status === 200, 'the application inside');
      return caseNo;
    };
    const caseOf = async (caseNo) => (await clerk.get(`/api/v1/cases/${caseNo}`)).json();

    it('fees: assessed from the catalogue, a changed amount needs a reason, unique receipts, no conclusion before payment', async () => {
      const caseNo = await apply(PAID, [1, 2]);
      assert.equal((await clerk.act(caseNo, { action: 'assess_fees' })).status, 409, 'nothing to assess before acceptance');
      assert.equal((await clerk.act(caseNo, { action: 'accept' })).status, 200);
      assert.equal((await otherClerk.act(caseNo, { action: 'assess_fees' })).status, 403, 'another unit');
      assert.equal((await approver.act(caseNo, { action: 'assess_fees' })).status, 403, 'not a window clerk or handler');
      let res = await clerk.act(caseNo, { action: 'assess_fees', fees: [{ fee_no: 2, amount: '5' }] });
      assert.equal(res.status, 400);
      assert.match((await res.json()).error.fields.note_2, /须写明理由/);
      res = await clerk.act(caseNo, { action: 'assess_fees', fees: [{ fee_no: 1, amount: '1.234', note: '减' }, { fee_no: 2, amount: -1, note: '减' }] });
      assert.equal(res.status, 400);
      const bad = (await res.json()).error.fields;
      assert.ok(bad.amount_1 && bad.amount_2, JSON.stringify(bad));
      assert.deepEqual((await caseOf(caseNo)).fees, [], 'nothing changed');

      res = await clerk.act(caseNo, { action: 'assess_fees' });
      assert.equal(res.status, 200);
      let c = await res.json();
      assert.deepEqual(c.fees.map((f) => [f.name, f.catalogue_fen, f.assessed_fen]), [['登记费', 8000, 8000], ['证书工本费', 1050, 1050]]);
      assert.equal(c.fees_due, '90.50 元');
      assert.match(c.events.at(-1).opinion, /核定收费：登记费 80\.00 元；证书工本费 10\.50 元。合计 90\.50 元/);
      let page = await (await clerk.get(`/cases/${caseNo}`)).text();
      assert.match(page, /<h2>收费<\/h2>/);
      assert.match(page, /登记缴费/);

      // The flow: 承办 then 审批 grants.
      assert.equal((await handler.act(caseNo, { action: 'claim' })).status, 200);
      assert.equal((await handler.act(caseNo, { action: 'complete_step', opinion: '符合条件' })).status, 200);
      assert.equal((await approver.act(caseNo, { action: 'claim' })).status, 200);
      assert.equal((await approver.act(caseNo, { action: 'decide', decision: 'approve', opinion: '同意' })).status, 200);
      res = await clerk.act(caseNo, { action: 'conclude' });
      assert.equal(res.status, 409);
      assert.match((await res.json()).error.message, /费用尚未缴清，不能办结。未缴：登记费 80\.00 元、证书工本费 10\.50 元/);
      assert.equal((await caseOf(caseNo)).state, 'decided');

      // Payments: the amount must equal the assessment, the receipt must look like one and be new.
      res = await clerk.act(caseNo, { action: 'record_payment', fee_no: 1, amount: '8', receipt_no: '37010125-0000000001' });
      assert.equal(res.status, 400);
      assert.match((await res.json()).error.fields.amount, /应与核定金额 80\.00 元一致/);
      res = await clerk.act(caseNo, { action: 'record_payment', fee_no: 1, amount: '80', receipt_no: '12' });
      assert.equal(res.status, 400);
      assert.ok((await res.json()).error.fields.receipt_no);
      assert.equal((await clerk.act(caseNo, { action: 'record_payment', fee_no: 1, amount: '80', receipt_no: '37010125-0000000001', provider: 'nope' })).status, 400);
      assert.equal((await otherClerk.act(caseNo, { action: 'record_payment', fee_no: 1, amount: '80', receipt_no: '37010125-0000000001' })).status, 403);
      // The page form shows the problem beside the fee form.
      page = await (await clerk.get(`/cases/${caseNo}`)).text();
      const form = await clerk.post(`/cases/${caseNo}/actions`, { form: { _csrf: csrfFrom(page), action: 'record_payment', fee_no: '1', amount: '80', receipt_no: 'x' } });
      assert.equal(form.status, 400);
      assert.match(await form.text(), /票据号格式不正确/);
      const receipt = `R${Date.now()}`;
      res = await clerk.act(caseNo, { action: 'record_payment', fee_no: 1, amount: '80.00', receipt_no: receipt });
      assert.equal(res.status, 200);
      c = await res.json();
      assert.equal(c.fees[0].receipt_no, receipt);
      assert.equal(c.fees[0].provider_label, '柜台缴费');
      assert.equal((await clerk.act(caseNo, { action: 'record_payment', fee_no: 2, amount: '10.5', receipt_no: receipt })).status, 409, 'a receipt proves one payment');
      assert.equal((await clerk.act(caseNo, { action: 'record_payment', fee_no: 1, amount: '80', receipt_no: receipt + 'B' })).status, 409, 'paid already');
      assert.equal((await clerk.act(caseNo, { action: 'assess_fees' })).status, 409, 'no reassessment after a payment');
      assert.equal((await clerk.act(caseNo, { action: 'conclude' })).status, 409, 'one fee still unpaid');
      // Through the page form, as the window does it.
      page = await (await clerk.get(`/cases/${caseNo}`)).text();
      const paid = await clerk.post(`/cases/${caseNo}/actions`, { form: { _csrf: csrfFrom(page), action: 'record_payment', fee_no: '2', amount: '10.50', receipt_no: receipt + '-2', provider: 'counter' } });
      assert.equal(paid.status, 303);
      assert.equal((await clerk.act(caseNo, { action: 'conclude' })).status, 200);

      // The applicant sees what was assessed and paid, with the receipt numbers.
      await waitFor(async () => (await (await citizen.get(`/api/v1/applications/${caseNo}`)).json()).state === 'concluded', 'the conclusion outside');
      const mine = await (await citizen.get(`/api/v1/applications/${caseNo}`)).json();
      assert.deepEqual(mine.fees.map((f) => f.receipt_no), [receipt, `${receipt}-2`]);
      assert.equal(mine.fees[0].assessed_by, undefined, 'staff names stay inside');
      assert.ok(mine.events.some((e) => e.action === 'record_payment' && e.opinion.includes(receipt)));
      const html = await (await citizen.get(`/account/cases/${caseNo}`)).text();
      assert.match(html, /应缴费用/);
      assert.match(html, /缴费记录/);
      assert.ok(html.includes(`票据号 <strong>${receipt}</strong>`), 'the receipt number on the applicant\'s page');
      assert.equal((await firm.get(`/account/cases/${caseNo}`)).status, 404, 'another applicant');
    });

    it('退费: after the applicant withdraws, the window refunds a paid fee in full against a voucher (form and API)', async () => {
      const caseNo = await apply(PAID, [1, 2]);
      assert.equal((await clerk.act(caseNo, { action: 'accept' })).status, 200);
      assert.equal((await clerk.act(caseNo, { action: 'assess_fees' })).status, 200);
      const receipt = `P${Date.now()}`;
      assert.equal((await clerk.act(caseNo, { action: 'record_payment', fee_no: 1, amount: '80', receipt_no: receipt })).status, 200);
      const voucher = `TF-${Date.now()}`;
      let res = await clerk.act(caseNo, { action: 'refund', fee_no: 1, amount: '80', refund_no: voucher, opinion: '撤回' });
      assert.equal(res.status, 409, 'not while the case runs');
      let page = await (await clerk.get(`/cases/${caseNo}`)).text();
      assert.doesNotMatch(page, /name="refund_no"/);
      // The applicant withdraws; the case ends inside.
      res = await citizen.api('POST', `/api/v1/applications/${caseNo}/withdrawal`, { reason: '不再经营' });
      assert.equal(res.status, 202, await res.clone().text());
      await waitFor(async () => (await caseOf(caseNo)).state === 'withdrawn', 'the withdrawal inside');
      page = await (await clerk.get(`/cases/${caseNo}`)).text();
      assert.match(page, /退还已缴费用/);
      assert.match(page, /value="申请人撤回申请，本件终止办理"/);
      // A bad form: every problem shown beside the fee panel, what was typed kept, nothing stored.
      let form = await clerk.post(`/cases/${caseNo}/actions`, { form: { _csrf: csrfFrom(page), action: 'refund', fee_no: '1', amount: '8', refund_no: '退', opinion: '' } });
      assert.equal(form.status, 400);
      let html = await form.text();
      assert.match(html, /应全额退还实缴的 80\.00 元/);
      assert.match(html, /退费凭证号应为 6 到 32 位/);
      assert.match(html, /请写明退费原因/);
      assert.match(html, /id="refund-amount"[^>]*value="8"/);
      assert.ok((await caseOf(caseNo)).fees.every((f) => !f.refunded), 'nothing refunded');
      // Without the CSRF token: refused.
      form = await clerk.post(`/cases/${caseNo}/actions`, { form: { action: 'refund', fee_no: '1', amount: '80', refund_no: voucher, opinion: '撤回' } });
      assert.equal(form.status, 403);
      assert.equal((await approver.act(caseNo, { action: 'refund', fee_no: 1, amount: '80', refund_no: voucher, opinion: '撤回' })).status, 403);
      assert.equal((await otherClerk.act(caseNo, { action: 'refund', fee_no: 1, amount: '80', refund_no: voucher, opinion: '撤回' })).status, 403);
      // The page form, as the window does it.
      form = await clerk.post(`/cases/${caseNo}/actions`, { form: { _csrf: csrfFrom(page), action: 'refund', fee_no: '1', amount: '80.00', refund_no: voucher, opinion: '申请人撤回申请，本件终止办理' } });
      assert.equal(form.status, 303);
      const c = await caseOf(caseNo);
      assert.equal(c.fees[0].refunded, true);
      assert.equal(c.fees[0].refund_no, voucher);
      assert.equal(c.fees[0].refunded_amount, '80.00 元');
      assert.equal(c.state, 'withdrawn');
      // Twice, or the unpaid fee: 409 through the API.
      assert.equal((await clerk.act(caseNo, { action: 'refund', fee_no: 1, amount: '80', refund_no: `${voucher}-2`, opinion: '撤回' })).status, 409);
      assert.equal((await clerk.act(caseNo, { action: 'refund', fee_no: 2, amount: '10.50', refund_no: `${voucher}-3`, opinion: '撤回' })).status, 409);
      page = await (await clerk.get(`/cases/${caseNo}`)).text();
      assert.match(page, /已退费/);
      assert.doesNotMatch(page, /name="refund_no"/, 'nothing left to refund');
      // The applicant sees it.
      await waitFor(async () => (await (await citizen.get(`/api/v1/applications/${caseNo}`)).json()).fees?.[0]?.refunded === true, 'the refund outside');
      html = await (await citizen.get(`/account/cases/${caseNo}`)).text();
      assert.ok(html.includes(`退费凭证号 <strong>${voucher}</strong>`), 'the voucher on the applicant\'s page');
      const mine = await (await citizen.get(`/api/v1/applications/${caseNo}`)).json();
      assert.equal(mine.fees[0].refunded_by, undefined, 'staff names stay inside');
      assert.ok(mine.events.some((e) => e.action === 'refund' && e.opinion.includes(voucher)));
    });

    it('a free item needs no fees and shows no fee panel', async () => {
      const caseNo = await apply(FREE, [1, 2, 3, 4, 5]);
      assert.equal((await clerk.act(caseNo, { action: 'accept' })).status, 200);
      assert.equal((await clerk.act(caseNo, { action: 'assess_fees' })).status, 409);
      assert.doesNotMatch(await (await clerk.get(`/cases/${caseNo}`)).text(), /<h2>收费<\/h2>/);
    });

    it('every deadline is explained on both case pages, with the special procedure and the extension', async () => {
      const caseNo = await apply(FREE, [1, 2, 3, 4, 5]);
      assert.equal((await clerk.act(caseNo, { action: 'accept' })).status, 200);
      assert.equal((await handler.act(caseNo, { action: 'claim' })).status, 200);
      assert.equal((await handler.act(caseNo, { action: 'suspend', opinion: '检验检测' })).status, 200);
      assert.equal((await approver.act(caseNo, { action: 'extend', days: 10, opinion: '需现场核查' })).status, 200);
      const c = await caseOf(caseNo);
      assert.deepEqual(c.deadlines.map((d) => d.name), ['受理期限', '承诺办结期限', '法定办结期限', '审查环节期限']);
      assert.equal(c.deadlines[1].due, c.promised_due);
      for (const d of c.deadlines.slice(1)) {
        assert.match(d.explanation, /检验检测，所需时间不计算在期限内（行政许可法第四十五条）/, d.name);
        assert.match(d.explanation, /特别程序尚在进行/, d.name);
      }
      assert.match(c.deadlines[2].explanation, /经批准延长 10 个工作日/);
      const inside = await (await clerk.get(`/cases/${caseNo}`)).text();
      for (const name of ['受理期限', '承诺办结期限', '法定办结期限', '审查环节期限']) assert.match(inside, new RegExp(`<summary>${name}：`));
      assert.match(inside, /经批准延长 10 个工作日/);
      assert.match(inside, /class="day-list"/);
      // The applicant's page: the same explanation, fed back.
      await waitFor(async () => (await (await citizen.get(`/api/v1/applications/${caseNo}`)).json()).events.some((e) => e.action === 'extend'), 'the extension outside');
      const mine = await (await citizen.get(`/api/v1/applications/${caseNo}`)).json();
      // Where each period stands: acceptance answered in time; the case's limits paused by the procedure.
      assert.equal(c.deadlines[0].status, 'met');
      assert.match(c.deadlines[0].status_text, /^已于 \d{4}-\d{2}-\d{2} 予以受理，在期限内$/);
      assert.deepEqual(c.deadlines.slice(1).map((d) => d.status), ['paused', 'paused', 'paused']);
      assert.match(inside, /<span class="badge ok">已按期<\/span>/);
      assert.match(inside, /特别程序进行中，期限暂停计算/);
      // The step's limit is the office's own work plan: staff see it, the applicant does not.
      assert.deepEqual(c.deadlines.map((d) => d.internal), [false, false, false, true]);
      assert.deepEqual(mine.deadlines.map((d) => d.explanation), c.deadlines.slice(0, 3).map((d) => d.explanation));
      assert.deepEqual(mine.deadlines.map((d) => d.status), c.deadlines.slice(0, 3).map((d) => d.status));
      const outside = await (await citizen.get(`/account/cases/${caseNo}`)).text();
      for (const name of ['受理期限', '承诺办结期限', '法定办结期限']) assert.match(outside, new RegExp(`<summary>${name}：`));
      assert.doesNotMatch(outside, /审查环节期限/);
      assert.match(outside, /检验检测，所需时间不计算在期限内/);
      assert.match(outside, /经批准延长 10 个工作日/);
    });

    it('drafts on the apply page: 保存草稿, listed under 草稿, 继续填写, submitted once; not another applicant\'s', async () => {
      let page = await (await citizen.get(`/services/items/${FREE}/apply`)).text();
      assert.match(page, /保存草稿/);
      const csrf = csrfFrom(page);
      let res = await postForm(citizen, `/services/items/${FREE}/apply`,
        { _csrf: csrf, intent: 'draft', contact_name: '张晓明', contact_mobile: '', description: '开一家面馆', idempotency_key: 'x' },
        { material_1: ['申请书.pdf', pdf('draft-1')] });
      assert.equal(res.status, 303);
      const location = res.headers.get('location');
      assert.match(location, new RegExp(`^/services/items/${FREE}/apply\\?draft=\\d+$`));
      const id = location.split('=')[1];
      page = await (await citizen.get(location)).text();
      assert.match(page, /已上传：申请书\.pdf/);
      assert.match(page, new RegExp(`name="draft_id" value="${id}"`));
      assert.match(page, /开一家面馆/);
      const list = await (await citizen.get('/account/cases')).text();
      assert.match(list, /<h2>草稿<\/h2>/);
      assert.ok(list.includes(`href="/services/items/${FREE}/apply?draft=${id}"`), '继续填写');
      assert.ok(list.includes(`action="/account/drafts/${id}/delete"`), '删除');
      // Not another applicant's, not the staff's.
      assert.equal((await firm.get(`/services/items/${FREE}/apply?draft=${id}`)).status, 404);
      assert.equal((await firm.get(`/api/v1/drafts/${id}`)).status, 404);
      assert.equal((await firm.api('PUT', `/api/v1/drafts/${id}`, { description: '改' })).status, 404);
      assert.equal((await firm.api('DELETE', `/api/v1/drafts/${id}`)).status, 404);
      assert.equal((await firm.api('POST', `/api/v1/drafts/${id}/submit`)).status, 404);
      const stolen = await postForm(firm, `/account/drafts/${id}/delete`, { _csrf: firm.csrf });
      assert.equal(stolen.status, 404);
      assert.equal((await clerk.get(`/api/v1/drafts/${id}`)).status, 404, 'drafts do not exist inside');
      assert.equal((await (await citizen.get(`/api/v1/drafts/${id}`)).json()).description, '开一家面馆');

      // Submit from the page, with the rest of the materials: one case, even on a double click.
      const fields = { _csrf: csrf, draft_id: id, contact_name: '张晓明', contact_mobile: '13800000001', description: '开一家面馆', idempotency_key: 'y' };
      const rest = Object.fromEntries([2, 3, 4, 5].map((n) => [`material_${n}`, [`材料${n}.pdf`, pdf(`rest-${n}`)]]));
      res = await postForm(citizen, `/services/items/${FREE}/apply`, { ...fields, contact_mobile: '123' }, rest);
      assert.equal(res.status, 400, 'a bad mobile number: the draft stays a draft');
      assert.match(await res.text(), /已上传：材料2\.pdf/);
      res = await postForm(citizen, `/services/items/${FREE}/apply`, fields, rest);
      assert.equal(res.status, 303);
      const caseNo = res.headers.get('location').match(/cases\/(DH\d{14})$/)[1];
      res = await postForm(citizen, `/services/items/${FREE}/apply`, fields, rest);
      assert.equal(res.status, 303);
      assert.match(res.headers.get('location'), new RegExp(`^/account/cases/${caseNo}$`), 'the same case again');
      const mine = await (await citizen.get(`/account/cases/${caseNo}`)).text();
      assert.match(mine, /申请书\.pdf/);
      assert.match(mine, /材料5\.pdf/);
      assert.doesNotMatch(await (await citizen.get('/account/cases')).text(), /<h2>草稿<\/h2>/);
      const d = await (await citizen.get(`/api/v1/drafts/${id}`)).json();
      assert.equal(d.case_no, caseNo);
      assert.equal((await citizen.get(`/services/items/${FREE}/apply?draft=${id}`)).headers.get('location'), `/account/cases/${caseNo}`);
    });

    it('the drafts API: create, update, bad input changes nothing, submit once, delete', async () => {
      const m = (n, bytes = pdf(`api-${n}-${randomBytes(3).toString('hex')}`)) => ({ material_no: n, filename: `f${n}.pdf`, content_base64: Buffer.from(bytes).toString('base64') });
      assert.equal((await citizen.post('/api/v1/drafts', { json: { item_code: FREE } })).status, 403, 'CSRF token required');
      let res = await citizen.api('POST', '/api/v1/drafts', { item_code: FREE, contact_name: '张晓明', materials: [m(1)] });
      assert.equal(res.status, 201);
      const draft = await res.json();
      assert.equal(draft.item_name, '食品经营许可（新办）');
      assert.equal(draft.materials.length, 1);
      assert.equal((await citizen.api('POST', '/api/v1/drafts', { item_code: 'DH-NO-SUCH' })).status, 404);
      res = await citizen.api('PUT', `/api/v1/drafts/${draft.id}`, { materials: [m(2, 'MZ\x90 not a pdf')] });
      assert.equal(res.status, 400);
      assert.ok((await res.json()).error.fields.material_2);
      assert.equal((await citizen.api('PUT', `/api/v1/drafts/${draft.id}`, { contact_mobile: 'abc' })).status, 400);
      assert.equal((await (await citizen.get(`/api/v1/drafts/${draft.id}`)).json()).materials.length, 1, 'nothing changed');
      res = await citizen.api('POST', `/api/v1/drafts/${draft.id}/submit`);
      assert.equal(res.status, 400, 'incomplete: refused, still a draft');
      res = await citizen.api('PUT', `/api/v1/drafts/${draft.id}`, { contact_mobile: '13800000001', materials: [2, 3, 4, 5].map((n) => m(n)) });
      assert.equal(res.status, 200);
      assert.equal((await res.json()).materials.length, 5);
      assert.ok((await (await citizen.get('/api/v1/drafts')).json()).drafts.some((x) => x.id === draft.id));
      res = await citizen.api('POST', `/api/v1/drafts/${draft.id}/submit`);
      assert.equal(res.status, 201);
      const first = await res.json();
      assert.match(first.query_code, /^\d{6}$/);
      res = await citizen.api('POST', `/api/v1/drafts/${draft.id}/submit`);
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), { case_no: first.case_no, repeated: true });
      assert.ok(!(await (await citizen.get('/api/v1/drafts')).json()).drafts.some((x) => x.id === draft.id));
      assert.equal((await citizen.api('PUT', `/api/v1/drafts/${draft.id}`, { description: '改' })).status, 409);
      assert.equal((await citizen.api('DELETE', `/api/v1/drafts/${draft.id}`)).status, 409);
      await waitFor(async () => (await clerk.get(`/api/v1/cases/${first.case_no}`)).status === 200, 'the case inside');
      assert.equal((await caseOf(first.case_no)).materials.length, 5);
      // Delete an unsubmitted one.
      const other = await (await citizen.api('POST', '/api/v1/drafts', { item_code: FREE })).json();
      res = await citizen.api('DELETE', `/api/v1/drafts/${other.id}`);
      assert.equal(res.status, 200);
      assert.equal((await citizen.get(`/api/v1/drafts/${other.id}`)).status, 404);
      assert.equal((await citizen.get('/api/v1/drafts/abc')).status, 404);
    });
  });
}
