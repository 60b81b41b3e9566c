// Applications over real HTTP on both databases: the multipart apply page (CSRF, idempotency
// key, materials checked by content), the JSON applications API with an Idempotency-Key
// header, the window clerk's queue and acceptance API, per-unit refusal, and the public
// status lookup with the query code.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startNode, backends, Client, csrfFrom } from '../lib/server.mjs';

const pdf = (tag) => Buffer.from(`%PDF-1.7\n% ${tag}\n%%EOF\n`);
const ITEM = 'DH-SCJ-001';  // 食品经营许可（新办）, 东河区市场监督管理局

async function errorOf(res) { return (await res.json()).error; }

for (const backend of backends()) {
  describe(`applications on ${backend}`, () => {
    let node, citizen, clerk, otherClerk, csrf, clerkCsrf, otherCsrf;
    before(async () => {
      node = await startNode({ backend });
      const c = node.accounts.find((a) => a.zone === 'external' && a.unit === '个人');
      citizen = new Client(node.external);
      csrf = (await (await citizen.post('/api/v1/session', { json: { login: c.login, password: c.password } })).json()).csrf_token;
      clerk = new Client(node.internal);
      clerkCsrf = (await (await clerk.post('/api/v1/session', { json: { username: 'scjclerk', password: node.account('scjclerk').password } })).json()).csrf_token;
      otherClerk = new Client(node.internal);
      otherCsrf = (await (await otherClerk.post('/api/v1/session', { json: { username: 'clerk', password: node.account('clerk').password } })).json()).csrf_token;
    });
    after(async () => { await node.cleanup(); });

    const materials = () => [1, 2, 3, 4, 5].map((n) => ({ material_no: n, filename: `m${n}.pdf`, content_base64: pdf(`m${n}-${randomBytes(4).toString('hex')}`).toString('base64') }));
    const applyJson = (key, body) => citizen.post('/api/v1/applications', {
      json: { item_code: ITEM, contact_name: '张晓明', contact_mobile: '13800000001', description: '开餐馆', materials: materials(), ...body },
      headers: { 'x-csrf-token': csrf, 'idempotency-key': key },
    });
    const waitState = async (caseNo, code, state) => {
      for (let i = 0; i < 200; i++) {
        const r = await fetch(`${node.external}/api/v1/applications/${caseNo}?code=${code}`);
        if (r.ok && (await r.json()).state === state) return true;
        await new Promise((res) => setTimeout(res, 100));
      }
      return false;
    };

    it('the apply page submits a multipart form and shows the case with its query code once', async () => {
      let r = await citizen.get(`/services/items/${ITEM}/apply`);
      assert.equal(r.status, 200);
      const html = await r.text();
      assert.match(html, /营业执照复印件/);
      const form = new FormData();
      form.append('_csrf', csrfFrom(html));
      form.append('idempotency_key', randomBytes(8).toString('hex'));
      form.append('contact_name', '张晓明');
      form.append('contact_mobile', '13800000001');
      for (const n of [1, 2, 3, 4, 5]) form.append(`material_${n}`, new Blob([pdf(`page-${n}`)]), `材料${n}.pdf`);
      r = await fetch(`${node.external}/services/items/${ITEM}/apply`, { method: 'POST', body: form, headers: { cookie: citizen.cookieHeader() }, redirect: 'manual' });
      assert.equal(r.status, 303);
      const location = r.headers.get('location');
      // The query code goes to the case page in a short-lived cookie, never in the address; it
      // is shown there once, and a made-up ?code= shows nothing.
      assert.match(location, /^\/account\/cases\/DH\d{14}$/);
      for (const sc of r.headers.getSetCookie()) {
        const [kv] = sc.split(';');
        const eq = kv.indexOf('=');
        citizen.cookies.set(kv.slice(0, eq), kv.slice(eq + 1));
      }
      const page = await (await citizen.get(location)).text();
      const shown = page.match(/查询码 <strong>(\d{6})<\/strong>：请妥善保存/)?.[1];
      assert.ok(shown, 'the query code is shown');
      assert.match(page, /材料1\.pdf/);
      assert.equal(citizen.cookies.has('yw_code'), false, 'and the page clears it');
      assert.doesNotMatch(await (await citizen.get(location)).text(), /请妥善保存/, 'shown only once');
      assert.doesNotMatch(await (await citizen.get(location + '?code=123456')).text(), /123456/);
      const caseNo = location.split('/').pop();
      const tracked = await (await fetch(`${node.external}/api/v1/applications/${caseNo}?code=${shown}`)).json();
      assert.equal(tracked.case_no, caseNo, 'the code shown is the case\'s');
    });

    it('an empty apply form names every problem at once: the contact fields and each missing material', async () => {
      const page = await (await citizen.get(`/services/items/${ITEM}/apply`)).text();
      assert.match(page, /id="contact_mobile" name="contact_mobile" value="1\d{10}"/, 'the account\'s mobile to start from');
      const form = new FormData();
      form.append('_csrf', csrfFrom(page));
      form.append('idempotency_key', randomBytes(8).toString('hex'));
      form.append('contact_name', '张晓明');
      form.append('contact_mobile', '');
      const r = await fetch(`${node.external}/services/items/${ITEM}/apply`, { method: 'POST', body: form, headers: { cookie: citizen.cookieHeader() }, redirect: 'manual' });
      assert.equal(r.status, 400);
      const html = await r.text();
      assert.match(html, /请填写联系电话/);
      for (let n = 1; n <= 5; n++) {
        // Each problem beside its field, and tied to it for assistive technology.
        assert.match(html, new RegExp(`<input id="material_${n}"[^>]*aria-describedby="material_${n}-error"[^>]*>[\\s\\S]*?<p class="field-error" id="material_${n}-error">请上传必需材料`), `material ${n}`);
      }
      assert.doesNotMatch(html, /<input id="material_6"[^>]*>\s*(<p class="hint">[^<]*<\/p>\s*)*<p class="field-error"/, 'material 6 is optional');
    });

    it('a multipart form without the CSRF token is refused and creates nothing', async () => {
      const before = await (await citizen.get('/account/cases')).text();
      const form = new FormData();
      form.append('idempotency_key', 'no-csrf');
      form.append('contact_name', '张晓明');
      form.append('contact_mobile', '13800000001');
      const r = await fetch(`${node.external}/services/items/${ITEM}/apply`, { method: 'POST', body: form, headers: { cookie: citizen.cookieHeader() }, redirect: 'manual' });
      assert.equal(r.status, 403);
      assert.equal((await (await citizen.get('/account/cases')).text()).match(/DH\d{14}/g)?.length ?? 0, before.match(/DH\d{14}/g)?.length ?? 0);
    });

    it('the JSON API is idempotent and checks every material by content', async () => {
      const key = randomBytes(8).toString('hex');
      const first = await applyJson(key);
      assert.equal(first.status, 201);
      const a = await first.json();
      assert.match(a.query_code, /^\d{6}$/);
      const again = await applyJson(key);
      assert.equal(again.status, 200);
      const b = await again.json();
      assert.equal(b.case_no, a.case_no);
      assert.equal(b.repeated, true);
      const exe = materials();
      exe[0].content_base64 = Buffer.from('MZ\x90\x00 not a pdf').toString('base64');
      const bad = await applyJson(randomBytes(8).toString('hex'), { materials: exe });
      assert.equal(bad.status, 400);
      assert.match((await errorOf(bad)).fields.material_1, /按文件内容识别/);
      const missing = await applyJson(randomBytes(8).toString('hex'), { materials: materials().slice(0, 1) });
      assert.equal(missing.status, 400);
      assert.match((await errorOf(missing)).fields.material_2, /请上传必需材料/);
      const noKey = await citizen.post('/api/v1/applications', { json: { item_code: ITEM }, headers: { 'x-csrf-token': csrf } });
      assert.equal(noKey.status, 400);
      // Six copies at once (a double click, a retrying client): one case.
      const burstKey = randomBytes(8).toString('hex');
      const burst = await Promise.all(Array.from({ length: 6 }, () => applyJson(burstKey)));
      assert.deepEqual(burst.map((r) => r.status).sort(), [200, 200, 200, 200, 200, 201], 'one created, five repeats');
      const numbers = new Set((await Promise.all(burst.map((r) => r.json()))).map((x) => x.case_no));
      assert.equal(numbers.size, 1, `one case number: ${[...numbers]}`);
      // A key that is not visible ASCII (a header is bytes: 0xFF 0xFE here) or longer than 100:
      // refused, not cut or cleaned into another client's key; never a 500.
      for (const oddKey of ['ÿþ-' + randomBytes(4).toString('hex'), 'k'.repeat(101)]) {
        const odd = await applyJson(oddKey);
        assert.equal(odd.status, 400, oddKey);
        assert.match((await errorOf(odd)).fields.idempotency_key, /可见 ASCII 字符/);
      }
    });

    it('the materials download for the case\'s unit and its applicant only, byte for byte', async () => {
      const sent = materials();
      sent[1].filename = '营业执照 副本.pdf';
      const { case_no: caseNo } = await (await applyJson(randomBytes(8).toString('hex'), { materials: sent })).json();
      let detail;
      for (let i = 0; i < 200 && !detail; i++) {
        const r = await clerk.get(`/api/v1/cases/${caseNo}`);
        if (r.status === 200) detail = await r.json(); else await new Promise((res) => setTimeout(res, 50));
      }
      assert.ok(detail, 'the application reached the unit');
      const m2 = detail.materials.find((m) => m.material_no === 2);
      const bytes = async (r) => Buffer.from(await r.arrayBuffer());
      const api = await clerk.get(`/api/v1/cases/${caseNo}/materials/${m2.sm3}`);
      assert.equal(api.status, 200);
      assert.equal(api.headers.get('content-type'), 'application/pdf');
      assert.equal(api.headers.get('content-disposition'),
        `attachment; filename="${caseNo}-2.pdf"; filename*=UTF-8''${encodeURIComponent('营业执照 副本.pdf')}`);
      assert.equal(api.headers.get('x-content-type-options'), 'nosniff');
      assert.ok((await bytes(api)).equals(Buffer.from(sent[1].content_base64, 'base64')), 'the bytes the applicant sent');
      const page = await (await clerk.get(`/cases/${caseNo}`)).text();
      assert.ok(page.includes(`href="/cases/${caseNo}/materials/${m2.sm3}"`), 'linked from the case page');
      assert.equal((await clerk.get(`/cases/${caseNo}/materials/${m2.sm3}`)).status, 200);
      assert.equal((await otherClerk.get(`/api/v1/cases/${caseNo}/materials/${m2.sm3}`)).status, 403, 'another unit');
      // A file of another case (the store has it) is not this case's material.
      const other = await (await applyJson(randomBytes(8).toString('hex'))).json();
      const foreign = (await (await citizen.get(`/account/cases/${other.case_no}`)).text()).match(/materials\/([0-9a-f]{64})/)[1];
      assert.equal((await clerk.get(`/api/v1/cases/${caseNo}/materials/${foreign}`)).status, 404);
      assert.equal((await clerk.get(`/api/v1/cases/${caseNo}/materials/not-a-hash`)).status, 404);
      // The applicant, from the external zone; another applicant cannot.
      const own = await citizen.get(`/account/cases/${caseNo}/materials/${m2.sm3}`);
      assert.equal(own.status, 200);
      assert.ok((await bytes(own)).equals(Buffer.from(sent[1].content_base64, 'base64')));
      const firmAccount = node.accounts.find((a) => a.zone === 'external' && a.unit !== '个人');
      const firm = new Client(node.external);
      await firm.post('/api/v1/session', { json: { login: firmAccount.login, password: firmAccount.password } });
      assert.equal((await firm.get(`/account/cases/${caseNo}/materials/${m2.sm3}`)).status, 404);
      assert.equal((await fetch(`${node.external}/account/cases/${caseNo}/materials/${m2.sm3}`, { redirect: 'manual' })).status, 303,
        'anonymous: to the login page');
    });

    it('a correction notice sets the 补正期限: stored, explained among the deadlines, in the window queue', async () => {
      const { case_no: caseNo, query_code: code } = await (await applyJson(randomBytes(8).toString('hex'))).json();
      for (let i = 0; i < 200 && (await clerk.get(`/api/v1/cases/${caseNo}`)).status !== 200; i++) {
        await new Promise((res) => setTimeout(res, 50));
      }
      const r = await clerk.post(`/api/v1/cases/${caseNo}/actions`, {
        json: { action: 'request_correction', missing: ['营业执照复印件不清晰'] }, headers: { 'x-csrf-token': clerkCsrf },
      });
      assert.equal(r.status, 200);
      const c = await r.json();
      assert.equal(c.state, 'correction');
      assert.match(c.correction_due, /^\d{4}-\d{2}-\d{2}$/);
      const detail = await (await clerk.get(`/api/v1/cases/${caseNo}`)).json();
      const d = detail.deadlines.find((x) => x.name === '补正期限');
      assert.ok(d, 'among the deadlines');
      assert.equal(d.due, c.correction_due);
      assert.equal(d.days_limit, 15);
      assert.equal(d.days.filter((x) => x.counted).length, 15, '15 working days, each explained');
      const queue = await (await clerk.get('/cases?state=correction')).text();
      assert.ok(queue.includes(`>${caseNo}</a>`) && queue.includes(c.correction_due), 'the queue shows the period');
      assert.ok(await waitState(caseNo, code, 'correction'));
      const pub = await (await fetch(`${node.external}/api/v1/applications/${caseNo}?code=${code}`)).json();
      assert.equal(pub.correction_due, c.correction_due, 'the applicant is told the same date');
    });

    it('the corrections form lists every material of the item by name; a wrong file is named beside its field', async () => {
      const { case_no: caseNo, query_code: code } = await (await applyJson(randomBytes(8).toString('hex'))).json();
      for (let i = 0; i < 200 && (await clerk.get(`/api/v1/cases/${caseNo}`)).status !== 200; i++) {
        await new Promise((res) => setTimeout(res, 50));
      }
      assert.equal((await clerk.post(`/api/v1/cases/${caseNo}/actions`, {
        json: { action: 'request_correction', missing: ['请补充授权委托书及受托人身份证明'] }, headers: { 'x-csrf-token': clerkCsrf },
      })).status, 200);
      assert.ok(await waitState(caseNo, code, 'correction'));
      const html = await (await citizen.get(`/account/cases/${caseNo}`)).text();
      // All six materials of 食品经营许可（新办）, the sixth included (the form had four fixed slots before).
      for (let n = 1; n <= 6; n++) assert.match(html, new RegExp(`<label for="c-material_${n}">${n}\\. `));
      assert.match(html, /<label for="c-material_6">6\. 授权委托书/);
      // The one the notice names is marked; the others are not.
      assert.match(html, /<label for="c-material_6">6\. 授权委托书[^<]*<span class="badge danger">补正告知中提到<\/span>/);
      assert.doesNotMatch(html, /<label for="c-material_1">[^<]*<span class="badge/);
      assert.match(html, /data-upload-max="\d+"/);
      // A file that is not a PDF, JPG, PNG or OFD by content: refused beside its own field, nothing kept.
      let form = new FormData();
      form.append('_csrf', csrfFrom(html));
      form.append('material_6', new Blob(['just some text, not a document']), '委托书.pdf');
      let r = await fetch(`${node.external}/account/cases/${caseNo}/corrections`, { method: 'POST', body: form, headers: { cookie: citizen.cookieHeader() }, redirect: 'manual' });
      assert.ok(r.status === 400 || r.status === 415, String(r.status));
      const page = await r.text();
      assert.match(page, /<input id="c-material_6"[^>]*>\s*<p class="field-error">/);
      assert.doesNotMatch(page, /<input id="c-material_1"[^>]*>\s*<p class="field-error">/);
      let inside = await (await clerk.get(`/api/v1/cases/${caseNo}`)).json();
      assert.equal(inside.state, 'correction');
      assert.ok(!inside.materials.some((m) => m.correction), 'no correction material kept');
      // The sixth material, sent: it reaches the department as a correction.
      form = new FormData();
      form.append('_csrf', csrfFrom(html));
      form.append('material_6', new Blob([pdf('authorisation')]), '委托书.pdf');
      r = await fetch(`${node.external}/account/cases/${caseNo}/corrections`, { method: 'POST', body: form, headers: { cookie: citizen.cookieHeader() }, redirect: 'manual' });
      assert.equal(r.status, 303);
      for (let i = 0; i < 200; i++) {
        inside = await (await clerk.get(`/api/v1/cases/${caseNo}`)).json();
        if (inside.state === 'received') break;
        await new Promise((res) => setTimeout(res, 50));
      }
      assert.equal(inside.state, 'received', 'complete corrections restart the acceptance clock inside');
      assert.ok(inside.materials.some((m) => m.material_no === 6 && m.correction && m.filename === '委托书.pdf'));
    });

    it('the clerk of the department accepts; another unit\'s clerk gets 403; the public status follows', async () => {
      const { case_no: caseNo, query_code: code } = await (await applyJson(randomBytes(8).toString('hex'))).json();
      let seen = false;
      for (let i = 0; i < 200 && !seen; i++) {
        const q = await (await clerk.get('/api/v1/cases?state=received')).json();
        seen = q.cases.some((c) => c.case_no === caseNo);
        if (!seen) await new Promise((res) => setTimeout(res, 100));
      }
      assert.ok(seen, 'the application reached the window queue');
      const detail = await (await clerk.get(`/api/v1/cases/${caseNo}`)).json();
      assert.match(detail.acceptance_due, /^\d{4}-\d{2}-\d{2}$/);
      const denied = await otherClerk.post(`/api/v1/cases/${caseNo}/actions`, { json: { action: 'accept' }, headers: { 'x-csrf-token': otherCsrf } });
      assert.equal(denied.status, 403);
      const noCsrf = await clerk.post(`/api/v1/cases/${caseNo}/actions`, { json: { action: 'accept' } });
      assert.equal(noCsrf.status, 403);
      const noReason = await clerk.post(`/api/v1/cases/${caseNo}/actions`, { json: { action: 'refuse', opinion: '' }, headers: { 'x-csrf-token': clerkCsrf } });
      assert.equal(noReason.status, 400);
      const ok = await clerk.post(`/api/v1/cases/${caseNo}/actions`, { json: { action: 'accept' }, headers: { 'x-csrf-token': clerkCsrf } });
      assert.equal(ok.status, 200);
      assert.equal((await ok.json()).state, 'accepted');
      const twice = await clerk.post(`/api/v1/cases/${caseNo}/actions`, { json: { action: 'accept' }, headers: { 'x-csrf-token': clerkCsrf } });
      assert.equal(twice.status, 409);
      assert.ok(await waitState(caseNo, code, 'accepted'), 'the applicant sees the acceptance');
      const pub = await (await fetch(`${node.external}/api/v1/applications/${caseNo}?code=${code}`)).json();
      assert.match(pub.applicant_name, /\*/);
      assert.equal(pub.materials, undefined);
      const wrong = await fetch(`${node.external}/api/v1/applications/${caseNo}?code=${code === '000000' ? '111111' : '000000'}`);
      assert.equal(wrong.status, 404);
      const track = await (await fetch(`${node.external}/services/track?case_no=${caseNo}&code=${code}`)).text();
      assert.match(track, /已受理/);
      // The page's own form posts (the query code stays out of the address), with its CSRF token.
      const visitor = new Client(node.external);
      const form = await (await visitor.get('/services/track')).text();
      assert.match(form, /<form method="post" action="\/services\/track"/);
      let posted = await visitor.post('/services/track', { form: { _csrf: csrfFrom(form), case_no: ` ${caseNo.toLowerCase()} `, code } });
      assert.equal(posted.status, 200);
      assert.match(await posted.text(), /已受理/);
      posted = await visitor.post('/services/track', { form: { case_no: caseNo, code } });
      assert.equal(posted.status, 403, 'no CSRF token');
      posted = await visitor.post('/services/track', { form: { _csrf: csrfFrom(form), case_no: caseNo, code: code === '000000' ? '111111' : '000000' } });
      assert.match(await posted.text(), /办件编号或查询码不正确/);

      // The item's flow: each step signed for and completed by its role, then the decision.
      const login = async (username) => {
        const c = new Client(node.internal);
        const t = (await (await c.post('/api/v1/session', { json: { username, password: node.account(username).password } })).json()).csrf_token;
        const act = (action, extra = {}) => c.post(`/api/v1/cases/${caseNo}/actions`, { json: { action, ...extra }, headers: { 'x-csrf-token': t } });
        act.page = (form) => c.post(`/cases/${caseNo}/actions`, { form: { _csrf: t, ...form } });
        act.page.get = () => c.get(`/cases/${caseNo}`);
        return act;
      };
      const handler = await login('handler');
      const reviewer = await login('reviewer');
      const approver = await login('approver');
      const windowClerk = (action) => clerk.post(`/api/v1/cases/${caseNo}/actions`, { json: { action }, headers: { 'x-csrf-token': clerkCsrf } });
      assert.equal((await reviewer('claim')).status, 403, 'the first step after acceptance is the handler\'s');
      const item = await (await fetch(`${node.external}/api/v1/items/${ITEM}`)).json();
      // 办理附件 at a step: checked by content (nothing changes on a refusal), kept with the step's
      // event, downloadable by the unit's staff only, never shown to the applicant.
      const report = Buffer.from('%PDF-1.7\n% 现场核查记录\n%%EOF\n');
      const att = (name, bytes) => ({ filename: name, content_base64: Buffer.from(bytes).toString('base64') });
      let first = true;
      for (const step of item.steps.slice(1, -1)) {
        const act = step.role === 'handler' ? handler : reviewer;
        if (first) {
          const refused = await act('claim', { attachments: [att('a.pdf', report)] });
          assert.equal(refused.status, 400, 'no attachments when signing for a step');
        }
        assert.equal((await act('claim')).status, 200, `claim ${step.name}`);
        if (first) {
          const before = await (await clerk.get(`/api/v1/cases/${caseNo}`)).json();
          const bad = await act('complete_step', { opinion: '通过', attachments: [att('核查.pdf', report), att('setup.exe', 'MZ\x90 program')] });
          assert.equal(bad.status, 415);
          assert.match((await errorOf(bad)).fields.attachments, /setup\.exe：文件类型不符合要求/);
          const after = await (await clerk.get(`/api/v1/cases/${caseNo}`)).json();
          assert.deepEqual(after.events, before.events, 'nothing written');
          assert.equal(after.current_step, before.current_step);
        }
        const done = await act('complete_step', { opinion: `${step.name}通过`, ...(first ? { attachments: [att('C:\\记录\\现场核查记录.pdf', report)] } : {}) });
        assert.equal(done.status, 200, `complete ${step.name}`);
        if (first) {
          const ev = (await done.json()).events.find((e) => e.action === 'complete_step');
          assert.equal(ev.attachments.length, 1);
          assert.equal(ev.attachments[0].filename, '现场核查记录.pdf');
          const href = ev.attachments[0].href;
          assert.equal(href, `/cases/${caseNo}/attachments/${ev.attachments[0].sm3}`);
          const got = await clerk.get(href);
          assert.equal(got.status, 200, 'the unit\'s window clerk opens it');
          assert.ok(Buffer.from(await got.arrayBuffer()).equals(report));
          assert.equal((await clerk.get(`/api/v1/cases/${caseNo}/attachments/${ev.attachments[0].sm3}`)).status, 200);
          assert.equal((await otherClerk.get(href)).status, 403, 'another unit');
          assert.equal((await clerk.get(`/cases/${caseNo}/attachments/${'0'.repeat(64)}`)).status, 404);
          const page = await (await clerk.get(`/cases/${caseNo}`)).text();
          assert.ok(page.includes(`href="${href}" download>现场核查记录.pdf</a>`), 'listed under its step on the case page');
          const pub = await (await fetch(`${node.external}/api/v1/applications/${caseNo}?code=${code}`)).json();
          assert.ok(pub.events.every((e) => e.attachments === undefined), 'internal working papers stay inside');
          first = false;
        }
      }
      assert.equal((await approver('claim')).status, 200);
      // 退回: the approver sends the case back to an earlier handling step (not 受理), with reasons.
      const steps = item.steps.map((s) => s.name);
      let html = await (await approver.page.get()).text();
      const offered = [...html.matchAll(/<option value="(\d+)"( selected)?>\d+\. ([^<]+)<\/option>/g)];
      assert.deepEqual(offered.map((m) => m[3]), steps.slice(1, -1), 'every handling step before this one');
      assert.equal(offered.find((m) => m[2])[3], steps.at(-2), 'the one just before is chosen first');
      let back = await approver.page({ action: 'return_step', to_step: '2', opinion: '  ' });
      assert.equal(back.status, 400);
      html = await back.text();
      assert.match(html, /退回须说明理由/);
      assert.match(html, /<details open><summary>退回之前的环节重新办理/, 'the form stays open');
      assert.match(html, /<option value="2" selected>/, 'with the step that was chosen');
      assert.equal((await handler('return_step', { opinion: '不对' })).status, 403, 'only whoever holds the step');
      back = await approver('return_step', { to_step: 1, opinion: '重新受理' });
      assert.equal(back.status, 400);
      assert.match((await errorOf(back)).fields.to_step, /本环节之前的办理环节/);
      back = await approver.page({ action: 'return_step', to_step: String(steps.length - 1), opinion: '审核意见未写明核查结论' });
      assert.equal(back.status, 303);
      const returned = await (await clerk.get(`/api/v1/cases/${caseNo}`)).json();
      assert.equal(returned.current_step, steps.length - 1);
      assert.equal(returned.state, 'in_progress');
      assert.ok(!returned.assignee_name, 'waits to be signed for again');
      assert.equal((await approver('decide', { decision: 'approve', opinion: '同意' })).status, 409);
      assert.equal((await reviewer('claim')).status, 200);
      // 收回: the approver may take back a step someone else holds (on leave…), with reasons only.
      html = await (await approver.page.get()).text();
      assert.match(html, /<summary>收回本环节（经办人 孙丽 无法继续办理时）<\/summary>/);
      assert.equal((await approver.page({ action: 'release', opinion: '' })).status, 400);
      assert.equal((await handler('release', { opinion: '我来' })).status, 403, 'not another handler');
      const taken = await approver.page({ action: 'release', opinion: '孙丽休假' });
      assert.equal(taken.status, 303);
      let held = await (await clerk.get(`/api/v1/cases/${caseNo}`)).json();
      assert.equal(held.assignee_name, '');
      assert.ok(held.events.some((e) => e.action === 'release' && /^收回 孙丽 签收的“审核”环节，等待重新签收。理由：孙丽休假$/.test(e.opinion)));
      assert.equal((await reviewer('complete_step', { opinion: '核查结论：符合条件' })).status, 403, 'no longer hers');
      assert.equal((await reviewer('claim')).status, 200);
      assert.equal((await reviewer('complete_step', { opinion: '核查结论：符合条件', proposal: 'yes' })).status, 400, 'approve | deny');
      assert.equal((await reviewer('complete_step', { opinion: '核查结论：符合条件', proposal: 'approve' })).status, 200);
      assert.equal((await approver('claim')).status, 200);
      // The decision form: each step's 拟办意见 above it; it asks before sealing (data-confirm).
      html = await (await approver.page.get()).text();
      assert.match(html, /<h3>前面环节的拟办意见<\/h3>[\s\S]*<strong>审核<\/strong>：<span class="badge">拟准予许可<\/span>（孙丽，/);
      assert.match(html, /data-confirm="决定作出后即生成决定书并加盖电子印章，不能撤回。确定作出决定？"/);
      // 取消签收: the holder gives the step up; it waits to be signed for again.
      html = await (await approver.page.get()).text();
      assert.match(html, /<summary>取消签收（交由他人办理）<\/summary>/);
      const released = await approver.page({ action: 'release' });
      assert.equal(released.status, 303);
      assert.equal((await (await clerk.get(`/api/v1/cases/${caseNo}`)).json()).assignee_name, '');
      assert.equal((await approver('claim')).status, 200);
      const seenOutside = await (await fetch(`${node.external}/api/v1/applications/${caseNo}?code=${code}`)).json();
      assert.ok(seenOutside.events.some((e) => e.action === 'return_step' && /^“[^”]+”环节退回“审核”环节重新办理$/.test(e.opinion)),
        `the applicant sees the return: ${JSON.stringify(seenOutside.events.filter((e) => e.action === 'return_step'))}`);
      assert.ok(!JSON.stringify(seenOutside).includes('审核意见未写明核查结论'), 'but not its reasons, an internal working paper');
      assert.equal((await approver('decide', { decision: 'deny' })).status, 400, 'a denial needs reasons');
      // 证照有效期至 is set at the decision only where the catalogue fixes no term (a 变更); this
      // item fixes it, so a term sent with the grant is refused on its field.
      const termed = await approver('decide', { decision: 'approve', opinion: '同意', valid_until: '2030-06-30' });
      assert.equal(termed.status, 400);
      assert.match((await errorOf(termed)).fields.valid_until, /由事项目录规定/);
      // On the page, a refused form comes back as it was sent, beside its error: the denial stays
      // chosen; an extension's days and reasons stay filled in (not reset to 10 and empty).
      const deny = await approver.page({ action: 'decide', decision: 'deny', opinion: '' });
      assert.equal(deny.status, 400);
      const denyHtml = await deny.text();
      assert.match(denyHtml, /data-form-error/);
      assert.match(denyHtml, /value="deny"[^>]*checked/);
      assert.doesNotMatch(denyHtml, /value="approve"[^>]*checked/);
      assert.doesNotMatch(denyHtml, /name="valid_until"/, 'the catalogue fixes this licence\'s term: nothing to set');
      const extend = await approver.page({ action: 'extend', days: '11', opinion: '需组织专家论证<b>' });
      assert.equal(extend.status, 400);
      const extendHtml = await extend.text();
      assert.match(extendHtml, /name="days" type="number" min="1" max="10" value="11"/);
      assert.match(extendHtml, /需组织专家论证&lt;b&gt;<\/textarea>/, 'kept, and escaped');
      assert.doesNotMatch(extendHtml, /id="decide-opinion" name="opinion" rows="3">需组织/, 'only in the form it was sent from');
      const decided = await approver('decide', { decision: 'approve', opinion: '同意' });
      assert.equal(decided.status, 200);
      const decidedCase = await decided.json();
      assert.equal(decidedCase.state, 'decided');
      assert.equal(decidedCase.step_due, '', 'no step runs once decided: no step limit is shown');
      assert.doesNotMatch(await (await clerk.get(`/cases/${caseNo}`)).text(), /当前环节期限/);
      assert.equal((await windowClerk('conclude')).status, 200);
      assert.ok(await waitState(caseNo, code, 'concluded'), 'the applicant sees the conclusion');
      // The verification page of its certificate: 核验 pressed without a file says so (not a bare error).
      const checker = new Client(node.external);
      const verify = await (await checker.get(`/verify/${caseNo}-Z`)).text();
      assert.match(verify, /电子印章有效/);
      // Anyone may look a number up (a case number is public in 办件公示): the holder's name is
      // masked as there; the ID number is masked in what was certified.
      const applicant = (await (await clerk.get(`/api/v1/cases/${caseNo}`)).json()).applicant_name;
      const checked = await (await fetch(`${node.external}/api/v1/certificates/${caseNo}-Z/verify`)).json();
      assert.equal(checked.valid, true);
      assert.equal(checked.document.holder_masked, true);
      assert.match(checked.document.payload.holder, /\*|某某/);
      assert.notEqual(checked.document.payload.holder, applicant);
      assert.ok(!verify.includes(applicant), `the page does not show ${applicant}`);
      assert.match(verify, /姓名或名称部分隐藏/);
      const noFile = await checker.post(`/verify/${caseNo}-Z`, { form: { _csrf: csrfFrom(verify) } });
      assert.equal(noFile.status, 400);
      assert.match(await noFile.text(), /data-form-error>请选择要核验的 PDF 文件<\/div>/);
      const final = await (await fetch(`${node.external}/api/v1/applications/${caseNo}?code=${code}`)).json();
      assert.ok(!final.events.some((e) => e.action === 'claim'), 'who signed for a step is not shown outside');
      assert.ok(final.events.some((e) => e.action === 'decide' && /准予行政许可/.test(e.opinion)));
    });

    it('the clerk is told when two materials are the very same file', async () => {
      const same = pdf(`same-${randomBytes(4).toString('hex')}`).toString('base64');
      const list = materials();
      list[2].content_base64 = same;  // 材料 3 and 5: one file under two names
      list[4].content_base64 = same;
      list[4].filename = '另一个名字.pdf';
      const { case_no: caseNo, query_code: code } = await (await applyJson(randomBytes(8).toString('hex'), { materials: list })).json();
      assert.ok(await waitState(caseNo, code, 'received'));
      const seen = await (await clerk.get(`/api/v1/cases/${caseNo}`)).json();
      assert.deepEqual(seen.materials.map((m) => m.same_as ?? null), [null, null, null, null, 3]);
      assert.match(await (await clerk.get(`/cases/${caseNo}`)).text(), /另一个名字\.pdf<\/a>[^<]*<code[^>]*>[^<]*<\/code>）\s*<span class="badge warn">与材料 3 的文件内容完全相同<\/span>/);
      const outside = await (await fetch(`${node.external}/api/v1/applications/${caseNo}?code=${code}`)).json();
      assert.ok(!JSON.stringify(outside).includes('same_as'), 'a staff hint only');
    });

    it('不予受理 outside the office\'s powers names the authority to apply to (第三十二条第一款第（二）项), on the page and the API', async () => {
      const { case_no: caseNo, query_code: code } = await (await applyJson(randomBytes(8).toString('hex'))).json();
      assert.ok(await waitState(caseNo, code, 'received'), 'the application reached the department');
      const page = await (await clerk.get(`/cases/${caseNo}`)).text();
      assert.match(page, /name="ground" value="not_required"/, 'a licence item offers 依法不需要取得行政许可');
      assert.match(page, /name="ground" value="other" checked/, '其他理由 is chosen until the clerk chooses otherwise');
      // Each answer is a sealed document: none is preselected, and the form asks before sending.
      assert.match(page, /name="action" value="accept" required>/);
      assert.doesNotMatch(page, /name="action" value="[a-z_]+" required checked/);
      assert.match(page, /data-confirm="提交后即出具加盖电子印章的文书并通知申请人，不能撤回。确定提交？"/);
      // The API: without the authority, refused with the field named; nothing changes.
      let r = await clerk.post(`/api/v1/cases/${caseNo}/actions`, { json: { action: 'refuse', ground: 'not_competent' }, headers: { 'x-csrf-token': clerkCsrf } });
      assert.equal(r.status, 400);
      const err = await errorOf(r);
      assert.equal(err.code, 'INVALID_INPUT');
      assert.match(err.fields.authority, /行政机关/);
      // The page: the error beside the form, the clerk's choice and words kept.
      r = await clerk.post(`/cases/${caseNo}/actions`, { form: { _csrf: clerkCsrf, action: 'refuse', ground: 'not_competent', authority: '', opinion: '经营场所位于开发区' } });
      assert.equal(r.status, 400);
      const again = await r.text();
      assert.match(again, /须告知申请人向哪个行政机关申请/);
      assert.match(again, /name="ground" value="not_competent" checked/);
      assert.doesNotMatch(again, /name="ground" value="other" checked/);
      assert.match(again, /经营场所位于开发区<\/textarea>/);
      assert.equal((await (await clerk.get(`/api/v1/cases/${caseNo}`)).json()).state, 'received');
      // The address the refused form answered on, opened again (a reload): back to the case page.
      const reload = await clerk.get(`/cases/${caseNo}/actions`);
      assert.equal(reload.status, 303);
      assert.equal(reload.headers.get('location'), `/cases/${caseNo}`);
      assert.equal((await clerk.get(`/api/v1/cases/${caseNo}/actions`)).status, 405, 'the API keeps its 405');
      r = await clerk.post(`/cases/${caseNo}/actions`, { form: { _csrf: clerkCsrf, action: 'refuse', ground: 'not_competent', authority: '东河经济开发区管理委员会', opinion: '经营场所位于开发区' } });
      assert.equal(r.status, 303);
      const refused = await (await clerk.get(`/api/v1/cases/${caseNo}`)).json();
      assert.equal(refused.state, 'refused');
      assert.match(refused.events.at(-1).opinion, /不属于本机关职权范围，请向东河经济开发区管理委员会申请；经营场所位于开发区。/);
      assert.ok(await waitState(caseNo, code, 'refused'), 'the applicant sees the refusal');
      const pub = await (await fetch(`${node.external}/api/v1/applications/${caseNo}?code=${code}`)).json();
      assert.ok(pub.events.some((e) => /请向东河经济开发区管理委员会申请/.test(e.opinion)), 'the applicant is told where to apply');
    });

    it('撤回申请: the applicant withdraws over the API and the page; bad requests change nothing', async () => {
      const { case_no: caseNo, query_code: code } = await (await applyJson(randomBytes(8).toString('hex'))).json();
      assert.ok(await waitState(caseNo, code, 'received'), 'the application reached the department');
      const url = `/api/v1/applications/${caseNo}/withdrawal`;
      const timeline = async () => (await (await citizen.get(`/api/v1/applications/${caseNo}`)).json()).events.length;
      const eventsBefore = await timeline();
      // No CSRF token, no reason, a reason too long, someone else's case: refused, nothing recorded.
      assert.equal((await citizen.post(url, { json: { reason: '不办了' } })).status, 403);
      let r = await citizen.post(url, { json: { reason: '  ' }, headers: { 'x-csrf-token': csrf } });
      assert.equal(r.status, 400);
      const err = await errorOf(r);
      assert.equal(err.code, 'INVALID_INPUT');
      assert.match(err.fields.reason, /撤回理由/);
      r = await citizen.post(url, { json: { reason: '撤'.repeat(501) }, headers: { 'x-csrf-token': csrf } });
      assert.equal(r.status, 400);
      const firm = node.accounts.find((a) => a.zone === 'external' && a.unit === '法人');
      const other = new Client(node.external);
      const otherToken = (await (await other.post('/api/v1/session', { json: { login: firm.login, password: firm.password } })).json()).csrf_token;
      r = await other.post(url, { json: { reason: '不办了' }, headers: { 'x-csrf-token': otherToken } });
      assert.equal(r.status, 404);
      assert.equal((await errorOf(r)).code, 'NOT_FOUND');
      // The page's form: the consequence must be acknowledged.
      const form = await (await citizen.get(`/account/cases/${caseNo}/withdraw`)).text();
      assert.match(form, /撤回后本件<strong>终止办理<\/strong>/);
      r = await citizen.post(`/account/cases/${caseNo}/withdraw`, { form: { _csrf: csrfFrom(form), reason: '不办了' } });
      assert.equal(r.status, 400);
      assert.match(await r.text(), /请勾选：我已知晓撤回后本件终止办理/);
      assert.equal(await timeline(), eventsBefore);
      // Accepted: 202, then the department ends the case and the status follows.
      r = await citizen.post(url, { json: { reason: '已另行选址，不再开办' }, headers: { 'x-csrf-token': csrf } });
      assert.equal(r.status, 202);
      assert.match((await r.json()).withdrawal, /^(requested|withdrawn)$/);
      assert.ok(await waitState(caseNo, code, 'withdrawn'), 'the case ends as withdrawn');
      const mine = await (await citizen.get(`/api/v1/applications/${caseNo}`)).json();
      assert.equal(mine.state_label, '已撤回');
      assert.deepEqual(mine.events.slice(-2).map((e) => e.action), ['withdraw_request', 'withdraw']);
      assert.match(mine.events.at(-2).opinion, /已另行选址，不再开办/);
      // Afterwards: a second request and any staff action are conflicts.
      r = await citizen.post(url, { json: { reason: '再撤一次' }, headers: { 'x-csrf-token': csrf } });
      assert.equal(r.status, 409);
      r = await clerk.post(`/api/v1/cases/${caseNo}/actions`, { json: { action: 'accept' }, headers: { 'x-csrf-token': clerkCsrf } });
      assert.equal(r.status, 409);
      const queue = await (await clerk.get('/api/v1/cases?state=withdrawn')).json();
      assert.ok(queue.cases.some((c) => c.case_no === caseNo), 'listed among the withdrawn cases');
      const page = await (await citizen.get(`/account/cases/${caseNo}`)).text();
      assert.match(page, /本件已撤回/);
      assert.doesNotMatch(page, /id="withdraw"/);
    });

    it('the same action sent six times at once succeeds once; the answer is the case as stored', async () => {
      const { case_no: caseNo } = await (await applyJson(randomBytes(8).toString('hex'))).json();
      let received = false;
      for (let i = 0; i < 200 && !received; i++) {
        received = (await clerk.get(`/api/v1/cases/${caseNo}`)).status === 200;
        if (!received) await new Promise((res) => setTimeout(res, 100));
      }
      assert.ok(received, 'the application reached the internal zone');
      // A double click, or two clerks at two windows: every request reads the case before any
      // of them writes; the write checks the revision it read.
      const tries = await Promise.all(Array.from({ length: 6 }, () => clerk.post(`/api/v1/cases/${caseNo}/actions`,
        { json: { action: 'accept' }, headers: { 'x-csrf-token': clerkCsrf } })));
      const statuses = tries.map((r) => r.status).sort();
      assert.deepEqual(statuses, [200, 409, 409, 409, 409, 409], `one acceptance, five refusals: ${statuses}`);
      const won = await tries.find((r) => r.status === 200).json();
      for (const r of tries.filter((t) => t.status === 409)) assert.equal((await errorOf(r)).code, 'CONFLICT');
      const stored = await (await clerk.get(`/api/v1/cases/${caseNo}`)).json();
      assert.equal(stored.events.filter((e) => e.action === 'accept').length, 1, 'one acceptance recorded');
      delete stored.deadlines;  // the detail view adds the explained deadlines
      assert.deepEqual(won, stored, 'the action answers the case exactly as a fresh read shows it');
    });
  });
}

// 补正期限 in the window queue over time: the node is stopped and started again with a later clock
// (YIWANG_NOW), as the calendar would run on. Before the period ends the queue shows the date
// only; the working day after it, the case is marked 申请人逾期未补正 — the other one, whose
// period runs on, is not.
for (const backend of backends()) {
  describe(`the 补正期限 running out on ${backend}`, () => {
    const env = { YIWANG_NOW: '2026-03-02 09:00' };
    let node;
    before(async () => { node = await startNode({ backend, env }); });
    after(async () => { await node?.cleanup(); });

    const login = async () => {
      const c = node.accounts.find((a) => a.zone === 'external' && a.unit === '个人');
      const citizen = new Client(node.external);
      const csrf = (await (await citizen.post('/api/v1/session', { json: { login: c.login, password: c.password } })).json()).csrf_token;
      const clerk = new Client(node.internal);
      const clerkCsrf = (await (await clerk.post('/api/v1/session', { json: { username: 'scjclerk', password: node.account('scjclerk').password } })).json()).csrf_token;
      return { citizen, csrf, clerk, clerkCsrf };
    };
    const rowOf = (html, caseNo) => html.split('<tr').find((r) => r.includes(`>${caseNo}</a>`)) ?? '';

    it('the queue marks a case whose applicant let the period pass, and only that one', async () => {
      let { citizen, csrf, clerk, clerkCsrf } = await login();
      const ask = async (missing) => {
        const r = await citizen.post('/api/v1/applications', {
          json: { item_code: ITEM, contact_name: '张晓明', contact_mobile: '13800000001', description: '开餐馆',
            materials: [1, 2, 3, 4, 5].map((n) => ({ material_no: n, filename: `m${n}.pdf`, content_base64: pdf(`late-${n}-${randomBytes(4).toString('hex')}`).toString('base64') })) },
          headers: { 'x-csrf-token': csrf, 'idempotency-key': randomBytes(8).toString('hex') },
        });
        assert.equal(r.status, 201);
        const { case_no: caseNo } = await r.json();
        for (let i = 0; i < 200 && (await clerk.get(`/api/v1/cases/${caseNo}`)).status !== 200; i++) {
          await new Promise((res) => setTimeout(res, 50));
        }
        if (!missing) return { case_no: caseNo };
        const c = await clerk.post(`/api/v1/cases/${caseNo}/actions`, { json: { action: 'request_correction', missing }, headers: { 'x-csrf-token': clerkCsrf } });
        assert.equal(c.status, 200);
        return (await c.json());
      };
      const first = await ask(['营业执照复印件不清晰']);
      assert.equal(first.correction_due, '2026-03-23');  // 15 working days after Mon 03-02
      const silent = await ask(null);  // received 03-02; the office says nothing
      assert.doesNotMatch(await (await citizen.get(`/account/cases/${silent.case_no}`)).text(), /视为受理/, 'within the period');
      let queue = await (await clerk.get('/cases?state=correction')).text();
      assert.ok(rowOf(queue, first.case_no).includes('2026-03-23'));
      assert.doesNotMatch(rowOf(queue, first.case_no), /申请人逾期未补正/);

      // The day after the period: restarted on 03-24; a second case is asked for corrections then.
      await node.stop();
      env.YIWANG_NOW = '2026-03-24 09:00';
      await node.start();
      ({ citizen, csrf, clerk, clerkCsrf } = await login());
      const second = await ask(['缺少委托书']);
      assert.equal(second.correction_due, '2026-04-15');  // 15 working days after 03-24 (清明 04-04 to 04-06 not counted)
      queue = await (await clerk.get('/cases?state=correction')).text();
      assert.match(rowOf(queue, first.case_no), /申请人逾期未补正/);
      assert.doesNotMatch(rowOf(queue, second.case_no), /申请人逾期未补正/);
      assert.ok(rowOf(queue, second.case_no).includes('2026-04-15'));
      // 第三十二条: the silent case counts as accepted on the day of receipt — the staff page and the
      // applicant's page both say so; a case received today does not.
      assert.match(await (await clerk.get(`/cases/${silent.case_no}`)).text(), /本件自收到申请之日（2026-03-02）起视为受理/);
      const told = await (await citizen.get(`/account/cases/${silent.case_no}`)).text();
      assert.match(told, /依《行政许可法》第三十二条，本件<strong>自收到申请之日（2026-03-02）起视为受理<\/strong>/);
      assert.match(told, /当前状态 <span class="badge">视为受理<\/span>/, 'not 待受理');
      assert.match(told, /<a href="\/interact\/complaints">投诉<\/a>/);
      const fresh = await ask(null);
      assert.doesNotMatch(await (await citizen.get(`/account/cases/${fresh.case_no}`)).text(), /视为受理/);
    });
  });
}
