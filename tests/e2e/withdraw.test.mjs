// 撤回申请 in the browser, on each backend: a citizen applies for 食品经营许可 (as in
// approval.test.mjs); 市场监督管理局's window clerk accepts; the citizen opens 撤回申请… on the case
// page, is refused twice on the confirmation page (the consequence not acknowledged, then no
// reason) with nothing recorded, then withdraws; the exchange pump ends the case inside
// (已撤回, every action gone, listed under 已撤回) and the citizen's page says 本件已撤回 with a
// link to apply again; the withdrawal page is no longer offered.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { startNode, backends } from '../lib/server.mjs';
import { launch, screenshots } from './helpers.mjs';
import { ITEM, apply, citizenPage, materialsDir, staffPage, waitFor } from './approval_steps.mjs';

const REASON = '经营场所另有安排，暂不开办，撤回本次申请';

for (const backend of backends()) {
  describe(`撤回申请 in the browser on ${backend}`, () => {
    let node, browser, dir;
    before(async () => {
      node = await startNode({ backend });
      browser = await launch();
      dir = materialsDir();
    });
    after(async () => {
      await browser?.close();
      await node?.cleanup();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('apply → accept → 撤回申请 refused without the reason and the acknowledgement → withdrawn inside and out', async () => {
      const citizen = node.accounts.find((a) => a.zone === 'external' && a.unit === '个人');
      const cp = await citizenPage(browser, node.external, citizen.login, citizen.password);
      const { caseNo } = await apply(cp, node.external, dir);
      const casePage = `${node.external}/account/cases/${caseNo}`;
      const withdrawUrl = `${casePage}/withdraw`;
      const internalCase = `${node.internal}/cases/${caseNo}`;

      // 市场监督管理局's window clerk accepts; the flow's first step waits for 承办 (handler).
      const clerk = await staffPage(browser, node.internal, 'scjclerk', node.account('scjclerk').password);
      await waitFor(async () => (await clerk.goto(internalCase)).status() === 200 &&
        (await clerk.locator('text=受理决定').count()) > 0, 'the application at the window');
      await clerk.check('input[value=accept]');
      await Promise.all([clerk.waitForURL(`**/cases/${caseNo}`), clerk.click('form[action$="/actions"] button[type=submit] >> text=提交')]);
      assert.match(await clerk.textContent('main'), /承诺办结/);
      const handler = await staffPage(browser, node.internal, 'handler', node.account('handler').password);
      await handler.goto(internalCase);
      assert.ok(await handler.locator('form[action$="/actions"]').count() > 0, 'the handler has something to do before the withdrawal');
      assert.equal(await handler.locator('button:has-text("签收本环节")').count(), 1);

      // The citizen sees the acceptance and the offer to withdraw.
      await waitFor(async () => {
        await cp.goto(casePage);
        return /已受理|办理中/.test(await cp.textContent('main .muted .badge'));
      }, 'the acceptance outside');
      const offer = cp.locator('section#withdraw');
      assert.equal(await offer.locator('h2').textContent(), '撤回申请');
      assert.equal(await offer.locator('a.button').getAttribute('href'), `/account/cases/${caseNo}/withdraw`);
      await Promise.all([cp.waitForURL(withdrawUrl), offer.locator('a:has-text("撤回申请…")').click()]);

      // The confirmation page: what is withdrawn and what that means.
      assert.equal((await cp.textContent('main h1')).trim(), '撤回申请');
      const summary = await cp.textContent('main dl.kv');
      assert.match(summary, new RegExp(caseNo));
      assert.match(summary, /食品经营许可/);
      assert.match(summary, /已受理|办理中/);
      assert.match(await cp.textContent('main .notice'), /撤回后本件终止办理，不能恢复/);
      assert.equal(await cp.getAttribute('#reason', 'maxlength'), '500');
      assert.match(await cp.textContent('label:has(input[name=confirm][value="1"])'), /我已知晓撤回后本件终止办理/);
      assert.equal(await cp.getAttribute('a:has-text("返回，不撤回")', 'href'), `/account/cases/${caseNo}`);
      const submit = 'button.danger:has-text("确认撤回申请")';

      // Nothing filled in: refused on the page, the acknowledgement asked for.
      let [res] = await Promise.all([cp.waitForResponse((r) => r.request().method() === 'POST'), cp.click(submit)]);
      await cp.waitForLoadState('load');
      assert.equal(res.status(), 400);
      assert.equal(cp.url(), withdrawUrl);
      assert.equal(await cp.locator('.alert[data-form-error]').count(), 1);
      assert.match(await cp.textContent('#confirm-error'), /请勾选：我已知晓撤回后本件终止办理/);
      assert.equal((await cp.textContent('#reason-error')).trim(), '请填写撤回理由', 'every problem at once');
      await screenshots(browser, cp, 'withdraw-confirm', async (p) => {
        await p.goto(withdrawUrl);
        await Promise.all([p.waitForResponse((r) => r.request().method() === 'POST'), p.click(submit)]);
        await p.waitForLoadState('load');
        await p.locator('#confirm-error').waitFor();
      });

      // Acknowledged, but only blanks as the reason: refused, the reason asked for.
      await cp.fill('#reason', '   ');
      await cp.check('input[name=confirm]');
      [res] = await Promise.all([cp.waitForResponse((r) => r.request().method() === 'POST'), cp.click(submit)]);
      await cp.waitForLoadState('load');
      assert.equal(res.status(), 400);
      assert.equal(cp.url(), withdrawUrl);
      assert.match(await cp.textContent('.alert[data-form-error]'), /撤回/);
      assert.equal((await cp.textContent('#reason-error')).trim(), '请填写撤回理由');
      assert.equal(await cp.getAttribute('#reason', 'aria-invalid'), 'true');
      assert.ok(await cp.isChecked('input[name=confirm]'), 'the acknowledgement stays ticked after an error');
      assert.equal(await cp.locator('#confirm-error').count(), 0);

      // Nothing was recorded: the case page is as it was.
      await cp.goto(casePage);
      assert.match(await cp.textContent('main .muted .badge'), /已受理|办理中/);
      assert.equal(await cp.locator('section#withdraw').count(), 1, 'still offered');
      assert.doesNotMatch(await cp.textContent('main'), /申请撤回/);
      assert.doesNotMatch(await cp.textContent('main'), /本件已撤回/);

      // Withdrawn: the request is recorded, the pump ends the case.
      await cp.goto(withdrawUrl);
      await cp.fill('#reason', REASON);
      await cp.check('input[name=confirm]');
      await Promise.all([cp.waitForURL(casePage), cp.click(submit)]);
      assert.match(await cp.textContent('.flash'), /撤回申请已提交。办理部门确认后本件终止办理，结果见“办理过程”/);
      assert.equal(await cp.locator('section#withdraw').count(), 0, 'no second request while the first is on its way');
      await waitFor(async () => {
        await cp.goto(casePage);
        return (await cp.locator('main h2:has-text("本件已撤回")').count()) > 0;
      }, 'the withdrawal confirmed outside');
      assert.equal((await cp.textContent('main .muted .badge')).trim(), '已撤回');
      const done = cp.locator('section.panel:has(h2:has-text("本件已撤回"))');
      assert.match(await done.textContent(), /按您的申请撤回，终止办理/);
      assert.equal(await done.locator('a:has-text("重新申请")').getAttribute('href'), `/services/items/${ITEM}/apply`);
      assert.equal(await cp.locator('section#withdraw').count(), 0, 'no offer to withdraw any more');
      assert.doesNotMatch(await cp.textContent('main'), /您已于 .* 申请撤回本件/, 'no longer shown as pending');
      const timeline = await cp.textContent('ol.timeline');
      assert.ok(timeline.includes(`申请人申请撤回申请，理由：${REASON}`), 'the request with its reason');
      assert.match(timeline, /申请人撤回申请，本件终止办理/);
      assert.equal(timeline.split('申请人申请撤回申请').length - 1, 1, 'one request only');
      await screenshots(browser, cp, 'withdraw-done');

      // The withdrawal page is gone: back to the case page with the reason.
      const direct = await cp.request.get(withdrawUrl, { maxRedirects: 0 });
      assert.ok([302, 303].includes(direct.status()), `redirect, got ${direct.status()}`);
      assert.equal(direct.headers()['location'], `/account/cases/${caseNo}`);
      await cp.goto(withdrawUrl);
      assert.equal(cp.url(), casePage);
      assert.match(await cp.textContent('.flash'), /本件当前状态为“已撤回”，不能撤回申请/);
      await cp.goto(`${node.external}/services/items/${ITEM}/apply`);
      assert.match(await cp.textContent('main'), /提交申请/, 'applying again is open');

      // Inside: 已撤回, nothing left to do, listed under 已撤回.
      await handler.goto(internalCase);
      assert.equal((await handler.textContent('main .muted .badge')).trim(), '已撤回');
      assert.equal(await handler.locator('form[action$="/actions"]').count(), 0, 'no action for the handler');
      assert.match(await handler.textContent('ol.timeline'), /申请人撤回申请，本件终止办理/);
      await clerk.goto(internalCase);
      assert.equal(await clerk.locator('form[action$="/actions"]').count(), 0, 'no action for the clerk');
      // 电子监察: every clock of the case closed (each row ends with the date it closed).
      const clocks = await clerk.locator('#supervision tbody tr td:last-child').allTextContents();
      assert.ok(clocks.length > 0, 'the case had clocks');
      for (const c of clocks) assert.match(c.trim(), /\d{4}-\d{2}-\d{2}$/, `a closed clock: ${c.trim()}`);
      await clerk.goto(`${node.internal}/cases?state=withdrawn`);
      assert.equal((await clerk.textContent('nav.tabs a[aria-current=page]')).trim(), '已撤回');
      const row = clerk.locator(`table tr:has(a[href="/cases/${caseNo}"])`);
      assert.equal(await row.count(), 1, 'listed under 已撤回');
      assert.match(await row.textContent(), /已撤回/);
      await clerk.goto(`${node.internal}/cases?state=in_progress`);
      assert.equal(await clerk.locator(`a[href="/cases/${caseNo}"]`).count(), 0, 'no longer 办理中');
    });
  });
}
