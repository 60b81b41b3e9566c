// Usability of the public forms: registration reports every problem at once (agreement
// included, blank fields as 请填写…, the ticked box kept), the agreement pages it links to,
// a blank login answered without counting an attempt, the login prompt when a page needed
// login, and the departments on the portal linking to their items. Then the public pages on
// a phone and for screen readers: tables that become cards, errors tied to their fields, a page
// past the last, entries to 办件查询 / 办件公示 / 电子文书核验, and no promise of what is not built.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
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

const pdf = (tag) => Buffer.from(`%PDF-1.7\n% ${tag}\n%%EOF\n`);
const APPLY_ITEM = 'DH-SCJ-001';  // 食品经营许可（新办）: five required materials
/** The rows of a table's body, each a list of its <td> tags with their content. */
const rowsOf = (table) => [...(table.match(/<tbody>([\s\S]*?)<\/tbody>/)?.[1] ?? '').matchAll(/<tr>([\s\S]*?)<\/tr>/g)]
  .map((r) => [...r[1].matchAll(/<td\b([^>]*)>([\s\S]*?)<\/td>/g)].map((m) => ({ attrs: m[1], body: m[2] })));
/** The table in the panel under heading h2. */
const tableUnder = (html, h2) => html.split(`<h2>${h2}</h2>`)[1]?.match(/<table[\s\S]*?<\/table>/)?.[0] ?? '';

for (const backend of backends()) {
  describe(`the public pages on phones and for screen readers on ${backend}`, () => {
    let node, citizen, account;
    before(async () => {
      node = await startNode({ backend, demoCases: true });  // 办件公示 needs concluded cases
      account = node.accounts.find((a) => a.zone === 'external' && a.unit === '个人');
      citizen = new Client(node.external);
      const page = await (await citizen.get('/login')).text();
      const r = await citizen.post('/login', { form: { _csrf: csrfFrom(page), login: account.login, password: account.password } });
      assert.equal(r.status, 303, 'the citizen logs in');
    });
    after(async () => { await node?.cleanup(); });

    it('an item\'s 收费标准 and 申请材料 become cards on a phone, each titled by its name', async () => {
      const list = await (await fetch(node.external + '/api/v1/items?per_page=100')).json();
      const item = list.items.find((i) => !i.free && i.fees.length && i.materials.length);
      assert.ok(item, 'the demo catalogue has an item with fees');
      const html = await (await fetch(node.external + '/services/items/' + item.code)).text();

      const fees = tableUnder(html, '收费标准');
      assert.match(fees, /^<table class="table stack">/);
      const feeRows = rowsOf(fees);
      assert.equal(feeRows.length, item.fees.length);
      for (const [i, row] of feeRows.entries()) {
        assert.match(row[0].attrs, /class="stack-title"/);
        assert.ok(row[0].body.includes(item.fees[i].name), 'the fee\'s name titles its card');
        for (const cell of row.slice(1)) assert.match(cell.attrs, /data-label="[^"]+"/, 'every other cell is labelled');
      }

      const materials = tableUnder(html, '申请材料');
      assert.match(materials, /^<table class="table stack">/);
      const matRows = rowsOf(materials);
      assert.equal(matRows.length, item.materials.length);
      for (const [i, row] of matRows.entries()) {
        const m = item.materials[i];
        const title = row.find((c) => /class="stack-title"/.test(c.attrs));
        assert.ok(title, 'each material has a card title');
        assert.match(title.body, new RegExp(`^<span class="stack-only">${m.no}\\. </span>`), 'the number stays in the title');
        assert.ok(title.body.includes(m.name), 'the material\'s name titles its card, not its number');
        const numberCell = row[0];
        assert.match(numberCell.attrs, /class="stack-hide"/, 'the 序号 column is for the wide table only');
        for (const cell of row.filter((c) => c !== title && c !== numberCell)) assert.match(cell.attrs, /data-label="[^"]+"/);
      }
      const css = readFileSync(new URL('../../static/css/site.css', import.meta.url), 'utf8');
      assert.match(css, /\.table \.stack-only \{ display: none; \}/, 'the number in the title is hidden in the wide table');
      assert.match(css, /\.table\.stack td\.stack-hide \{ display: none; \}/, 'and the 序号 cell in the cards');
    });

    it('deleting a draft asks first (data-confirm, handled by the script the portal loads)', async () => {
      const page = await (await citizen.get(`/services/items/${APPLY_ITEM}/apply`)).text();
      const form = new FormData();
      form.append('_csrf', csrfFrom(page));
      form.append('idempotency_key', randomBytes(8).toString('hex'));
      form.append('contact_name', '张晓明');
      form.append('contact_mobile', '13800000001');
      form.append('intent', 'draft');
      form.append('material_1', new Blob([pdf('draft-1')]), '申请书.pdf');
      const r = await fetch(`${node.external}/services/items/${APPLY_ITEM}/apply`, { method: 'POST', body: form, headers: { cookie: citizen.cookieHeader() }, redirect: 'manual' });
      assert.equal(r.status, 303);
      const html = await (await citizen.get('/account/cases')).text();
      const del = html.match(/<form method="post" action="\/account\/drafts\/\d+\/delete"[^>]*>/)?.[0] ?? '';
      assert.match(del, /data-confirm="确定删除“食品经营许可（新办）”的草稿？[^"]*不能恢复。"/);
      assert.match(html, /<script src="\/static\/js\/site\.js"><\/script>/);
      const js = await (await fetch(node.external + '/static/js/site.js')).text();
      assert.match(js, /form\[data-confirm\]/);
      assert.match(js, /window\.confirm\(form\.getAttribute\('data-confirm'\)\)/);
    });

    it('the complaint\'s number and code are shown in a notice, not in a red error box', async () => {
      const anon = new Client(node.external);
      const html = await (await anon.get('/interact/complaints')).text();
      const key = /name="idempotency_key" value="([^"]+)"/.exec(html)[1];
      const r = await anon.post('/interact/complaints', {
        form: { _csrf: csrfFrom(html), idempotency_key: key, about: 'department', dept_code: 'DH-SCJ', name: '赵六', mobile: '13900005678', content: '窗口办理时等候时间过长，希望改进服务。' },
      });
      assert.equal(r.status, 200);
      const done = await r.text();
      const main = done.slice(done.indexOf('<main'));
      assert.match(main, /<div class="flash" role="status">请记下投诉编号和查询码/);
      assert.doesNotMatch(main, /class="alert"/);
    });

    it('a page past the last of 办件公示 and 网上办事 says so, with the total and a link to page 1', async () => {
      let html = await (await fetch(node.external + '/services/concluded?page=99')).text();
      const total = Number(/这一页没有办件（共 (\d+) 件）。<a href="\/services\/concluded\?page=1">回到第一页<\/a>/.exec(html)?.[1]);
      assert.ok(total > 0, 'the demo has concluded cases');
      assert.doesNotMatch(html, /暂无办结的办件/);
      assert.match(await (await fetch(node.external + '/services/concluded')).text(), /class="table stack"/, 'page 1 lists them');
      html = await (await fetch(node.external + '/services?page=999')).text();
      assert.match(html, /这一页没有事项（共 \d+ 个事项）。<a href="\/services\?page=1">回到第一页<\/a>/);
      assert.doesNotMatch(html, /没有找到符合条件的事项/);
      html = await (await fetch(node.external + '/services?kind=other&page=999')).text();
      assert.match(html, /<a href="\/services\?kind=other&amp;page=1">回到第一页<\/a>/, 'page 1 of the same filter');
      html = await (await fetch(node.external + '/services?q=' + encodeURIComponent('没有这种事项'))).text();
      assert.match(html, /没有找到符合条件的事项/, 'an empty search still says so');
      assert.doesNotMatch(html, /回到第一页/);
    });

    it('a search the server refuses is shown as an error tied to the search box', async () => {
      const html = await (await fetch(node.external + '/services?q=' + encodeURIComponent('食品经营许可'.repeat(9)))).text();
      assert.match(html, /<input id="q"[^>]*aria-invalid="true" aria-describedby="q-error"/);
      assert.match(html, /<div class="alert" role="alert" id="q-error"[^>]*>[^<]*不超过 50 个字/);
      assert.doesNotMatch(html, /找到 0 个事项/);
    });

    it('网上办事 and the home page lead to 办件查询, 办件公示 and 电子文书核验, pages that exist', async () => {
      for (const path of ['/services', '/']) {
        const html = await (await fetch(node.external + path)).text();
        const quick = html.match(/<ul class="quick-links[^"]*">[\s\S]*?<\/ul>/)?.[0] ?? '';
        for (const [href, label] of [['/services/track', '办件查询'], ['/services/concluded', '办件公示'], ['/verify', '电子文书核验']]) {
          assert.match(quick, new RegExp(`<a href="${href.replace(/\//g, '\\/')}"><strong>${label}</strong>`), `${path}: ${label}`);
          assert.equal((await fetch(node.external + href)).status, 200, href);
        }
      }
    });

    it('the home page and the registration form promise only what is built: 投诉 at /interact/complaints', async () => {
      const home = await (await fetch(node.external + '/')).text();
      const hero = home.match(/<section class="hero">[\s\S]*?<\/section>/)?.[0] ?? '';
      assert.doesNotMatch(hero, /市民心声|满意度/);
      assert.match(hero, /<a href="\/interact\/complaints">在线投诉<\/a>/);
      const register = textOf(await (await fetch(node.external + '/register')).text());
      assert.doesNotMatch(register, /市民心声/);
      assert.equal((await fetch(node.external + '/interact/complaints')).status, 200);
    });

    it('the apply form ties each error to its field: aria-invalid, and the contact errors by aria-describedby', async () => {
      const page = await (await citizen.get(`/services/items/${APPLY_ITEM}/apply`)).text();
      const form = new FormData();
      form.append('_csrf', csrfFrom(page));
      form.append('idempotency_key', randomBytes(8).toString('hex'));
      form.append('contact_name', '');
      form.append('contact_mobile', '1380000');
      const r = await fetch(`${node.external}/services/items/${APPLY_ITEM}/apply`, { method: 'POST', body: form, headers: { cookie: citizen.cookieHeader() }, redirect: 'manual' });
      assert.equal(r.status, 400);
      const html = await r.text();
      for (const field of ['contact_name', 'contact_mobile']) {
        const input = tagWith(html, 'input', `name="${field}"`);
        assert.ok(input.includes('aria-invalid="true"'), field);
        const id = /aria-describedby="([^"]+)"/.exec(input)?.[1];
        assert.ok(id, `${field} is described by its error`);
        assert.match(html, new RegExp(`<p class="field-error" id="${id}">[^<]+</p>`));
      }
      for (let n = 1; n <= 5; n++) assert.ok(tagWith(html, 'input', `id="material_${n}"`).includes('aria-invalid="true"'), `material ${n}`);
      assert.ok(!tagWith(html, 'input', 'id="material_6"').includes('aria-invalid'), 'the optional material is not marked');
    });

    it('办件查询 keeps a masked name and a date on one line; a message after a form stands clear of its button', async () => {
      const c = new Client(node.external);
      const csrf = (await (await c.post('/api/v1/session', { json: { login: account.login, password: account.password } })).json()).csrf_token;
      const materials = [1, 2, 3, 4, 5].map((n) => ({ material_no: n, filename: `m${n}.pdf`, content_base64: pdf(`track-${n}-${randomBytes(4).toString('hex')}`).toString('base64') }));
      const applied = await (await c.post('/api/v1/applications', {
        json: { item_code: APPLY_ITEM, contact_name: '张晓明', contact_mobile: '13800000001', description: '开餐馆', materials },
        headers: { 'x-csrf-token': csrf, 'idempotency-key': randomBytes(8).toString('hex') },
      })).json();
      assert.match(applied.query_code, /^\d{6}$/);
      const visitor = new Client(node.external);
      const form = await (await visitor.get('/services/track')).text();
      const res = await visitor.post('/services/track', { form: { _csrf: csrfFrom(form), case_no: applied.case_no, code: applied.query_code } });
      assert.equal(res.status, 200);
      const html = await res.text();
      assert.match(html, /<span class="nowrap">申请人 [^<]*\*[^<]*<\/span>/, 'the masked name');
      const css = readFileSync(new URL('../../static/css/site.css', import.meta.url), 'utf8');
      assert.match(css, /\.tl-time \{[^}]*white-space: nowrap/, 'the time of each step');
      assert.match(css, /\.form \+ \.alert,[^{]*\.panel > \.form \+ p\.hint \{ margin-top: 16px; \}/, 'the error under 查询 and the hint under 登录');
      const js = await (await fetch(node.external + '/static/js/site.js')).text();
      assert.match(js, /\.timeline > li > p/, 'dates in the opinions are kept whole by the script');
    });
  });
}
