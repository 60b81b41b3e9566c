// Browser tests: a real yiwang node (demo district) on each backend, driven through its pages
// in Debian's headless chromium. Covers citizen registration/login/logout on the public portal,
// staff login with TOTP on the internal workbench, the phone navigation, and screenshots of the
// main pages at desktop and phone size into build/e2e-artifacts/.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startNode, backends, totp } from '../lib/server.mjs';
import { launch, newContext, screenshots, residentId, wrongCheck, idCheckDigit, PHONE, ARTIFACTS } from './helpers.mjs';

const BACKENDS = backends();

it('GB 11643 check digit matches known numbers', () => {
  assert.equal(idCheckDigit('11010519491231002'), 'X');
  assert.equal(idCheckDigit('37050319900307123'), '6');
});

/** A 6-digit code that the server cannot accept now (not in the ±1 step window). */
function wrongCode(secret) {
  const now = Math.floor(Date.now() / 1000);
  const valid = new Set([-60, -30, 0, 30, 60].map((d) => totp(secret, now + d)));
  for (let n = 123456; ; n = (n + 111111) % 1000000) {
    const c = String(n).padStart(6, '0');
    if (!valid.has(c)) return c;
  }
}

/** Waits until the code for the current 30 s step has not been used yet on this node. */
async function freshCode(secret, used) {
  for (;;) {
    const c = totp(secret);
    if (!used.has(c)) { used.add(c); return c; }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

for (const backend of BACKENDS) {
  describe(`browser on ${backend}`, () => {
    let node, browser;
    const shots = backend === BACKENDS[0];   // the pages are the same on both backends
    const usedCodes = new Map();             // login → codes already spent (the server refuses replays)
    let sysadminState;                       // storage state of a fully logged-in sysadmin

    const snap = (page, name, prepare) => (shots ? screenshots(browser, page, name, prepare) : undefined);
    const spent = (login) => { if (!usedCodes.has(login)) usedCodes.set(login, new Set()); return usedCodes.get(login); };

    async function staffLogin(page, login) {
      const acct = node.account(login);
      await page.goto(node.internal + '/login');
      await page.getByLabel('用户名').fill(acct.login);
      await page.getByLabel('密码').fill(acct.password);
      await Promise.all([page.waitForURL(/\/login\/totp/), page.getByRole('button', { name: '登录' }).click()]);
      await page.getByLabel('动态口令').fill(await freshCode(acct.totp_secret, spent(login)));
      await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/login')),
        page.getByRole('button', { name: /验证|绑定并登录/ }).click()]);
    }

    before(async () => {
      [node, browser] = await Promise.all([startNode({ backend }), launch()]);
    });
    after(async () => {
      await browser?.close();
      await node?.cleanup();
    });

    it('external home shows the portal columns', async () => {
      const ctx = await newContext(browser);
      const page = await ctx.newPage();
      const errors = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
      await page.goto(node.external + '/');
      assert.match(await page.title(), /人民政府/);
      await page.getByRole('heading', { level: 1, name: /欢迎访问/ }).waitFor();
      assert.ok(await page.getByRole('link', { name: '登录' }).isVisible());
      assert.ok(await page.getByRole('navigation', { name: '主栏目' }).isVisible());
      await snap(page, 'external-home');
      assert.deepEqual(errors, [], 'no script errors or CSP violations');
      await ctx.close();
    });

    it('citizen registers through the form, logs in, sees a masked ID and logs out', async () => {
      const id = residentId('11010519900307123');
      const password = 'Spring-Lantern-2024';
      const ctx = await newContext(browser);
      const page = await ctx.newPage();
      await page.goto(node.external + '/register');
      await page.getByLabel('个人（身份证）').check();
      await page.getByLabel('姓名或单位全称').fill('林晓红');
      await page.getByLabel('身份证号码或统一社会信用代码').fill(id);
      await page.getByLabel('手机号码').fill('13800138000');
      await page.getByLabel('密码 *', { exact: true }).fill(password);
      await page.getByLabel('确认密码').fill(password);
      await page.getByLabel(/我已阅读并同意/).check();
      await Promise.all([page.waitForURL((u) => u.pathname === '/login'), page.getByRole('button', { name: '注册' }).click()]);
      assert.match(await page.locator('.flash').innerText(), /注册成功/);

      await page.getByLabel('证件号码').fill(id);
      await page.getByLabel('密码').fill(password);
      await Promise.all([page.waitForURL((u) => u.pathname === '/account'), page.getByRole('button', { name: '登录' }).click()]);
      const account = await page.locator('main').innerText();
      assert.match(account, /林晓红/);
      const masked = id.slice(0, 6) + '********' + id.slice(14);
      assert.ok(account.includes(masked), `masked ID ${masked} shown`);
      assert.ok(!account.includes(id), 'full ID number is not shown');
      assert.equal(await page.locator('header .user-link').innerText(), '林晓红');
      await snap(page, 'account');

      await Promise.all([page.waitForURL((u) => u.pathname === '/'), page.getByRole('button', { name: '退出' }).click()]);
      assert.match(await page.locator('.flash').innerText(), /您已安全退出/);
      assert.ok(await page.getByRole('link', { name: '登录', exact: true }).isVisible());
      assert.equal(await page.getByRole('button', { name: '退出' }).count(), 0);
      await ctx.close();
    });

    it('registering with a wrong check digit shows the error at the field and creates nothing', async () => {
      const bad = wrongCheck(residentId('11010519851111456'));
      const password = 'Autumn-Bridge-1985';
      const ctx = await newContext(browser);
      const page = await ctx.newPage();
      const fill = async (p) => {
        await p.goto(node.external + '/register');
        await p.getByLabel('姓名或单位全称').fill('周文');
        await p.getByLabel('身份证号码或统一社会信用代码').fill(bad);
        await p.getByLabel('手机号码').fill('13900139000');
        await p.getByLabel('密码 *', { exact: true }).fill(password);
        await p.getByLabel('确认密码').fill(password);
        await p.getByLabel(/我已阅读并同意/).check();
        await p.getByRole('button', { name: '注册' }).click();
        await p.locator('#id-error').waitFor();
      };
      await fill(page);
      assert.equal(new URL(page.url()).pathname, '/register');
      const field = page.getByLabel('身份证号码或统一社会信用代码');
      assert.equal(await field.getAttribute('aria-invalid'), 'true');
      assert.equal(await field.getAttribute('aria-describedby'), 'id-error');
      assert.match(await page.locator('#id-error').innerText(), /[\u4e00-\u9fff]/, 'Chinese error message');
      assert.match(await page.locator('#id-error').innerText(), /校验|身份证/);
      assert.ok(await page.getByRole('alert').isVisible());
      assert.equal(await page.getByLabel('姓名或单位全称').inputValue(), '周文', 'entered values are kept');
      await snap(page, 'register-errors', fill);

      // Nothing was created: the number cannot log in.
      await page.goto(node.external + '/login');
      await page.getByLabel('证件号码').fill(bad);
      await page.getByLabel('密码').fill(password);
      await page.getByRole('button', { name: '登录' }).click();
      await page.getByRole('alert').waitFor();
      assert.equal(new URL(page.url()).pathname, '/login');
      await ctx.close();
    });

    it('sysadmin logs in to the workbench with password and TOTP', async () => {
      const acct = node.account('sysadmin');
      const ctx = await newContext(browser);
      const page = await ctx.newPage();
      await page.goto(node.internal + '/login');
      await page.getByRole('heading', { name: '工作人员登录' }).waitFor();
      await snap(page, 'internal-login');
      await page.getByLabel('用户名').fill(acct.login);
      await page.getByLabel('密码').fill(acct.password);
      await Promise.all([page.waitForURL(/\/login\/totp/), page.getByRole('button', { name: '登录' }).click()]);
      await page.getByRole('heading', { name: '动态口令验证' }).waitFor();
      await snap(page, 'totp');
      await page.getByLabel('动态口令').fill(await freshCode(acct.totp_secret, spent('sysadmin')));
      await Promise.all([page.waitForURL((u) => u.pathname === '/'), page.getByRole('button', { name: '验证' }).click()]);
      await page.getByRole('heading', { level: 1, name: `${acct.name}，您好` }).waitFor();
      assert.equal(acct.name, '王建国');
      assert.match(await page.locator('h1').innerText(), /王建国，您好/);
      await snap(page, 'workbench-home');
      sysadminState = await ctx.storageState();
      await ctx.close();
    });

    it('a wrong TOTP code is refused with an error', async () => {
      const acct = node.account('sysadmin');
      const ctx = await newContext(browser);
      const page = await ctx.newPage();
      await page.goto(node.internal + '/login');
      await page.getByLabel('用户名').fill(acct.login);
      await page.getByLabel('密码').fill(acct.password);
      await Promise.all([page.waitForURL(/\/login\/totp/), page.getByRole('button', { name: '登录' }).click()]);
      await page.getByLabel('动态口令').fill(wrongCode(acct.totp_secret));
      await page.getByRole('button', { name: '验证' }).click();
      const alert = page.getByRole('alert');
      await alert.waitFor();
      assert.match(await alert.innerText(), /动态口令错误/);
      assert.match(new URL(page.url()).pathname, /^\/login\/totp/);
      // Still not logged in: the workbench sends us back to the login page.
      await page.goto(node.internal + '/');
      assert.match(new URL(page.url()).pathname, /^\/login/);
      await ctx.close();
    });

    it('sysadmin sees the users admin page', async () => {
      assert.ok(sysadminState, 'sysadmin logged in');
      const ctx = await newContext(browser, undefined, { storageState: sysadminState });
      const page = await ctx.newPage();
      await page.goto(node.internal + '/admin/users');
      await page.getByRole('heading', { level: 1, name: '人员管理' }).waitFor();
      assert.ok(await page.getByRole('table').count() + await page.locator('.empty').count() > 0);
      await snap(page, 'users-admin');
      await ctx.close();
    });

    it('auditor sees the audit log', async () => {
      const ctx = await newContext(browser);
      const page = await ctx.newPage();
      await staffLogin(page, 'auditor');
      await page.goto(node.internal + '/audit');
      await page.getByRole('heading', { level: 1, name: '审计日志' }).waitFor();
      const table = page.locator('table.audit-table');
      assert.ok(await table.count() === 1, 'audit rows listed');
      assert.match(await table.innerText(), /session\.login/);
      await snap(page, 'audit');
      await ctx.close();
    });

    it('keyboard: the first Tab shows the skip link, which moves focus to the content', async () => {
      const ctx = await newContext(browser);
      const page = await ctx.newPage();
      await page.goto(node.external + '/register');
      await page.keyboard.press('Tab');
      const skip = page.locator('.skip-link');
      assert.equal(await skip.evaluate((el) => el === document.activeElement), true);
      const box = await skip.boundingBox();
      assert.ok(box && box.x >= 0 && box.y >= 0, 'skip link is on screen when focused');
      const outline = await skip.evaluate((el) => getComputedStyle(el).outlineStyle);
      assert.notEqual(outline, 'none', 'focused link has a visible outline');
      await page.keyboard.press('Enter');
      assert.match(page.url(), /#main$/);
      await ctx.close();
    });

    it('phone: the menu toggle opens the nav; without JavaScript the nav is shown', async () => {
      const ctx = await newContext(browser, PHONE);
      const page = await ctx.newPage();
      await page.goto(node.external + '/');
      const nav = page.locator('#main-nav');
      const toggle = page.getByRole('button', { name: '栏目' });
      assert.ok(await toggle.isVisible(), 'toggle shown on phones');
      assert.ok(!(await nav.isVisible()), 'nav folded on phones');
      await toggle.click();
      assert.ok(await nav.isVisible(), 'nav opens');
      assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
      if (shots) await page.screenshot({ path: `${ARTIFACTS}/external-nav-open-phone.png` });
      await page.keyboard.press('Escape');
      assert.ok(!(await nav.isVisible()), 'Escape closes the nav');
      assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
      await toggle.click();
      assert.ok(await nav.isVisible());
      await toggle.click();
      assert.ok(!(await nav.isVisible()), 'nav closes');
      assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
      await ctx.close();

      const nojs = await newContext(browser, PHONE, { javaScriptEnabled: false });
      const p2 = await nojs.newPage();
      await p2.goto(node.external + '/');
      assert.ok(await p2.locator('#main-nav').isVisible(), 'nav reachable without JavaScript');
      assert.ok(!(await p2.locator('.nav-toggle').isVisible()), 'no dead toggle without JavaScript');
      if (shots) await p2.screenshot({ path: `${ARTIFACTS}/external-home-nojs-phone.png` });
      await nojs.close();
    });
  });
}
