// HTML pages over HTTP: the eight portal pages and their navigation, the registration form
// with real form POSTs (double-submit CSRF cookie yw_pre, Chinese field errors, values kept
// and HTML-escaped), form login to "my account", and the internal zone's login redirect.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { startNode, backends, Client, csrfFrom } from '../lib/server.mjs';

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
function residentCheck(first17) {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * ID_WEIGHTS[i];
  return '10X98765432'[sum % 11];
}
function residentId() {
  const y = 1950 + randomInt(50), m = 1 + randomInt(12), d = 1 + randomInt(28);
  const first17 = '370503' + y + String(m).padStart(2, '0') + String(d).padStart(2, '0') + String(randomInt(1000)).padStart(3, '0');
  return first17 + residentCheck(first17);
}
function wrongResidentCheck(id) {
  return id.slice(0, 17) + '0123456789X'.split('').find((c) => c !== id[17]);
}

const PAGES = [
  ['/', '首页'], ['/today', '今日东河'], ['/news', '新闻中心'], ['/open', '政务公开'], ['/services', '网上办事'],
  ['/interact', '政民互动'], ['/invest', '招商引资'], ['/culture', '文化旅游'],
];
const COLUMNS = PAGES.slice(1).map(([, label]) => label);

const textOf = (html) => html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
/** The opening tag of the first element matching a regex fragment, e.g. inputTag(html, 'name="mobile"'). */
function tagWith(html, tag, attr) {
  const m = html.match(new RegExp(`<${tag}\\b[^>]*${attr}[^>]*>`));
  return m ? m[0] : '';
}

/** The <nav id="main-nav"> block of a portal page. */
function navOf(html) {
  const m = html.match(/<nav id="main-nav"[\s\S]*?<\/nav>/);
  assert.ok(m, 'page has the main navigation');
  return m[0];
}

for (const backend of backends()) {
  describe(`pages on ${backend}`, () => {
    let node;
    before(async () => { node = await startNode({ backend }); });
    after(async () => { await node?.cleanup(); });

    it('the home page and the seven columns answer 200 HTML in Chinese with the full navigation', async () => {
      for (const [path, label] of PAGES) {
        const res = await fetch(node.external + path);
        assert.equal(res.status, 200, path);
        assert.match(res.headers.get('content-type'), /^text\/html/, path);
        const html = await res.text();
        assert.match(html, /^<!doctype html>/i, path);
        assert.match(html, /<html lang="zh-CN">/, path);
        assert.match(html, /<meta charset="utf-8">/, path);
        const nav = navOf(html);
        for (const col of COLUMNS) assert.ok(textOf(nav).includes(col), `${path}: nav lists ${col}`);
        // The current column is marked for assistive technology.
        const current = tagWith(nav, 'a', 'aria-current="page"');
        assert.ok(current.includes(`href="${path}"`), `${path}: current column marked (${current})`);
        assert.ok(nav.includes(`${current}${label}<`), `${path}: ${label} is the current column`);
        assert.match(html, /<title>[^<]*滨海市东河区人民政府<\/title>/, path);
      }
    });

    it('the home page lists the departments and towns of the district', async () => {
      const html = await (await fetch(node.external + '/')).text();
      assert.match(html, /欢迎访问东河区人民政府门户网站/);
      for (const name of ['东河区行政审批服务局', '东河区市场监督管理局', '河口镇', '东河街道']) assert.ok(html.includes(name), name);
    });

    it('unknown pages answer a Chinese 404 page', async () => {
      const res = await fetch(node.external + '/no/such/page');
      assert.equal(res.status, 404);
      const html = await res.text();
      assert.match(html, /<html lang="zh-CN">/);
      assert.match(html, /页面不存在/);
    });

    it('a long list numbers its pages (first, last, five around the current) and jumps to a page, keeping its filter', async () => {
      const { total } = await (await fetch(node.external + '/api/v1/items?per_page=1')).json();
      const pages = Math.ceil(total / 10);
      assert.ok(pages > 14, `the demo catalogue fills many pages (${total} items)`);
      const pagerOf = async (path) => {
        const res = await fetch(node.external + path);
        assert.equal(res.status, 200, path);
        const nav = (await res.text()).match(/<nav class="pager"[\s\S]*?<\/nav>/)?.[0] ?? '';
        const row = (nav.match(/<span class="pager-numbers">([\s\S]*?)<\/span> <span class="pager-of">/)?.[1] ?? '')
          .replace(/<span class="pager-gap"[^>]*>…<\/span>/g, ' … ').replace(/<[^>]+>/g, ' ').trim().split(/\s+/).join(' ');
        return { nav, row };
      };
      let { nav, row } = await pagerOf('/services?per_page=10&page=9');
      assert.equal(row, `1 … 7 8 9 10 11 … ${pages}`);
      assert.match(nav, /<span class="pager-current" aria-current="page">9<\/span>/);
      assert.match(nav, new RegExp(`第 9 / ${pages} 页`));
      // Each number links to its page with the list's other parameters.
      const link10 = nav.match(/<a href="([^"]+)" aria-label="第 10 页">10<\/a>/)?.[1] ?? '';
      assert.deepEqual(Object.fromEntries(new URL(link10.replaceAll('&amp;', '&'), node.external).searchParams), { per_page: '10', page: '10' });
      // The jump form sends page with the same parameters (hidden), to the same list.
      const form = nav.match(/<form class="pager-jump" method="get" action="\/services">[\s\S]*?<\/form>/)?.[0] ?? '';
      assert.match(form, /<input type="hidden" name="per_page" value="10">/);
      assert.doesNotMatch(form, /type="hidden" name="page"/);
      assert.match(form, new RegExp(`<input name="page" type="number" min="1" max="${pages}"`));
      ({ row } = await pagerOf('/services?per_page=10&page=2'));
      assert.equal(row, `1 2 3 4 5 6 … ${pages}`);
      ({ row } = await pagerOf(`/services?per_page=10&page=${pages}`));
      assert.equal(row, `1 … ${pages - 5} ${pages - 4} ${pages - 3} ${pages - 2} ${pages - 1} ${pages}`);
      // A short list has no jump form; one page has no pager at all.
      ({ nav } = await pagerOf('/services?per_page=100'));
      assert.doesNotMatch(nav, /pager-jump/);
      ({ nav } = await pagerOf('/services?per_page=100&q=' + encodeURIComponent('食品经营')));
      assert.equal(nav, '');
    });

    it('registration form: a wrong ID re-renders the form (400) with the Chinese error and the entered values, escaped', async () => {
      const c = new Client(node.external);
      const form = await c.get('/register');
      assert.equal(form.status, 200);
      const pre = c.cookies.get('yw_pre');
      assert.ok(pre && pre.length >= 20, 'GET /register sets the yw_pre cookie');
      const html = await form.text();
      assert.equal(csrfFrom(html), pre, 'the form carries the same token as the cookie');
      assert.match(html, /<h1[^>]*>用户注册<\/h1>/);

      const name = '<script>alert("x")</script>张';
      const bad = wrongResidentCheck(residentId());
      const res = await c.post('/register', {
        form: { _csrf: pre, kind: 'citizen', name, id_number: bad, mobile: '13812345678', password: 'autumn-moon-2024', password_confirm: 'autumn-moon-2024', agree: '1' },
      });
      assert.equal(res.status, 400);
      const page = await res.text();
      assert.match(page, /注册信息有误，请修正后再提交/);
      assert.ok(textOf(page).includes('身份证号码不正确（应为18位，校验位不符）'), 'the field error is shown');
      const idInput = tagWith(page, 'input', 'name="id_number"');
      assert.ok(idInput.includes(`value="${bad}"`), `the entered ID number is kept: ${idInput}`);
      assert.ok(idInput.includes('aria-invalid="true"'), 'the wrong field is marked for screen readers');
      assert.ok(tagWith(page, 'input', 'name="mobile"').includes('value="13812345678"'), 'the entered mobile is kept');
      assert.ok(!tagWith(page, 'input', 'name="mobile"').includes('aria-invalid'), 'the right fields are not marked');
      assert.ok(page.includes('&lt;script&gt;alert(&quot;x&quot;)&lt;&#x2F;script&gt;张') || page.includes('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;张'),
        'the entered name is kept, HTML-escaped');
      assert.ok(!page.includes('<script>alert'), 'the name is never echoed raw');
      assert.ok(!page.includes('autumn-moon-2024'), 'the password is never echoed');
      // Still the same pre-session token in the re-rendered form.
      assert.equal(csrfFrom(page), pre);
    });

    it('registration form: missing agreement and a wrong mobile are reported per field', async () => {
      const c = new Client(node.external);
      await c.get('/register');
      const res = await c.post('/register', {
        form: { _csrf: c.cookies.get('yw_pre'), kind: 'citizen', name: '王小二', id_number: residentId(), mobile: '1381234', password: 'autumn-moon-2024', password_confirm: 'autumn-moon-2024' },
      });
      assert.equal(res.status, 400);
      const page = await res.text();
      assert.ok(textOf(page).includes('请勾选同意《用户服务协议》和《个人信息保护说明》'));
      assert.ok(textOf(page).includes('手机号码应为 11 位中国大陆手机号'), 'the other fields are checked too');
      const res2 = await c.post('/register', {
        form: { _csrf: c.cookies.get('yw_pre'), kind: 'citizen', name: '王小二', id_number: residentId(), mobile: '1381234', password: 'autumn-moon-2024', password_confirm: 'autumn-moon-2024', agree: '1' },
      });
      assert.equal(res2.status, 400);
      const page2 = await res2.text();
      assert.ok(textOf(page2).includes('手机号码应为 11 位中国大陆手机号'));
      assert.ok(tagWith(page2, 'input', 'name="mobile"').includes('aria-invalid="true"'));
    });

    it('a POST to /register without _csrf (or with a token not matching the cookie) is refused with 403', async () => {
      const c = new Client(node.external);
      await c.get('/register');
      const id = residentId();
      const fields = { kind: 'citizen', name: '无令牌', id_number: id, mobile: '13812345679', password: 'autumn-moon-2024', password_confirm: 'autumn-moon-2024', agree: '1' };
      const res = await c.post('/register', { form: fields });
      assert.equal(res.status, 403);
      const html = await res.text();
      assert.match(html, /无权访问/);
      assert.match(html, /页面已过期或请求来源无法验证，请刷新页面后重试/);

      const forged = await c.post('/register', { form: { ...fields, _csrf: 'f'.repeat(32) } });
      assert.equal(forged.status, 403);
      // A cross-site POST carries no yw_pre cookie (SameSite=Strict): refused even with a token.
      const noCookie = await fetch(node.external + '/register', {
        method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ ...fields, _csrf: c.cookies.get('yw_pre') }).toString(), redirect: 'manual',
      });
      assert.equal(noCookie.status, 403);

      // Nothing was created: the account does not exist.
      const login = await fetch(node.external + '/api/v1/session', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login: id, password: 'autumn-moon-2024' }) });
      assert.equal(login.status, 401);
    });

    it('registration and login through the forms end on "my account"', async () => {
      const c = new Client(node.external);
      await c.get('/register');
      const id = residentId();
      const res = await c.post('/register', {
        form: { _csrf: c.cookies.get('yw_pre'), kind: 'citizen', name: '赵小燕', id_number: id, mobile: '13812340000', password: 'autumn-moon-2024', password_confirm: 'autumn-moon-2024', agree: '1' },
      });
      assert.equal(res.status, 303);
      assert.equal(res.headers.get('location'), '/login');
      const login = await c.get('/login');
      assert.equal(login.status, 200);
      const loginHtml = await login.text();
      assert.match(loginHtml, /注册成功，请使用证件号码和密码登录/);

      const wrong = await c.post('/login', { form: { _csrf: csrfFrom(loginHtml), login: id, password: 'not-the-password' } });
      assert.equal(wrong.status, 401);
      const wrongHtml = await wrong.text();
      assert.match(wrongHtml, /证件号码或密码错误。连续输错 5 次，账户将锁定 15 分钟/);
      assert.ok(tagWith(wrongHtml, 'input', 'name="login"').includes(`value="${id}"`), 'the login is kept');

      const ok = await c.post('/login', { form: { _csrf: csrfFrom(wrongHtml), login: id.toLowerCase(), password: 'autumn-moon-2024' } });
      assert.equal(ok.status, 303);
      assert.equal(ok.headers.get('location'), '/account');
      assert.ok(c.cookies.has('yw_ext'));
      const account = await c.get('/account');
      assert.equal(account.status, 200);
      assert.equal(account.headers.get('cache-control'), 'no-store', 'personal pages are not cached');
      const html = await account.text();
      assert.match(html, /<h1[^>]*>我的账户<\/h1>/);
      assert.ok(textOf(html).includes('赵小燕'));
      assert.ok(html.includes(id.slice(0, 6) + '********' + id.slice(14)), 'the ID number is shown masked');
      assert.ok(!html.includes(id), 'never the full ID number');
      assert.match(html, /138\*\*\*\*0000/);

      // Logout is a POST form with the session's token — also from a page with an anonymous form
      // (registration), which must then carry the session's token, not the pre-session cookie's.
      const regHtml = await (await c.get('/register')).text();
      assert.equal(csrfFrom(regHtml), csrfFrom(html));
      const out = await c.post('/logout', { form: { _csrf: csrfFrom(regHtml) } });
      assert.equal(out.status, 303);
      assert.equal(out.headers.get('location'), '/');
      assert.equal(c.cookies.has('yw_ext'), false);
      const again = await c.get('/account');
      assert.equal(again.status, 303);
      assert.equal(again.headers.get('location'), '/login?next=%2Faccount');
    });

    it('internal zone: / without login redirects to /login?next=%2F; the login page is in Chinese', async () => {
      const res = await fetch(node.internal + '/', { redirect: 'manual' });
      assert.equal(res.status, 303);
      assert.equal(res.headers.get('location'), '/login?next=%2F');
      const deep = await fetch(node.internal + '/admin/users', { redirect: 'manual' });
      assert.equal(deep.status, 303);
      assert.equal(deep.headers.get('location'), '/login?next=%2Fadmin%2Fusers');
      const login = await fetch(node.internal + '/login?next=%2F');
      assert.equal(login.status, 200);
      const html = await login.text();
      assert.match(html, /<html lang="zh-CN">/);
      assert.match(html, /工作人员登录/);
      // The internal zone is not for search engines; the portal is.
      assert.match(await (await fetch(node.internal + '/robots.txt')).text(), /Disallow: \//);
      assert.match(await (await fetch(node.external + '/robots.txt')).text(), /Allow: \//);
    });

    it('internal form login returns to the page asked for, but never to another site', async () => {
      const a = node.account('clerk');
      for (const [next, where] of [['/admin/users', '/admin/users'], ['//evil.example/x', '/'], ['https://evil.example/', '/'], ['/\\evil.example', '/'],
        ['/\t/evil.example', '/'], ['/\n/evil.example', '/'], ['/\u007f/evil.example', '/']]) {
        const c = new Client(node.internal);
        const page = await (await c.get('/login?next=' + encodeURIComponent(next))).text();
        const res = await c.post('/login', { form: { _csrf: csrfFrom(page), username: a.login, password: a.password, next } });
        assert.equal(res.status, 303, next);
        assert.equal(res.headers.get('location'), where, next);
        assert.ok(c.cookies.has('yw_int'));
      }
      // A wrong password re-renders the form with the Chinese message (no redirect).
      const c = new Client(node.internal);
      const page = await (await c.get('/login')).text();
      const res = await c.post('/login', { form: { _csrf: csrfFrom(page), username: a.login, password: 'not-the-password', next: '/' } });
      assert.equal(res.status, 401);
      assert.ok(textOf(await res.text()).includes('用户名或密码错误'));
    });

    it('a form address opened as a page goes back to its page, never to another host', async () => {
      const c = new Client(node.internal);
      const a = node.account('clerk');
      const page = await (await c.get('/login')).text();
      await c.post('/login', { form: { _csrf: csrfFrom(page), username: a.login, password: a.password, next: '/' } });
      for (const path of ['/account/password', '//account/password', '///account/password']) {
        const res = await c.get(path);
        assert.equal(res.status, 303, path);
        assert.equal(res.headers.get('location'), '/account', path);
      }
    });

    it('the service guide refuses a search longer than 50 characters, on the page and the API', async () => {
      const long = '食品经营许可'.repeat(9);  // 54 characters
      const api = await fetch(node.external + '/api/v1/items?q=' + encodeURIComponent(long));
      assert.equal(api.status, 400);
      const body = await api.json();
      assert.equal(body.error.code, 'INVALID_INPUT');
      assert.match(body.error.fields.q, /不超过 50 个字/);
      const html = await (await fetch(node.external + '/services?q=' + encodeURIComponent(long))).text();
      assert.match(html, /不超过 50 个字/);
      // 50 characters are still a search (a repeated phrase counts each term once).
      const fine = await fetch(node.external + '/api/v1/items?q=' + encodeURIComponent('食品经营许可'.repeat(8) + '食品'));
      assert.equal(fine.status, 200);
      assert.ok((await (await fetch(node.external + '/api/v1/items?q=' + encodeURIComponent('食品经营 食品经营'))).json()).total >= 1);
    });

    it('the portal pages are not served on the internal zone, nor the workbench on the external one', async () => {
      const col = await fetch(node.internal + '/news', { redirect: 'manual' });
      assert.equal(col.status, 404);
      const admin = await fetch(node.external + '/admin/users', { redirect: 'manual' });
      assert.equal(admin.status, 404);
    });
  });
}
