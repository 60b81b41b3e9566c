// Upload limits on the apply page in chromium, on both databases. A node with small limits (1 MB
// a file, 2 MB a request): the page states both; a file over the per-file limit is named beside
// its field as soon as it is chosen and the form is not sent; files together over the request
// limit are not sent either, with the way out (a draft first); nothing reaches the server then.
// Without JavaScript the server's own check answers, beside the material's field.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startNode, backends } from '../lib/server.mjs';
import { launch, newContext, screenshots } from './helpers.mjs';

const ITEM = 'DH-SCJ-001';  // 食品经营许可（新办）: five required materials
const MB = 1024 * 1024;
const pdf = (bytes, tag) => {
  const head = Buffer.from(`%PDF-1.7\n% ${tag}\n`);
  return Buffer.concat([head, Buffer.alloc(Math.max(0, bytes - head.length - 6), 0x20), Buffer.from('\n%%EOF')]);
};
const file = (name, bytes) => ({ name, mimeType: 'application/pdf', buffer: pdf(bytes, name) });

for (const backend of backends()) {
  describe(`upload limits in the browser on ${backend}`, () => {
    let node, browser, citizen;
    before(async () => {
      node = await startNode({ backend, env: { YIWANG_UPLOAD_MAX_BYTES: String(MB), YIWANG_MAX_BODY_BYTES: String(2 * MB + 512 * 1024) } });
      browser = await launch();
      citizen = node.accounts.find((a) => a.zone === 'external' && a.unit === '个人');
    });
    after(async () => {
      await browser?.close();
      await node?.cleanup();
    });

    async function login(options = {}) {
      const page = await (await newContext(browser, undefined, options)).newPage();
      await page.goto(node.external + '/login');
      await page.fill('#login', citizen.login);
      await page.fill('#password', citizen.password);
      await Promise.all([page.waitForURL('**/account'), page.click('button[type=submit]')]);
      return page;
    }
    const myCases = async (page) => {
      await page.goto(`${node.external}/account/cases`);
      return { text: await page.textContent('main'), drafts: await page.locator('#drafts').count() };
    };

    it('the page states the limits and refuses too large files before sending, in words', async () => {
      const page = await login();
      const before = await myCases(page);
      await page.goto(`${node.external}/services/items/${ITEM}/apply`);
      assert.match(await page.textContent('main'), /每份不超过 1 MB，一次提交的全部材料合计不超过 2 MB/);
      await page.fill('#contact_mobile', '13800000001');

      // One file over 1 MB: named beside its field at once; sending is stopped.
      await page.setInputFiles('#material_1', file('扫描件.pdf', MB + 200 * 1024));
      const note = page.locator('#material_1 ~ .upload-size-error');
      assert.match(await note.textContent(), /“扫描件\.pdf”有 1\.2 MB，超过每份 1 MB 的限制/);
      await page.click('text=提交申请');
      assert.match(await page.textContent('#upload-problem'), /有材料超过每份 1 MB 的限制/);
      assert.ok(await page.locator('#upload-problem').isVisible());
      assert.match(page.url(), /\/apply$/, 'still on the form');
      await screenshots(browser, page, 'upload-limit-file', async (p) => {
        await p.goto(page.url());
        await p.setInputFiles('#material_1', file('扫描件.pdf', MB + 200 * 1024));
        await p.click('text=提交申请');
      });

      // A smaller file clears the note; three files of 0.9 MB are over the 2 MB request.
      await page.setInputFiles('#material_1', file('m1.pdf', 900 * 1024));
      assert.equal(await note.count(), 0);
      await page.setInputFiles('#material_2', file('m2.pdf', 900 * 1024));
      await page.setInputFiles('#material_3', file('m3.pdf', 900 * 1024));
      await page.click('button >> text=保存草稿');
      assert.match(await page.textContent('#upload-problem'), /本次选择的材料合计 2\.6 MB，超过一次提交合计 2 MB 的限制。可先“保存草稿”上传一部分材料/);
      assert.match(page.url(), /\/apply$/);
      const after = await myCases(page);
      assert.equal(after.drafts, before.drafts, 'no draft was saved');
      assert.equal(after.text, before.text, 'nothing reached the server');

      // The way out: two files as a draft, then the rest.
      await page.goto(`${node.external}/services/items/${ITEM}/apply`);
      await page.fill('#contact_mobile', '13800000001');
      await page.setInputFiles('#material_1', file('m1.pdf', 900 * 1024));
      await page.setInputFiles('#material_2', file('m2.pdf', 900 * 1024));
      await Promise.all([page.waitForURL(/\/apply\?draft=\d+$/), page.click('button >> text=保存草稿')]);
      assert.match(await page.textContent('main'), /已上传：m1\.pdf/);
      for (const n of [3, 4, 5]) await page.setInputFiles(`#material_${n}`, file(`m${n}.pdf`, 200 * 1024));
      await Promise.all([page.waitForURL(/\/account\/cases\/DH\d+/), page.click('text=提交申请')]);
      assert.match(await page.textContent('main'), /m5\.pdf/);
    });

    it('without JavaScript the server refuses the file beside its field and keeps nothing', async () => {
      const page = await login({ javaScriptEnabled: false });
      const before = await myCases(page);
      await page.goto(`${node.external}/services/items/${ITEM}/apply`);
      await page.fill('#contact_mobile', '13800000001');
      await page.setInputFiles('#material_4', file('大文件.pdf', MB + 100 * 1024));
      for (const n of [1, 2, 3, 5]) await page.setInputFiles(`#material_${n}`, file(`m${n}.pdf`, 10 * 1024));
      await page.click('text=提交申请');
      const field = page.locator('#material_4 ~ .field-error');
      assert.match(await field.textContent(), /1 MB/);
      const others = await page.locator('#material_1 ~ .field-error').allTextContents();
      assert.equal(others.length, 0, 'only the file at fault: ' + others.join(' / '));
      const after = await myCases(page);
      assert.equal(after.text, before.text, 'no case was created');
    });
  });
}
