// The browser steps of the approval path, shared by the single-node test (approval.test.mjs)
// and the split-zone test (approval_split.test.mjs). Every step takes the base URL of the zone
// it runs in — `external` for the citizen's pages, `internal` for the staff's — so that the same
// steps drive one node serving both zones or two nodes joined by a spool directory. Steps that
// wait for something to come from the other zone poll the page with a bounded timeout.
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newContext } from './helpers.mjs';

export const ITEM = 'DH-SCJ-001';   // 食品经营许可（新办）, handled by 市场监督管理局

/** Polls fn (every 100 ms) until it returns a truthy value; fails after timeoutMs. */
export async function waitFor(fn, what, timeoutMs = 20_000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await fn()) return;
    if (Date.now() >= end) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A directory with six small PDF materials m1.pdf … m6.pdf; the certificate copies go there too. */
export function materialsDir() {
  const dir = mkdtempSync(join(tmpdir(), 'yiwang-e2e-files-'));
  for (let n = 1; n <= 6; n++) writeFileSync(join(dir, `m${n}.pdf`), `%PDF-1.7\n% material ${n}\n%%EOF\n`);
  return dir;
}

/** A staff member logged in on the internal workbench (roles without TOTP). */
export async function staffPage(browser, internal, username, password) {
  const ctx = await newContext(browser);
  const page = await ctx.newPage();
  await page.goto(internal + '/login');
  await page.fill('#username', username);
  await page.fill('#password', password);
  await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/login')), page.click('button[type=submit]')]);
  return page;
}

/** A citizen logged in on the external portal. */
export async function citizenPage(browser, external, login, password) {
  const cctx = await newContext(browser);
  const cp = await cctx.newPage();
  await cp.goto(external + '/login');
  await cp.fill('#login', login);
  await cp.fill('#password', password);
  await Promise.all([cp.waitForURL('**/account'), cp.click('button[type=submit]')]);
  return cp;
}

/** The citizen applies for ITEM with one file per material; returns {caseNo, code}. */
export async function apply(cp, external, dir) {
  await cp.goto(`${external}/services/items/${ITEM}`);
  await Promise.all([cp.waitForURL('**/apply'), cp.click('text=在线申报')]);
  // The 申请书 comes with a blank form to print (demo catalogue): it downloads as a one-page PDF.
  const [blank] = await Promise.all([cp.waitForEvent('download'), cp.click('a:has-text("下载样表")')]);
  const form = await readFile(await blank.path());
  assert.match(form.subarray(0, 5).toString(), /^%PDF-/);
  await cp.fill('#contact_mobile', '13800000001');
  const inputs = await cp.locator('input[type=file]').count();
  for (let n = 1; n <= inputs; n++) await cp.setInputFiles(`#material_${n}`, join(dir, `m${n}.pdf`));
  await Promise.all([cp.waitForURL(/\/account\/cases\/DH\d+/), cp.click('text=提交申请')]);
  const caseNo = cp.url().match(/cases\/(DH\d+)/)[1];
  // The query code is shown once on the case page, never in its address.
  assert.doesNotMatch(cp.url(), /code=/);
  const code = (await cp.textContent('main')).match(/查询码\s*(\d{6})\s*：请妥善保存/)?.[1];
  assert.ok(code, 'the query code is shown');
  return { caseNo, code };
}

async function act(page, internal, caseNo, fill) {
  await page.goto(`${internal}/cases/${caseNo}`);
  await fill(page);
  await page.waitForLoadState('load');
}

/** The window clerk waits for the application and asks once for everything missing. */
export async function requestCorrections(clerk, internal, caseNo, timeoutMs) {
  await waitFor(async () => (await clerk.goto(`${internal}/cases/${caseNo}`)).status() === 200 &&
    (await clerk.locator('text=受理决定').count()) > 0, 'the application to reach the window', timeoutMs);
  await act(clerk, internal, caseNo, async (p) => {
    // Nothing listed: refused, and the error (far down the page, beside the form) is brought into
    // view and focused, not left below the fold of the page that comes back at its top.
    // Nothing is preselected; each choice shows its own fields only (the list for 补正, the
    // grounds for 不予受理).
    assert.ok(!(await p.isChecked('input[value=accept]')), 'no answer is preselected');
    assert.ok(!(await p.isVisible('#missing')) && !(await p.isVisible('#authority')));
    await p.check('input[value=refuse]');
    assert.ok(await p.isVisible('#authority') && !(await p.isVisible('#missing')));
    await p.check('input[value=request_correction]');
    assert.ok(await p.isVisible('#missing') && !(await p.isVisible('#authority')));
    await Promise.all([p.waitForURL(`**/cases/${caseNo}/actions`), p.click('form[action$="/actions"] button[type=submit] >> text=提交')]);
    const shown = await p.locator('[data-form-error]').evaluate((el) => {
      const r = el.getBoundingClientRect();
      return { text: el.textContent, inView: r.top >= 0 && r.bottom <= window.innerHeight, focused: document.activeElement === el };
    });
    assert.match(shown.text, /补正告知须一次列明全部需补正的材料/);
    assert.ok(shown.inView, 'the error is in view');
    assert.ok(shown.focused, 'the error has the focus');
    // The choice made stays chosen: the next click must not accept the case instead.
    assert.ok(await p.isChecked('input[value=request_correction]'), '补正 is still the chosen decision');
    assert.ok(!(await p.isChecked('input[value=accept]')));
    await p.fill('#missing', '营业执照复印件不清晰\n请补充委托书');
    await Promise.all([p.waitForURL(`**/cases/${caseNo}`), p.click('form[action$="/actions"] button[type=submit] >> text=提交')]);
  });
  assert.match(await clerk.textContent('main'), /待补正/);
}

/** The citizen sees the correction notice and sends the corrections. */
export async function sendCorrections(cp, external, caseNo, dir, timeoutMs) {
  await waitFor(async () => {
    await cp.goto(`${external}/account/cases/${caseNo}`);
    return (await cp.locator('text=需要补正的材料').count()) > 0;
  }, 'the correction notice', timeoutMs);
  assert.match(await cp.textContent('main'), /营业执照复印件不清晰/);
  assert.match(await cp.textContent('main'), /补正期限：请于 \d{4}-\d{2}-\d{2} 前提交全部补正材料/);
  // Each of the item's materials by name: the one asked for is 2. 营业执照复印件.
  assert.match(await cp.textContent('label[for="c-material_2"]'), /^2\. 营业执照复印件/);
  await cp.setInputFiles('#c-material_2', join(dir, 'm6.pdf'));
  await Promise.all([cp.waitForURL(`**/account/cases/${caseNo}`), cp.click('button:has-text("提交补正材料")')]);
}

/** The clerk waits for the corrections and accepts. */
export async function accept(clerk, internal, caseNo, timeoutMs) {
  await waitFor(async () => {
    await clerk.goto(`${internal}/cases/${caseNo}`);
    return (await clerk.locator('input[value=accept]').count()) > 0;  // the acceptance form is back
  }, 'the corrections to arrive', timeoutMs);
  await act(clerk, internal, caseNo, async (p) => {
    // Before deciding, the clerk opens what the applicant sent (the correction among it).
    const link = p.locator(`a[href^="/cases/${caseNo}/materials/"]`).last();
    const [download] = await Promise.all([p.waitForEvent('download'), link.click()]);
    assert.match(download.suggestedFilename(), /\.pdf$/);
    assert.match((await readFile(await download.path())).subarray(0, 5).toString(), /^%PDF-/);
    await p.check('input[value=accept]');
    await Promise.all([p.waitForURL(`**/cases/${caseNo}`), p.click('form[action$="/actions"] button[type=submit] >> text=提交')]);
  });
  assert.match(await clerk.textContent('main'), /承诺办结/);
}

/** 承办 → 审核 → 审批: each signs and completes their step; the approver grants. */
export async function workSteps(people, internal, caseNo) {
  let attached = false;
  for (let step = 0; step < 6; step++) {
    let moved = false;
    for (const u of ['handler', 'reviewer', 'approver']) {
      const p = people[u];
      await p.goto(`${internal}/cases/${caseNo}`);
      if (await p.locator('button:has-text("签收本环节")').count()) {
        await Promise.all([p.waitForURL(`**/cases/${caseNo}`), p.click('text=签收本环节')]);
      }
      if (await p.locator('button:has-text("完成本环节，转下一环节")').count()) {
        await p.fill('#step-opinion', '同意');
        await p.check('input[name=proposal][value=approve]');  // 拟办意见
        if (!attached) {  // the first step's handler attaches the site inspection record (办理附件)
          await p.setInputFiles('#step-files', { name: '现场核查记录.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.7\n% 现场核查\n%%EOF\n') });
        }
        await Promise.all([p.waitForURL(`**/cases/${caseNo}`), p.click('text=完成本环节，转下一环节')]);
        // Told what was done and where the case went (not only "已办理：办理中").
        assert.match(await p.textContent('main'), /已完成本环节，转入“[^”]+”环节，等待签收/);
        if (!attached) {
          assert.equal(await p.locator('.timeline a:has-text("现场核查记录.pdf")').count(), 1, 'the attachment is listed under its step');
          attached = true;
        }
        moved = true;
        break;
      }
      if (await p.locator('input[name=decision]').count()) {
        // The steps' 拟办意见 stand beside the decision form.
        assert.match(await p.textContent('main'), /前面环节的拟办意见[\s\S]*拟准予许可/);
        await p.check('input[value=approve]');
        await Promise.all([p.waitForURL(`**/cases/${caseNo}`), p.click('button >> text=作出决定')]);
        assert.match(await p.textContent('main'), /已作出准予许可决定，决定书已签章/);
        moved = true;
        break;
      }
    }
    if (!moved) break;
  }
}

/** The clerk concludes the case. */
export async function conclude(clerk, internal, caseNo) {
  await clerk.goto(`${internal}/cases/${caseNo}`);
  await Promise.all([clerk.waitForURL(`**/cases/${caseNo}`), clerk.click('button >> text=办结')]);
  assert.match(await clerk.textContent('main'), /已办结/);
}

/** The citizen waits for the certificate on their case page and downloads it; returns {docNo, pdf}. */
export async function downloadCertificate(cp, external, caseNo, timeoutMs) {
  await waitFor(async () => {
    await cp.goto(`${external}/account/cases/${caseNo}`);
    return (await cp.locator('text=行政许可证书').count()) > 0;
  }, 'the certificate outside', timeoutMs);
  const href = await cp.locator('a >> text=行政许可证书').getAttribute('href');
  const pdf = Buffer.from(await (await cp.request.get(external + href)).body());
  assert.equal(pdf.subarray(0, 5).toString(), '%PDF-');
  const docNo = decodeURIComponent(href.split('/').pop());
  return { docNo, pdf };
}

/**
 * On the verification page at verifyUrl: the signature is valid, the downloaded copy matches,
 * and a copy with one changed bit is rejected.
 */
export async function verifyCertificate(cp, verifyUrl, pdf, dir) {
  await cp.goto(verifyUrl);
  assert.match(await cp.textContent('main'), /有效/);
  assert.match(await cp.textContent('main'), /姓名或名称部分隐藏/, 'a number alone shows the holder masked');
  writeFileSync(join(dir, 'good.pdf'), pdf);
  const bad = Buffer.from(pdf);
  bad[Math.floor(bad.length / 2)] ^= 1;
  writeFileSync(join(dir, 'bad.pdf'), bad);
  await cp.setInputFiles('#file', join(dir, 'good.pdf'));
  await Promise.all([cp.waitForLoadState('load'), cp.click('button >> text=核验')]);
  assert.match(await cp.textContent('main'), /文件与签发的文书完全一致/);
  assert.doesNotMatch(await cp.textContent('main'), /部分隐藏/, 'whoever holds the very file sees the name as certified');
  await cp.goto(verifyUrl);
  await cp.setInputFiles('#file', join(dir, 'bad.pdf'));
  await Promise.all([cp.waitForLoadState('load'), cp.click('button >> text=核验')]);
  assert.match(await cp.textContent('main'), /无效：所提交的文件与签发的文书不一致/);
}

/** 全过程公开: the status page with the query code shows the conclusion. */
export async function trackConcluded(cp, external, caseNo, code) {
  await cp.goto(`${external}/services/track?case_no=${caseNo}&code=${code}`);
  assert.match(await cp.textContent('main'), /已办结/);
}

/**
 * The whole path: apply → 补正 → accept → steps → grant → conclude → download and verify.
 * env: {browser, external, internal, citizen: {login, password}, staffPassword(login), dir,
 *       timeoutMs (for each wait across the zones), verifyUrl(docNo, pdf) (default: the external
 *       node's /verify/<doc_no>)}.
 * Returns {cp (the citizen's page), caseNo, code, docNo, pdf}.
 */
export async function approvalPath(env) {
  const { browser, external, internal, dir, timeoutMs } = env;
  const cp = await citizenPage(browser, external, env.citizen.login, env.citizen.password);
  const { caseNo, code } = await apply(cp, external, dir);

  const clerk = await staffPage(browser, internal, 'scjclerk', env.staffPassword('scjclerk'));
  await requestCorrections(clerk, internal, caseNo, timeoutMs);
  await sendCorrections(cp, external, caseNo, dir, timeoutMs);
  await accept(clerk, internal, caseNo, timeoutMs);

  const people = {};
  for (const u of ['handler', 'reviewer', 'approver']) people[u] = await staffPage(browser, internal, u, env.staffPassword(u));
  await workSteps(people, internal, caseNo);
  await conclude(clerk, internal, caseNo);

  const { docNo, pdf } = await downloadCertificate(cp, external, caseNo, timeoutMs);
  const verifyUrl = env.verifyUrl ? await env.verifyUrl(docNo, pdf) : `${external}/verify/${docNo}`;
  await verifyCertificate(cp, verifyUrl, pdf, dir);
  await trackConcluded(cp, external, caseNo, code);
  return { cp, caseNo, code, docNo, pdf };
}
