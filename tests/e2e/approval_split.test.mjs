// The approval path in the browser with the zones split into two nodes, on each backend: an
// external node (zone=external, the portal) and an internal node (zone=internal, the workbench),
// each with its own database, joined only by a shared spool directory. Both nodes pump the
// exchange on their own; every wait for the other zone polls the page with a bounded timeout.
// The citizen registers and applies outside; the clerk asks for corrections inside; the citizen
// corrects outside; 受理 → 承办 → 审核 → 审批 → 办结 inside; the citizen downloads the certificate
// outside, follows the verification link printed under its QR code to the external node's
// verification page, which says the copy is valid and that a changed copy is not.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { startNode, exchangeKey, backends } from '../lib/server.mjs';
import { launch, newContext, screenshots, residentId, ARTIFACTS } from './helpers.mjs';
import { ITEM, approvalPath, materialsDir, waitFor } from './approval_steps.mjs';

/** How long one crossing of the spool may take (each node pumps every 500 ms). */
const CROSSING_MS = 30_000;

/** One value from a node's own database (sqlite3 or psql, as split.test.mjs reads them). */
function scalar(node, sql) {
  const out = node.backend === 'sqlite'
    ? execFileSync('sqlite3', [node.database.slice('sqlite://'.length), sql], { encoding: 'utf8' })
    : execFileSync('psql', [node.database, '-q', '-t', '-A', '-c', sql], { encoding: 'utf8' });
  return out.trim();
}

/** The verification link printed under the QR code of a sealed PDF ("扫码核验：<url>"). */
function verifyLinkOf(pdf, dir) {
  const path = join(dir, 'certificate.pdf');
  writeFileSync(path, pdf);
  const text = execFileSync('pdftotext', ['-enc', 'UTF-8', path, '-'], { encoding: 'utf8' });
  const m = text.match(/扫码核验：\s*(\S+)/);
  assert.ok(m, `the certificate prints its verification link: ${text}`);
  // The QR code itself, read off the rendered page by a barcode reader, says the same.
  execFileSync('pdftoppm', ['-r', '150', '-png', '-singlefile', path, join(dir, 'certificate')]);
  const scanned = execFileSync('zbarimg', ['-q', '--raw', join(dir, 'certificate.png')],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  assert.equal(scanned, m[1], 'the QR code encodes the printed verification link');
  return m[1];
}

for (const backend of backends()) {
  describe(`approval path in the browser across split zones on ${backend}`, () => {
    let spool, extData, outside, inside, browser, dir;
    const citizen = {
      name: '分区申请人',
      login: residentId('37050319920315' + String(Math.floor(Math.random() * 1000)).padStart(3, '0')),
      password: 'Ferry-Across-2024',
    };
    let path;   // what the whole path left behind: {cp, caseNo, code, docNo, pdf}

    before(async () => {
      spool = mkdtempSync(join(tmpdir(), 'yiwang-spool-'));
      // The external node: no demo data of its own; units, the catalogue and the case feedback
      // come through the spool, public accounts are registered on it.
      extData = mkdtempSync(join(tmpdir(), 'yiwang-ext-'));
      writeFileSync(join(extData, 'yiwang.conf'),
        `mode = demo\nsecret = ${randomBytes(32).toString('hex')}\nzone = external\nspool_dir = ${spool}\n`);
      // The internal node: the demo district (staff, catalogue, calendar). The documents it seals
      // carry a QR code that must lead citizens to the external node: public_url says where that
      // is (left unset, it defaults to the internal node's own unserved `external` address), so it
      // is prepared first (its exchange key trusted outside) and served once the portal runs.
      const env = {};
      inside = await startNode({ backend, zone: 'internal', spool, env, peerPublicKey: exchangeKey(extData), start: false });
      outside = await startNode({ backend, zone: 'external', spool, data: extData, demo: false, peerPublicKey: inside.publicKey });
      env.YIWANG_PUBLIC_URL = outside.external;
      await inside.start();
      browser = await launch();
      dir = materialsDir();
    });
    after(async () => {
      await browser?.close();
      await outside?.cleanup();
      await inside?.cleanup();
      for (const d of [extData, spool, dir]) if (d) rmSync(d, { recursive: true, force: true });
    });

    it('each node has its own database and serves only its own zone', async () => {
      assert.notEqual(outside.database, inside.database);
      assert.equal((await (await fetch(outside.external + '/healthz')).json()).zone, 'external');
      assert.equal((await (await fetch(inside.internal + '/healthz')).json()).zone, 'internal');
      await assert.rejects(fetch(outside.internal + '/healthz'), 'no workbench on the external node');
      await assert.rejects(fetch(inside.external + '/healthz'), 'no portal on the internal node');
    });

    it('the catalogue published inside reaches the portal outside', async () => {
      await waitFor(async () => (await fetch(`${outside.external}/services/items/${ITEM}`)).status === 200,
        `${ITEM} on the external node`, CROSSING_MS);
    });

    it('a citizen registers on the external node through the form', async () => {
      const ctx = await newContext(browser);
      const page = await ctx.newPage();
      await page.goto(outside.external + '/register');
      await page.getByLabel('个人（身份证）').check();
      await page.getByLabel('姓名或单位全称').fill(citizen.name);
      await page.getByLabel('身份证号码或统一社会信用代码').fill(citizen.login);
      await page.getByLabel('手机号码').fill('13800000001');
      await page.getByLabel('密码 *', { exact: true }).fill(citizen.password);
      await page.getByLabel('确认密码').fill(citizen.password);
      await page.getByLabel(/我已阅读并同意/).check();
      await Promise.all([page.waitForURL((u) => u.pathname === '/login'), page.getByRole('button', { name: '注册' }).click()]);
      assert.match(await page.locator('.flash').innerText(), /注册成功/);
      await ctx.close();
    });

    it('apply outside → 补正 → accept inside → steps → grant → conclude → download and verify outside', async () => {
      path = await approvalPath({
        browser, external: outside.external, internal: inside.internal, dir, citizen,
        staffPassword: (login) => inside.account(login).password,
        timeoutMs: CROSSING_MS,
        // The link under the certificate's QR code, not a URL made up by the test.
        verifyUrl: (docNo, pdf) => {
          const link = verifyLinkOf(pdf, dir);
          assert.equal(link, `${outside.external}/verify/${encodeURIComponent(docNo)}`,
            'the QR code leads to the verification page of the external node');
          return link;
        },
      });
    });

    it('the case and the sealed documents are in both databases; the seal key stays inside; no packet was rejected', () => {
      assert.ok(path, 'needs the path of the previous test');
      const q = (sql) => sql.replace(':c', `'${path.caseNo}'`);
      for (const node of [outside, inside]) {
        assert.equal(scalar(node, q("SELECT state FROM cases WHERE case_no = :c")), 'concluded', node.zone);
        assert.ok(Number(scalar(node, q('SELECT COUNT(*) FROM documents WHERE case_no = :c'))) >= 2,
          `decision and certificate on the ${node.zone} node`);
      }
      assert.ok(Number(scalar(inside, 'SELECT COUNT(*) FROM seal_keys')) >= 1, 'the department seal key inside');
      assert.equal(scalar(outside, 'SELECT COUNT(*) FROM seal_keys'), '0', 'no seal key on the external node');
      for (const node of [outside, inside]) {
        assert.equal(scalar(node, 'SELECT COUNT(*) FROM exchange_errors'), '0', `no packet rejected by the ${node.zone} node`);
      }
    });

    it("the citizen's case page outside shows the whole process (screenshot)", async () => {
      assert.ok(path, 'needs the path of the previous test');
      const { cp, caseNo } = path;
      await cp.goto(`${outside.external}/account/cases/${caseNo}`);
      const main = await cp.textContent('main');
      assert.match(main, /当前状态\s*已办结/);
      for (const step of ['补正材料已送达', '行政许可决定书', '行政许可证书']) assert.ok(main.includes(step), step);
      await screenshots(browser, cp, `approval-split-${backend}-citizen-case`);
      console.log(`screenshots: ${ARTIFACTS}/approval-split-${backend}-citizen-case-{desktop,phone}.png`);
    });
  });
}
