// Electronic supervision in the browser, on each backend, with automatic notices off
// (YIWANG_SUPERVISION_AUTO_NOTICE=false) so that the supervisor issues the 督办单 by hand:
// an application arrives on Wed 2026-04-29 and is left alone; the node is restarted on Mon
// 2026-05-11 (after 劳动节 and the 调休 Saturday 05-09, the last day to accept) and one
// `yiwang supervise tick` raises the red alert. The supervisor watches the live dashboard
// (refreshed by its script, charts drawn), opens 告警与督办 and the alert, fills 督办事项 and
// 要求办结日期 and signs the notice; the window clerk of 市场监督管理局 finds it under 督办单 and
// answers; the supervisor sees 已答复 and closes with a conclusion; the case page shows the
// supervision timeline. Screenshots (desktop and phone) go to build/e2e-artifacts/.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startNode, backends, cli, Client } from '../lib/server.mjs';
import { join } from 'node:path';
import { launch, newContext, screenshots, ARTIFACTS, PHONE } from './helpers.mjs';
import { staffPage, waitFor, ITEM } from './approval_steps.mjs';

const T_APPLY = '2026-04-29 10:00:00';  // Wednesday
// 受理期限: Thu 04-30 (1), [05-01 … 05-05 劳动节], 05-06 (2), 05-07 (3), 05-08 (4), Sat 05-09 调休 (5).
const ACCEPTANCE_DUE = '2026-05-09';
const T_LATE = '2026-05-11 09:00:00';  // Monday: the first day past the limit
// The form proposes 3 working days from today: 05-12, 05-13, 05-14.
const DEFAULT_REQUIRED_BY = '2026-05-14';
const REQUIRED_BY = '2026-05-15';

const pdf = (tag) => Buffer.from(`%PDF-1.7\n% ${tag}\n%%EOF\n`);

for (const backend of backends()) {
  describe(`electronic supervision in the browser on ${backend}`, () => {
    const env = { YIWANG_SUPERVISION_TICK_SECONDS: '0', YIWANG_SUPERVISION_AUTO_NOTICE: 'false', YIWANG_NOW: T_APPLY };
    let node, browser, caseNo, alertId;
    const shot = (name) => `supervision-${backend}-${name}`;

    before(async () => {
      node = await startNode({ backend, env });
      browser = await launch();
      // The application, through the JSON API, as in tests/http/cases.test.mjs.
      const who = node.accounts.find((a) => a.zone === 'external' && a.unit === '个人');
      const citizen = new Client(node.external);
      const csrf = (await (await citizen.post('/api/v1/session', { json: { login: who.login, password: who.password } })).json()).csrf_token;
      const materials = [1, 2, 3, 4, 5].map((n) => ({ material_no: n, filename: `m${n}.pdf`,
        content_base64: pdf(`${n}-${randomBytes(4).toString('hex')}`).toString('base64') }));
      const res = await citizen.post('/api/v1/applications', {
        json: { item_code: ITEM, contact_name: '张晓明', contact_mobile: '13800000001', description: '开餐馆', materials },
        headers: { 'x-csrf-token': csrf, 'idempotency-key': randomBytes(8).toString('hex') },
      });
      assert.equal(res.status, 201);
      caseNo = (await res.json()).case_no;
      const clerk = new Client(node.internal);
      await clerk.post('/api/v1/session', { json: { username: 'scjclerk', password: node.account('scjclerk').password } });
      let detail;
      await waitFor(async () => {
        const r = await clerk.get(`/api/v1/cases/${caseNo}`);
        detail = r.ok ? await r.json() : null;
        return detail?.state === 'received';
      }, 'the application to reach the window');
      assert.equal(detail.acceptance_due, ACCEPTANCE_DUE);

      await node.stop();
      env.YIWANG_NOW = T_LATE;
      await node.start();
      const tick = cli(['supervise', 'tick', '--node', 't', '--data', node.data, '--database', node.database],
        { env: { ...process.env, ...env } });
      assert.equal(tick.status, 0, tick.stderr);
      assert.equal(tick.stdout.trim(), '检查期限 1，转黄 0，转红 1，新告警 1，督办单 0，红牌 0，规则告警 0',
        'one red alert, no automatic notice');
    });
    after(async () => {
      await browser?.close();
      await node?.cleanup();
    });

    it('dashboard → alert → 督办单 → the department answers → the supervisor closes; the case shows it all', async () => {
      const sup = await staffPage(browser, node.internal, 'supervisor', node.account('supervisor').password);
      const refreshed = async (p) => {
        await p.goto(`${node.internal}/supervision`);
        await p.waitForSelector('#sv-dashboard[data-refreshed]');
      };
      await refreshed(sup);
      assert.equal((await sup.textContent('#sv-red')).trim(), '1');
      assert.equal((await sup.textContent('#sv-total')).trim(), '1');
      assert.equal((await sup.textContent('#sv-yellow-cards')).trim(), '0');
      assert.equal((await sup.textContent('#sv-as-of')).trim(), '2026-05-11');
      // ECharts drew on its canvases: some pixels are not transparent.
      const painted = (sel) => sup.evaluate((s) => {
        const c = document.querySelector(s);
        if (!c || !c.width || !c.height) return 0;
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 3; i < d.length; i += 4) if (d[i]) n++;
        return n;
      }, sel);
      assert.ok(await painted('#sv-trend canvas') > 100, 'the trend chart is drawn');
      assert.ok(await painted('#sv-depts canvas') > 100, 'the departments chart is drawn');
      assert.match(await sup.textContent('#sv-overdue'), new RegExp(`${caseNo}[\\s\\S]*${ACCEPTANCE_DUE}[\\s\\S]*2 天`));
      await screenshots(browser, sup, shot('dashboard'), refreshed);

      // 告警与督办 → the alert.
      await Promise.all([sup.waitForURL('**/supervision/alerts'), sup.click('nav.tabs >> text=告警与督办')]);
      const row = sup.locator('tr', { hasText: caseNo });
      assert.equal(await row.count(), 1);
      assert.match(await row.textContent(), /受理期限已过/);
      assert.match(await row.textContent(), /待处理/);
      await screenshots(browser, sup, shot('alerts'));
      await Promise.all([sup.waitForURL(/\/supervision\/alerts\/\d+$/), row.locator('a').first().click()]);
      alertId = Number(sup.url().match(/alerts\/(\d+)$/)[1]);
      assert.match(await sup.textContent('main'), /待处理/);
      assert.equal(await sup.inputValue('#required_by'), DEFAULT_REQUIRED_BY);
      assert.equal(await sup.getAttribute('#required_by', 'min'), '2026-05-11');

      // 督办事项 and 要求办结日期; an empty form is refused with the fields named.
      await sup.fill('#content', '');
      await sup.evaluate(() => document.querySelectorAll('form').forEach((f) => { f.noValidate = true; }));
      await Promise.all([sup.waitForLoadState('load'), sup.click('button >> text=签发督办单')]);
      assert.match(await sup.textContent('[role=alert]'), /请填写督办事项和要求/);
      await sup.fill('#content', '请立即作出受理决定，并书面说明超期原因和整改措施。');
      await sup.fill('#required_by', REQUIRED_BY);
      await Promise.all([sup.waitForURL(`**/supervision/alerts/${alertId}`), sup.click('button >> text=签发督办单')]);
      assert.match(await sup.textContent('.flash'), /督办单已发出/);
      const notice = await sup.textContent('#notice');
      assert.match(notice, /督办〔2026〕\d{6}号/);
      assert.match(notice, /黄牌/);
      assert.match(notice, /待答复/);
      assert.match(notice, new RegExp(REQUIRED_BY));
      assert.match(notice, /吴刚/);
      assert.equal(await sup.locator('button:has-text("签发督办单")').count(), 0, 'one notice per alert');
      await screenshots(browser, sup, shot('notice-issued'));

      // The window clerk of 市场监督管理局: 督办单 in the menu → the notice → the answer.
      const clerk = await staffPage(browser, node.internal, 'scjclerk', node.account('scjclerk').password);
      await Promise.all([clerk.waitForURL('**/supervision/notices'), clerk.click('#main-nav >> text=督办单')]);
      const nrow = clerk.locator('tr', { hasText: caseNo });
      assert.equal(await nrow.count(), 1);
      assert.match(await nrow.textContent(), /待答复/);
      assert.match(await nrow.textContent(), new RegExp(REQUIRED_BY));
      await screenshots(browser, clerk, shot('notices'));
      await Promise.all([clerk.waitForURL(`**/supervision/alerts/${alertId}`), nrow.locator('a').first().click()]);
      assert.equal(await clerk.locator('button:has-text("签发督办单")').count(), 0);
      assert.equal(await clerk.locator('button:has-text("办结")').count(), 0, 'the department does not close alerts');
      const answer = '窗口人员外出培训造成积压，已于今日受理，今后实行 AB 岗。';
      await clerk.fill('#answer', answer);
      await Promise.all([clerk.waitForURL(`**/supervision/alerts/${alertId}`), clerk.click('button >> text=提交答复')]);
      assert.match(await clerk.textContent('.flash'), /答复已提交/);
      assert.match(await clerk.textContent('#notice'), /已答复/);
      assert.match(await clerk.textContent('#notice'), new RegExp(answer));
      assert.equal(await clerk.locator('#answer').count(), 0, 'answered once');

      // The supervisor sees 已答复 and closes with a conclusion.
      await sup.goto(`${node.internal}/supervision/alerts?state=answered`);
      assert.match(await sup.locator('tr', { hasText: caseNo }).textContent(), /已答复/);
      await sup.goto(`${node.internal}/supervision/alerts/${alertId}`);
      assert.match(await sup.textContent('#notice'), /已答复/);
      assert.match(await sup.textContent('#notice'), /林芳/);
      await sup.fill('#conclusion', '超期属实，部门已说明原因并整改，予以办结。');
      await Promise.all([sup.waitForURL(`**/supervision/alerts/${alertId}`), sup.click('button >> text=办结')]);
      assert.match(await sup.textContent('.flash'), /告警已办结/);
      const main = await sup.textContent('main');
      assert.match(main, /已办结/);
      assert.match(main, /超期属实，部门已说明原因并整改，予以办结。（吴刚）/);
      assert.equal(await sup.locator('#conclusion').count(), 0);
      await screenshots(browser, sup, shot('alert-closed'));

      // The case page: the clock and the supervision timeline (notice, answer, close).
      await clerk.goto(`${node.internal}/cases/${caseNo}`);
      const section = clerk.locator('#supervision');
      const text = await section.textContent();
      assert.match(text, new RegExp(`受理期限（行政许可法第三十二条）\\s*2026-04-29\\s*${ACCEPTANCE_DUE}\\s*红灯`));
      const items = (await section.locator('ol.timeline > li').allTextContents()).map((t) => t.replace(/\s+/g, ' '));
      assert.equal(items.length, 4, items.join('\n'));
      assert.match(items[0], /电子监察.*受理期限已过/);
      assert.match(items[1], /吴刚.*发出督办单（黄牌）督办〔2026〕\d{6}号，要求 2026-05-15 前办结并答复/);
      assert.match(items[2], /林芳.*答复督办单/);
      assert.match(items[3], /吴刚.*办结告警：超期属实/);
      await screenshots(browser, clerk, shot('case'));
      // The case page is long (the phone shot is cut at 3200 px): the section on its own too.
      await section.screenshot({ path: join(ARTIFACTS, `${shot('case-supervision')}-desktop.png`) });
      const phone = await newContext(browser, PHONE, { storageState: await clerk.context().storageState() });
      const pp = await phone.newPage();
      await pp.goto(`${node.internal}/cases/${caseNo}`);
      await pp.locator('#supervision').screenshot({ path: join(ARTIFACTS, `${shot('case-supervision')}-phone.png`) });
      await phone.close();
      // The dashboard follows: no unresolved alert, one yellow card.
      await refreshed(sup);
      assert.equal((await sup.textContent('#sv-alerts-open')).trim(), '0');
      assert.equal((await sup.textContent('#sv-yellow-cards')).trim(), '1');
    });
  });
}
