// Usability of the public forms: registration reports every problem at once (agreement
// included, blank fields as 请填写…, the ticked box kept), the agreement pages it links to,
// a blank login answered without counting an attempt, the login prompt when a page needed
// login, and the departments on the portal linking to their items.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startNode, backends, Client, csrfFrom } from '../lib/server.mjs';

const textOf = (html) => html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
function tagWith(html, tag, attr) {
  const m = html.match(new RegExp(`<${tag}\\b[^>]*${attr}[^>]*>`));
  return m ? m[0] : '';
}

for (const backend of backends()) {
  describe(`usability of the public forms on ${backend}`, () => {
    let node;
    before(async () => { node = await startNode({ backend }); });
    after(async () => { await node?.cleanup(); });

    it('registration without the agreement reports every field problem at once, and nothing is created', async () => {
      const c = new Client(node.external);
      await c.get('/register');
      const res = await c.post('/register', {
        form: { _csrf: c.cookies.get('yw_pre'), kind: 'citizen', name: '王', id_number: '370503199003071230', mobile: '1381234', password: 'short', password_confirm: 'other' },
      });
      assert.equal(res.status, 400);
      const text = textOf(await res.text());
      assert.ok(text.includes('请勾选同意《用户服务协议》和《个人信息保护说明》'), 'the agreement');
      assert.ok(text.includes('请填写与身份证一致的姓名'), 'the name');
      assert.ok(text.includes('身份证号码不正确'), 'the ID number');
      assert.ok(text.includes('手机号码应为 11 位中国大陆手机号'), 'the mobile');
      assert.ok(text.includes('两次输入的密码不一致'), 'the confirmation');
      assert.equal(text.split('请勾选同意').length - 1, 1, 'the agreement is asked for once');
      const login = await fetch(node.external + '/api/v1/session', {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login: '370503199003071230', password: 'short' }),
      });
      assert.equal(login.status, 401, 'no account was created by the checks');
    });

    it('registration with blank fields says 请填写… and keeps the agreement box ticked', async () => {
      const c = new Client(node.external);
      await c.get('/register');
      const res = await c.post('/register', {
        form: { _csrf: c.cookies.get('yw_pre'), kind: 'citizen', name: '', id_number: '', mobile: '', password: '', password_confirm: '', agree: '1' },
      });
      assert.equal(res.status, 400);
      const html = await res.text();
      const text = textOf(html);
      for (const m of ['请填写与身份证一致的姓名', '请填写身份证号码', '请填写手机号码', '请设置登录密码', '请再次输入密码']) {
        assert.ok(text.includes(m), m);
      }
      assert.doesNotMatch(text, /校验位不符/, 'a blank ID number is not a wrong check digit');
      assert.doesNotMatch(text, /请勾选同意/, 'the agreement was ticked');
      assert.ok(/\bchecked\b/.test(tagWith(html, 'input', 'name="agree"')), 'the box stays ticked');
      assert.ok(tagWith(html, 'input', 'name="id_number"').includes('aria-invalid="true"'));
      const ent = await c.post('/register', {
        form: { _csrf: c.cookies.get('yw_pre'), kind: 'enterprise', name: '', id_number: '', mobile: '13812345678', legal_rep: '', password: 'autumn-moon-2024', password_confirm: 'autumn-moon-2024' },
      });
      const etext = textOf(await ent.text());
      for (const m of ['请填写单位（企业）全称', '请填写统一社会信用代码', '请填写法定代表人姓名', '请勾选同意']) assert.ok(etext.includes(m), m);
      assert.ok(!tagWith(await (await c.get('/register')).text(), 'input', 'name="agree"').includes('checked'), 'a new form starts unticked');
    });

    it('the agreement and the privacy notice are pages the registration form links to', async () => {
      const form = await (await fetch(node.external + '/register')).text();
      assert.match(form, /<a href="\/terms"[^>]*>《用户服务协议》<\/a>/);
      assert.match(form, /<a href="\/privacy"[^>]*>《个人信息保护说明》<\/a>/);
      const terms = await fetch(node.external + '/terms');
      assert.equal(terms.status, 200);
      const tt = textOf(await terms.text());
      assert.match(tt, /用户服务协议/);
      assert.match(tt, /东河区电子政务中心/);
      const privacy = await fetch(node.external + '/privacy');
      assert.equal(privacy.status, 200);
      const pt = textOf(await privacy.text());
      for (const m of ['为什么收集', '保存哪些信息', '部分隐藏', '90 天', '东河区电子政务中心']) assert.ok(pt.includes(m), m);
      assert.equal((await fetch(node.internal + '/terms')).status, 404, 'portal pages only');
    });

    it('a blank login says what is missing and counts no failed attempt', async () => {
      const a = node.accounts.find((x) => x.zone === 'external');
      const c = new Client(node.external);
      let page = await (await c.get('/login')).text();
      assert.match(page, /忘记密码/);
      assert.match(page, /政务服务热线 12345/);
      const blank = await c.post('/login', { form: { _csrf: csrfFrom(page), login: '', password: '' } });
      assert.equal(blank.status, 400);
      page = await blank.text();
      assert.ok(textOf(page).includes('请填写证件号码和密码'));
      assert.doesNotMatch(textOf(page), /或密码错误/);
      assert.ok(tagWith(page, 'input', 'name="login"').includes('aria-invalid="true"'));
      // A known ID with a blank password, more times than the lockout allows: the account still logs in.
      for (let i = 0; i < 6; i++) {
        const r = await c.post('/login', { form: { _csrf: csrfFrom(page), login: a.login, password: '' } });
        page = await r.text();
        assert.ok(textOf(page).includes('请填写密码'), 'the password is asked for');
        assert.doesNotMatch(textOf(page), /或密码错误/);
      }
      const ok = await c.post('/login', { form: { _csrf: csrfFrom(page), login: a.login, password: a.password } });
      assert.equal(ok.status, 303);
      assert.equal(ok.headers.get('location'), '/account');
    });

    it('a page that needs login says 请先登录 on the login page it leads to', async () => {
      const res = await fetch(node.external + '/account/cases', { redirect: 'manual' });
      const location = res.headers.get('location');
      assert.match(location, /^\/login\?next=/);
      const page = textOf(await (await fetch(node.external + location)).text());
      assert.ok(page.includes('请先登录'));
      assert.doesNotMatch(textOf(await (await fetch(node.external + '/login')).text()), /请先登录/, 'not when opened directly');
    });

    it('办件查询 with a blank field says what to fill in (400), and finds nothing', async () => {
      const c = new Client(node.external);
      const form = await (await c.get('/services/track')).text();
      let res = await c.post('/services/track', { form: { _csrf: csrfFrom(form), case_no: ' ', code: '' } });
      assert.equal(res.status, 400);
      assert.match(await res.text(), /<div class="alert" role="alert">请填写办件编号和查询码<\/div>/);
      res = await c.post('/services/track', { form: { _csrf: csrfFrom(form), case_no: 'DH20260302000001', code: '' } });
      assert.equal(res.status, 400);
      const html = await res.text();
      assert.match(html, /请填写查询码/);
      assert.match(html, /name="case_no" value="DH20260302000001"/, 'the number typed stays');
    });

    it('电子文书核验: a page to type the number; an unknown number offers the box again', async () => {
      const c = new Client(node.external);
      let html = await (await c.get('/verify')).text();
      assert.match(html, /<form method="get" action="\/verify"/);
      assert.doesNotMatch(html, /class="alert"/, 'nothing is wrong yet');
      const go = await c.get('/verify?doc_no=%20dh20260302000001-z%20');
      assert.equal(go.status, 303);
      assert.equal(go.headers.get('location'), '/verify/DH20260302000001-Z');
      const unknown = await c.get('/verify/DH20260302000001-Z');
      assert.equal(unknown.status, 404);
      html = await unknown.text();
      assert.match(html, /重新输入文书编号/);
      assert.match(html, /name="doc_no"[^>]*value="DH20260302000001-Z"/);
    });

    it('the departments on the portal link to their items; 政务公开 lists the ranking', async () => {
      const home = await (await fetch(node.external + '/')).text();
      const links = [...home.matchAll(/<a href="\/services\?dept=(\d+)">/g)].map((m) => m[1]);
      assert.ok(links.length > 0, 'at least one department links to its items');
      const list = await (await fetch(node.external + '/services?dept=' + links[0])).text();
      assert.match(list, /class="item-name"/, 'the filtered list has items');
      const open = await (await fetch(node.external + '/open')).text();
      assert.match(open, /<a href="\/open\/ranking">/);
    });
  });
}
