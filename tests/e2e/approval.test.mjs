// The approval path in the browser, on each backend: a citizen applies for 食品经营许可 with
// files through the apply page; the window clerk asks for corrections once; the citizen sends
// them; the clerk accepts; 承办 → 审核 → 审批 sign and complete their steps; the approver grants;
// the clerk concludes; the citizen downloads the sealed certificate and the verification page
// says it is valid — and that a changed copy is not.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNode, backends } from '../lib/server.mjs';
import { launch, newContext } from './helpers.mjs';

const ITEM = 'DH-SCJ-001';

for (const backend of backends()) {
  describe(`approval path in the browser on ${backend}`, () => {
    let node, browser, dir;
    before(async () => {
      node = await startNode({ backend });
      browser = await launch();
      dir = mkdtempSync(join(tmpdir(), 'yiwang-e2e-files-'));
      for (let n = 1; n <= 6; n++) writeFileSync(join(dir, `m${n}.pdf`), `%PDF-1.7\n% material ${n}\n%%EOF\n`);
    });
    after(async () => {
      await browser?.close();
      await node?.cleanup();
    });

    async function staffPage(username) {
      const ctx = await newContext(browser);
      const page = await ctx.newPage();
      await page.goto(node.internal + '/login');
      await page.fill('#username', username);
      await page.fill('#password', node.account(username).password);
      await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/login')), page.click('button[type=submit]')]);
      return page;
    }
    async function act(page, caseNo, fill) {
      await page.goto(`${node.internal}/cases/${caseNo}`);
      await fill(page);
      await page.waitForLoadState('load');
    }
    async function waitFor(fn, what) {
      for (let i = 0; i < 200; i++) {
        if (await fn()) return;
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.fail(`timed out waiting for ${what}`);
    }

    it('apply → 补正 → accept → steps → grant → conclude → download and verify the certificate', async () => {
      // The citizen applies.
      const citizen = node.accounts.find((a) => a.zone === 'external' && a.unit === '个人');
      const cctx = await newContext(browser);
      const cp = await cctx.newPage();
      await cp.goto(node.external + '/login');
      await cp.fill('#login', citizen.login);
      await cp.fill('#password', citizen.password);
      await Promise.all([cp.waitForURL('**/account'), cp.click('button[type=submit]')]);
      await cp.goto(`${node.external}/services/items/${ITEM}`);
      await Promise.all([cp.waitForURL('**/apply'), cp.click('text=在线申报')]);
      await cp.fill('#contact_mobile', '13800000001');
      const inputs = await cp.locator('input[type=file]').count();
      for (let n = 1; n <= inputs; n++) await cp.setInputFiles(`#material_${n}`, join(dir, `m${n}.pdf`));
      await Promise.all([cp.waitForURL(/\/account\/cases\/DH\d+/), cp.click('text=提交申请')]);
      const caseNo = cp.url().match(/cases\/(DH\d+)/)[1];
      const code = new URL(cp.url()).searchParams.get('code');
      assert.match(await cp.textContent('main'), /查询码/);

      // The window clerk of 市场监督管理局 asks once for everything missing.
      const clerk = await staffPage('scjclerk');
      await waitFor(async () => (await clerk.goto(`${node.internal}/cases/${caseNo}`)).status() === 200 &&
        (await clerk.locator('text=受理决定').count()) > 0, 'the application to reach the window');
      await act(clerk, caseNo, async (p) => {
        await p.check('input[value=request_correction]');
        await p.fill('#missing', '营业执照复印件不清晰\n请补充委托书');
        await Promise.all([p.waitForURL(`**/cases/${caseNo}`), p.click('form[action$="/actions"] button[type=submit] >> text=提交')]);
      });
      assert.match(await clerk.textContent('main'), /待补正/);

      // The citizen sees the notice and sends the corrections.
      await waitFor(async () => { await cp.goto(`${node.external}/account/cases/${caseNo}`); return (await cp.locator('text=需要补正的材料').count()) > 0; }, 'the correction notice');
      assert.match(await cp.textContent('main'), /营业执照复印件不清晰/);
      await cp.setInputFiles('#m2', join(dir, 'm6.pdf'));
      await Promise.all([cp.waitForURL(`**/account/cases/${caseNo}`), cp.click('text=提交补正材料')]);

      // Accept, then every step of the item's flow.
      await waitFor(async () => { await clerk.goto(`${node.internal}/cases/${caseNo}`); return (await clerk.locator('text=受理决定').count()) > 0; }, 'the corrections to arrive');
      await act(clerk, caseNo, async (p) => {
        await p.check('input[value=accept]');
        await Promise.all([p.waitForURL(`**/cases/${caseNo}`), p.click('form[action$="/actions"] button[type=submit] >> text=提交')]);
      });
      assert.match(await clerk.textContent('main'), /承诺办结/);
      const people = {};
      for (const u of ['handler', 'reviewer', 'approver']) people[u] = await staffPage(u);
      for (let step = 0; step < 6; step++) {
        let moved = false;
        for (const u of ['handler', 'reviewer', 'approver']) {
          const p = people[u];
          await p.goto(`${node.internal}/cases/${caseNo}`);
          if (await p.locator('button:has-text("签收本环节")').count()) {
            await Promise.all([p.waitForURL(`**/cases/${caseNo}`), p.click('text=签收本环节')]);
          }
          if (await p.locator('button:has-text("完成本环节，转下一环节")').count()) {
            await p.fill('#step-opinion', '同意');
            await Promise.all([p.waitForURL(`**/cases/${caseNo}`), p.click('text=完成本环节，转下一环节')]);
            moved = true;
            break;
          }
          if (await p.locator('input[name=decision]').count()) {
            await p.check('input[value=approve]');
            await Promise.all([p.waitForURL(`**/cases/${caseNo}`), p.click('button >> text=作出决定')]);
            moved = true;
            break;
          }
        }
        if (!moved) break;
      }
      await clerk.goto(`${node.internal}/cases/${caseNo}`);
      await Promise.all([clerk.waitForURL(`**/cases/${caseNo}`), clerk.click('button >> text=办结')]);
      assert.match(await clerk.textContent('main'), /已办结/);

      // The citizen downloads the certificate and verifies it; a changed copy fails.
      await waitFor(async () => { await cp.goto(`${node.external}/account/cases/${caseNo}`); return (await cp.locator('text=行政许可证书').count()) > 0; }, 'the certificate outside');
      const href = await cp.locator('a >> text=行政许可证书').getAttribute('href');
      const pdf = Buffer.from(await (await cp.request.get(node.external + href)).body());
      assert.equal(pdf.subarray(0, 5).toString(), '%PDF-');
      const docNo = decodeURIComponent(href.split('/').pop());
      await cp.goto(`${node.external}/verify/${docNo}`);
      assert.match(await cp.textContent('main'), /有效/);
      writeFileSync(join(dir, 'good.pdf'), pdf);
      const bad = Buffer.from(pdf);
      bad[Math.floor(bad.length / 2)] ^= 1;
      writeFileSync(join(dir, 'bad.pdf'), bad);
      await cp.setInputFiles('#file', join(dir, 'good.pdf'));
      await Promise.all([cp.waitForLoadState('load'), cp.click('button >> text=核验')]);
      assert.match(await cp.textContent('main'), /文件与签发的文书完全一致/);
      await cp.goto(`${node.external}/verify/${docNo}`);
      await cp.setInputFiles('#file', join(dir, 'bad.pdf'));
      await Promise.all([cp.waitForLoadState('load'), cp.click('button >> text=核验')]);
      assert.match(await cp.textContent('main'), /无效：所提交的文件与签发的文书不一致/);
      // 全过程公开: the status page with the query code shows the conclusion.
      await cp.goto(`${node.external}/services/track?case_no=${caseNo}&code=${code}`);
      assert.match(await cp.textContent('main'), /已办结/);
    });
  });
}
