// Fees and drafts in the browser, on each backend: a citizen starts an application for
// 不动产权证书换发 (a 10 元 工本费), saves it as a draft with one file, comes back through
// 我的办件 › 草稿 › 继续填写 and submits it; 不动产登记中心's clerk (the demo account holding every
// role of the flow) accepts, assesses the fee from the catalogue, runs the steps and grants; 办结
// is refused until the payment is recorded with its receipt number; the citizen sees 应缴费用,
// the 缴费记录 with the receipt and every deadline explained.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNode, backends } from '../lib/server.mjs';
import { launch, newContext, screenshots } from './helpers.mjs';

const ITEM = 'DH-ZRJ-014';  // 不动产权证书换发: 不动产权属证书工本费 10.00 元

for (const backend of backends()) {
  describe(`fees and drafts in the browser on ${backend}`, () => {
    let node, browser, dir;
    before(async () => {
      // A fixed start (the clock runs on from it): 不动产权证书换发 has a 30-day statutory limit,
      // which must fall inside the calendar years the demo loads.
      node = await startNode({ backend, env: { YIWANG_NOW: '2026-03-02 09:00' } });
      browser = await launch();
      dir = mkdtempSync(join(tmpdir(), 'yiwang-e2e-fees-'));
      for (let n = 1; n <= 3; n++) writeFileSync(join(dir, `m${n}.pdf`), `%PDF-1.7\n% fee material ${n}\n%%EOF\n`);
    });
    after(async () => {
      await browser?.close();
      await node?.cleanup();
    });

    async function waitFor(fn, what) {
      for (let i = 0; i < 200; i++) {
        if (await fn()) return;
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.fail(`timed out waiting for ${what}`);
    }

    it('draft → continue → submit → accept → 核定收费 → 办结 refused → 登记缴费 → 办结; the citizen sees the receipt', async () => {
      const citizen = node.accounts.find((a) => a.zone === 'external' && a.unit === '个人');
      const cp = await (await newContext(browser)).newPage();
      await cp.goto(node.external + '/login');
      await cp.fill('#login', citizen.login);
      await cp.fill('#password', citizen.password);
      await Promise.all([cp.waitForURL('**/account'), cp.click('button[type=submit]')]);

      // Half done: one file, saved as a draft.
      await cp.goto(`${node.external}/services/items/${ITEM}/apply`);
      await cp.fill('#contact_mobile', '13800000001');
      await cp.setInputFiles('#material_1', join(dir, 'm1.pdf'));
      await Promise.all([cp.waitForURL(/\/apply\?draft=\d+$/), cp.click('button >> text=保存草稿')]);
      assert.match(await cp.textContent('main'), /已上传：m1\.pdf/);

      // Back through 我的办件 › 草稿 › 继续填写; the rest of the files; submit.
      await cp.goto(`${node.external}/account/cases`);
      assert.match(await cp.textContent('#drafts'), /不动产权证书换发/);
      await Promise.all([cp.waitForURL(/\/apply\?draft=\d+$/), cp.click('#drafts >> text=继续填写')]);
      assert.equal(await cp.inputValue('#contact_mobile'), '13800000001');
      await cp.setInputFiles('#material_2', join(dir, 'm2.pdf'));
      await cp.setInputFiles('#material_3', join(dir, 'm3.pdf'));
      await Promise.all([cp.waitForURL(/\/account\/cases\/DH\d+/), cp.click('text=提交申请')]);
      const caseNo = cp.url().match(/cases\/(DH\d+)/)[1];
      assert.match(await cp.textContent('main'), /m1\.pdf/);
      await cp.goto(`${node.external}/account/cases`);
      assert.equal(await cp.locator('#drafts').count(), 0, 'the submitted draft left the list');

      // 不动产登记中心: accept, assess the fee, run the flow.
      const ctx = await newContext(browser);
      const sp = await ctx.newPage();
      await sp.goto(node.internal + '/login');
      await sp.fill('#username', 'bdcclerk');
      await sp.fill('#password', node.account('bdcclerk').password);
      await Promise.all([sp.waitForURL((u) => !u.pathname.startsWith('/login')), sp.click('button[type=submit]')]);
      const here = `${node.internal}/cases/${caseNo}`;
      await waitFor(async () => (await sp.goto(here)).status() === 200 && (await sp.locator('text=受理决定').count()) > 0, 'the application inside');
      await sp.check('input[value=accept]');
      await Promise.all([sp.waitForURL(`**/cases/${caseNo}`), sp.click('form[action$="/actions"] button[type=submit] >> text=提交')]);
      assert.match(await sp.textContent('#fees'), /不动产权属证书工本费/);
      await Promise.all([sp.waitForURL(`**/cases/${caseNo}#fees`), sp.click('button >> text=核定收费')]);
      assert.match(await sp.textContent('#fees'), /10\.00 元/);
      for (let step = 0; step < 4; step++) {
        await sp.goto(here);
        if (await sp.locator('button:has-text("签收本环节")').count()) {
          await Promise.all([sp.waitForURL(`**/cases/${caseNo}`), sp.click('text=签收本环节')]);
        }
        if (await sp.locator('button:has-text("完成本环节，转下一环节")').count()) {
          await sp.fill('#step-opinion', '符合条件');  // a step's opinion is required
          await sp.check('input[name=proposal][value=approve]');
          await Promise.all([sp.waitForURL(`**/cases/${caseNo}`), sp.click('text=完成本环节，转下一环节')]);
        } else if (await sp.locator('input[name=decision]').count()) {
          await sp.check('input[value=approve]');
          await Promise.all([sp.waitForURL(`**/cases/${caseNo}`), sp.click('button >> text=作出决定')]);
          break;
        }
      }
      await sp.goto(here);
      assert.match(await sp.textContent('main'), /已作出决定/);
      // 办结 waits for the payment.
      await Promise.all([sp.waitForLoadState('load'), sp.click('button >> text=办结')]);
      assert.match(await sp.textContent('main'), /费用尚未缴清，不能办结/);
      await sp.goto(here);
      await sp.fill('#pay-amount', '10');
      await sp.fill('#receipt-no', '37010125-0000000777');
      await Promise.all([sp.waitForURL(`**/cases/${caseNo}#fees`), sp.click('button >> text=登记缴费')]);
      assert.match(await sp.textContent('#fees'), /票据号 37010125-0000000777/);
      await screenshots(browser, sp, 'case-fees-internal');
      await Promise.all([sp.waitForURL(`**/cases/${caseNo}`), sp.click('button >> text=办结')]);
      assert.match(await sp.textContent('main'), /已办结/);

      // The citizen: 应缴费用, 缴费记录 with the receipt, the deadlines explained.
      await waitFor(async () => {
        await cp.goto(`${node.external}/account/cases/${caseNo}`);
        return /已办结/.test(await cp.textContent('main'));
      }, 'the conclusion outside');
      const fees = await cp.textContent('#fees');
      assert.match(fees, /应缴费用/);
      assert.match(fees, /缴费记录/);
      assert.match(fees, /37010125-0000000777/);
      await cp.click('#deadlines summary >> text=承诺办结期限');
      assert.ok(await cp.locator('#deadlines details[open] .day-list li').count() > 0, 'the day-by-day explanation opens');
      await screenshots(browser, cp, 'case-fees-applicant');
    });
  });
}
