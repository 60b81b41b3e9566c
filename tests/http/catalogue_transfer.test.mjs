// The catalogue as a spreadsheet through the internal zone: any staff member downloads it as
// CSV (UTF-8 with BOM) or .xlsx under a dated Chinese file name; the 系统管理员 uploads a file as
// multipart/form-data, its CSRF token one of the form's fields; a file with a bad row changes
// nothing and its rows are listed on the page; a clerk, a missing token and an oversized file
// are refused. The CLI exports and imports the same files.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNode, backends, cli, Client, totp } from '../lib/server.mjs';

const HEADER = '事项编码,事项名称,实施部门编码,事项类型,法定时限,承诺时限,申请材料,办理流程\r\n';
const row = (code, promised = 5) =>
  `${code},导入测试事项 ${code},DH-ZFB,其他行政权力,20,${promised},申请书|原件|1|必需,"受理|受理|1\n审批|审批|1"\r\n`;

/** Logs in through the API (password + TOTP when enrolled); the page forms use the same CSRF token. */
async function staff(node, login) {
  const a = node.account(login);
  const c = new Client(node.internal);
  const body = { username: a.login, password: a.password };
  if (a.totp_secret) body.totp = totp(a.totp_secret);
  const res = await c.post('/api/v1/session', { json: body });
  assert.equal(res.status, 200, `${login}: ${await res.clone().text()}`);
  const j = await res.json();
  assert.equal(j.stage, 'full');
  c.csrf = j.csrf_token;
  return c;
}

/** POSTs the import form as a browser does (multipart/form-data), keeping the client's cookies. */
async function upload(c, { file, name = '事项目录.csv', csrf = c.csrf, publish = false }) {
  const fd = new FormData();
  if (csrf) fd.append('_csrf', csrf);
  if (publish) fd.append('publish', '1');
  fd.append('file', new Blob([file]), name);
  const res = await fetch(c.base + '/admin/items/import', {
    method: 'POST', headers: { cookie: c.cookieHeader() }, body: fd, redirect: 'manual',
  });
  for (const ck of res.headers.getSetCookie()) {
    const [pair] = ck.split(';');
    const eq = pair.indexOf('=');
    if (/Max-Age=0/i.test(ck) || eq === pair.length - 1) c.cookies.delete(pair.slice(0, eq)); else c.cookies.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
  return res;
}

for (const backend of backends()) {
  describe(`catalogue import and export on ${backend}`, () => {
    let node, admin, clerk;
    before(async () => {
      node = await startNode({ backend });
      admin = await staff(node, 'sysadmin');
      clerk = await staff(node, 'clerk');
    });
    after(async () => { await node?.cleanup(); });

    it('any staff member exports the catalogue as CSV or .xlsx, named by date', async () => {
      const res = await clerk.get('/admin/items/export.csv');
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type'), /^text\/csv; charset=utf-8/);
      const cd = res.headers.get('content-disposition');
      assert.match(cd, /^attachment; filename="catalogue-\d{4}-\d{2}-\d{2}\.csv"; filename\*=UTF-8''%E4%BA%8B%E9%A1%B9%E7%9B%AE%E5%BD%95-\d{4}-\d{2}-\d{2}\.csv$/);
      const bytes = Buffer.from(await res.arrayBuffer());
      assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'UTF-8 BOM for Excel');
      const text = bytes.toString('utf8');
      assert.ok(text.startsWith('\ufeff事项编码,事项名称,实施部门编码,实施部门,事项类型,'));
      assert.equal(text.match(/\r\nDH-[A-Z0-9-]+,/g).length, 304, 'one row per demo item');

      const drafts = await (await clerk.get('/admin/items/export.csv?status=draft')).text();
      assert.equal(drafts.split('\r\n').filter(Boolean).length, 1, 'the list filter applies: no drafts, only the header');

      const x = await clerk.get('/admin/items/export.xlsx');
      assert.equal(x.status, 200);
      assert.equal(x.headers.get('content-type'), 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
      assert.match(x.headers.get('content-disposition'), /\.xlsx$/);
      const xb = Buffer.from(await x.arrayBuffer());
      assert.equal(xb.subarray(0, 4).toString('binary'), 'PK\x03\x04');

      const page = await (await clerk.get('/admin/items')).text();
      assert.match(page, /href="\/admin\/items\/export.xlsx"/);
      assert.doesNotMatch(page, /action="\/admin\/items\/import"/, 'only the 系统管理员 sees the import form');
    });

    it('a licence\'s certificate term: in the export, the guide and the edit form (bad input changes nothing)', async () => {
      const text = await (await clerk.get('/admin/items/export.csv')).text();
      assert.match(text.split('\r\n')[0], /,全程网办,证照有效期（年）,申请材料,/);
      assert.match(text.split('\r\n').find((l) => l.startsWith('DH-SCJ-001,')), /,(是|否),5,/, '食品经营许可证: five years');
      const guide = await (await fetch(`${node.external}/services/items/DH-SCJ-001`)).text();
      assert.match(guide, /<dt>证照有效期<\/dt><dd>5 年<\/dd>/);
      const form = await (await admin.get('/admin/items/DH-SCJ-001')).text();
      assert.match(form, /name="valid_years" maxlength="4" inputmode="numeric" value="5"/);
      const fields = {};
      for (const m of form.matchAll(/<(?:input|textarea)[^>]*name="([a-z_]+)"[^>]*?(?:value="([^"]*)")?[^>]*>(?:([^<]*)<\/textarea>)?/g)) fields[m[1]] = m[3] ?? m[2] ?? '';
      const kind = form.match(/<option value="([a-z]+)"[^>]*selected/);
      const dept = form.match(/name="dept_unit_id"[\s\S]*?<option value="(\d+)"[^>]*selected/);
      const decode = (v) => v.replace(/&#10;/g, '\n').replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>');
      const body = new URLSearchParams();
      for (const [k, v] of Object.entries(fields)) body.set(k, decode(v));
      body.set('_csrf', admin.csrf);
      if (kind) body.set('kind', kind[1]);
      if (dept) body.set('dept_unit_id', dept[1]);
      body.set('valid_years', '99');
      const versions = await (await admin.get('/admin/items/DH-SCJ-001')).text();
      const bad = await admin.post('/admin/items/DH-SCJ-001', { form: Object.fromEntries(body) });
      assert.equal(bad.status, 400, await bad.clone().text());
      const html = await bad.text();
      assert.match(html, /<li>证照有效期应为 1 到 50 年，或“长期”；不确定的不填<\/li>/);
      assert.match(html, /name="valid_years" maxlength="4" inputmode="numeric" value="99"/, 'what was typed stays');
      assert.equal(await (await admin.get('/admin/items/DH-SCJ-001')).text(), versions, 'no new version');
    });

    it('the 系统管理员 imports a file posted as multipart/form-data', async () => {
      const page = await (await admin.get('/admin/items')).text();
      assert.match(page, /<form method="post" action="\/admin\/items\/import" enctype="multipart\/form-data"/);
      const res = await upload(admin, { file: HEADER + row('DH-ZFB-901') + row('DH-ZFB-902'), publish: true });
      assert.equal(res.status, 303, await res.clone().text());
      assert.equal(res.headers.get('location'), '/admin/items');
      const after = await (await admin.get('/admin/items')).text();
      assert.match(after, /已导入 2 个事项（新建 2 个/);
      const item = await (await admin.get('/admin/items/DH-ZFB-901')).text();
      assert.match(item, /已发布/);

      // The same file again, as .xlsx and unpublished: new draft versions beside the published ones.
      const xlsx = Buffer.from(await (await admin.get('/admin/items/export.xlsx?q=' + encodeURIComponent('导入测试'))).arrayBuffer());
      const again = await upload(admin, { file: xlsx, name: 'export.xlsx' });
      assert.equal(again.status, 303, await again.clone().text());
      assert.match(await (await admin.get('/admin/items')).text(), /已导入 2 个事项（新建 0 个，新版本 2 个/);
    });

    it('a file with a bad row changes nothing and lists the rows', async () => {
      const res = await upload(admin, { file: HEADER + row('DH-ZFB-903') + row('DH-ZFB-904', 30) + row('DH-ZFB-905').replace('DH-ZFB,', 'NOPE,') });
      assert.equal(res.status, 400);
      const html = await res.text();
      assert.match(html, /导入文件中有 2 处错误，未导入任何事项/);
      assert.match(html, /<li>第 3 行：承诺时限应为 1 个工作日以上，且不超过法定时限<\/li>/);
      assert.match(html, /<li>第 4 行：实施部门编码不存在：NOPE<\/li>/);
      assert.equal((await admin.get('/admin/items/DH-ZFB-903')).status, 404, 'the good row was not imported either');

      const header = await upload(admin, { file: '事项编码,事项名称\r\nA,B\r\n' });
      assert.equal(header.status, 400);
      assert.match(await header.text(), /缺少“实施部门编码”列/);
      const png = await upload(admin, { file: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0]), name: 'a.png' });
      assert.equal(png.status, 415);
    });

    it('refuses a clerk, a form without its CSRF token and a file over 5 MB', async () => {
      const file = HEADER + row('DH-ZFB-906');
      assert.equal((await upload(clerk, { file })).status, 403);
      assert.equal((await upload(admin, { file, csrf: '' })).status, 403);
      assert.equal((await upload(admin, { file, csrf: 'x'.repeat(40) })).status, 403);
      const big = await upload(admin, { file: HEADER + ' '.repeat(6 * 1024 * 1024) });
      assert.equal(big.status, 413);
      assert.match(await big.text(), /超过了导入上限 5 MB/);
      assert.equal((await admin.get('/admin/items/DH-ZFB-906')).status, 404);
    });

    it('the edit form reads the same one-line-per-entry text as the file cells', async () => {
      const form = {
        _csrf: admin.csrf, code: 'DH-ZFB-950', name: '表单事项', dept_unit_id: '0', kind: 'other', statutory_days: '20',
        promised_days: '5', materials: '申请书｜原件｜1｜必需\n证明|扫描件', fees: '', steps: '受理|受理|1\n审批|审批|1',
      };
      const units = (await (await admin.get('/api/v1/units')).json()).units;
      form.dept_unit_id = String(units.find((u) => u.code === 'DH-ZFB').id);
      const bad = await admin.post('/admin/items/new', { form });
      assert.equal(bad.status, 400);
      assert.match(await bad.text(), /申请材料第 2 条：第 2 栏应为“原件”或“复印件”，而不是“扫描件”/);
      form.materials = '申请书｜原件｜1｜必需\n证明|复印件|2|可选|加盖公章';
      const ok = await admin.post('/admin/items/new', { form });
      assert.equal(ok.status, 303, await ok.clone().text());
      const page = await (await admin.get('/admin/items/DH-ZFB-950')).text();
      assert.match(page, /申请书\|原件\|1\|必需\n证明\|复印件\|2\|可选\|加盖公章<\/textarea>/);
    });

    it('a draft\'s material gets a 空白表格 the public downloads once the version is published', async () => {
      const post = async (c, path, fields, file) => {
        const fd = new FormData();
        for (const [k, v] of Object.entries(fields)) fd.append(k, v);
        if (file) fd.append('sample', new Blob([file.bytes]), file.name);
        return fetch(c.base + path, { method: 'POST', headers: { cookie: c.cookieHeader() }, body: fd, redirect: 'manual' });
      };
      const form = Buffer.from('%PDF-1.7\n% 申请书（空白）\n%%EOF\n');
      const code = 'DH-ZFB-950';  // the draft made by the test before
      let page = await (await admin.get(`/admin/items/${code}`)).text();
      assert.match(page, /id="samples"/);
      assert.match(page, /name="material_no" value="1"/, 'a draft offers the upload');
      // Bad input changes nothing: a program instead of a form, no file, not the administrator, no token.
      let r = await post(admin, `/admin/items/${code}/samples`, { _csrf: admin.csrf, material_no: '1' }, { bytes: 'MZ\x90 program', name: 'form.exe' });
      assert.equal(r.status, 415);
      assert.match(await r.text(), /data-form-error>样表文件不符合要求：文件类型不符合要求/);
      r = await post(admin, `/admin/items/${code}/samples`, { _csrf: admin.csrf, material_no: '1' });
      assert.equal(r.status, 400);
      r = await post(clerk, `/admin/items/${code}/samples`, { _csrf: clerk.csrf, material_no: '1' }, { bytes: form, name: 'a.pdf' });
      assert.equal(r.status, 403);
      r = await post(admin, `/admin/items/${code}/samples`, { material_no: '1' }, { bytes: form, name: 'a.pdf' });
      assert.equal(r.status, 403, 'CSRF token required');
      assert.doesNotMatch(await (await admin.get(`/admin/items/${code}`)).text(), /\/samples\/[0-9a-f]{64}/);

      r = await post(admin, `/admin/items/${code}/samples`, { _csrf: admin.csrf, material_no: '1' }, { bytes: form, name: '申请书（空白）.pdf' });
      assert.equal(r.status, 303);
      assert.match(r.headers.get('location'), /#samples$/);
      page = await (await admin.get(`/admin/items/${code}`)).text();
      const sm3 = page.match(/\/admin\/items\/DH-ZFB-950\/samples\/([0-9a-f]{64})/)[1];
      assert.equal((await fetch(`${node.external}/services/items/${code}/samples/${sm3}`)).status, 404, 'a draft is not public');
      assert.match(page, /action="\/admin\/items\/DH-ZFB-950\/publish"/, 'a draft is offered 发布');
      assert.doesNotMatch(page, /在外网查看办事指南/, 'and has no guide page yet');
      assert.equal((await admin.post(`/admin/items/${code}/publish`, { form: { _csrf: admin.csrf } })).status, 303);
      // Published: no second 发布; the guide page is linked on the external zone's own address.
      page = await (await admin.get(`/admin/items/${code}`)).text();
      assert.doesNotMatch(page, /action="\/admin\/items\/DH-ZFB-950\/publish"/);
      assert.ok(page.includes(`href="${node.external}/services/items/${code}" target="_blank" rel="noopener">在外网查看办事指南</a>`), 'the external address');
      let guide;
      for (let i = 0; i < 100; i++) {
        guide = await (await fetch(`${node.external}/services/items/${code}`)).text();
        if (guide.includes(sm3)) break;
        await new Promise((res) => setTimeout(res, 50));
      }
      assert.ok(guide.includes(`href="/services/items/${code}/samples/${sm3}" download title="申请书（空白）.pdf">下载样表</a>`), 'linked from the 办事指南');
      const got = await fetch(`${node.external}/services/items/${code}/samples/${sm3}`);
      assert.equal(got.status, 200);
      assert.equal(got.headers.get('content-type'), 'application/pdf');
      assert.equal(got.headers.get('content-disposition'), `attachment; filename="${code}-sample.pdf"; filename*=UTF-8''${encodeURIComponent('申请书（空白）.pdf')}`);
      assert.ok(Buffer.from(await got.arrayBuffer()).equals(form), 'byte for byte');
      const api = await (await fetch(`${node.external}/api/v1/items/${code}`)).json();
      assert.equal(api.materials[0].sample.sm3, sm3);
      assert.equal(api.materials[0].sample.href, `/services/items/${code}/samples/${sm3}`);
      assert.equal(api.materials[1].sample, undefined);
      assert.equal((await fetch(`${node.external}/services/items/${code}/samples/${'0'.repeat(64)}`)).status, 404);
      // Published: no more changes to this version.
      page = await (await admin.get(`/admin/items/${code}`)).text();
      assert.doesNotMatch(page, /name="material_no"/, 'no upload on a published version');
      r = await post(admin, `/admin/items/${code}/samples`, { _csrf: admin.csrf, material_no: '2' }, { bytes: form, name: 'b.pdf' });
      assert.equal(r.status, 409);
      assert.match(await r.text(), /不能再修改：请先保存为新版本草稿/);
    });

    it('the command line exports and imports the same files', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'yiwang-cat-'));
      try {
        const args = ['--data', node.data, '--database', node.database];
        const out = join(dir, 'catalogue.xlsx');
        const ex = cli(['catalogue', 'export', ...args, '--out', out]);
        assert.equal(ex.status, 0, ex.stderr);
        assert.match(ex.stdout, /已导出 307 个事项/);
        assert.equal(readFileSync(out).subarray(0, 2).toString(), 'PK');
        const bad = join(dir, 'bad.csv');
        writeFileSync(bad, HEADER + row('DH-ZFB-907', 30));
        const r = cli(['catalogue', 'import', bad, ...args]);
        assert.equal(r.status, 1);
        assert.match(r.stderr, /第 2 行：承诺时限应为/);
        const good = join(dir, 'good.csv');
        writeFileSync(good, HEADER + row('DH-ZFB-907'));
        const ok = cli(['catalogue', 'import', good, '--publish', ...args]);
        assert.equal(ok.status, 0, ok.stderr);
        assert.match(ok.stdout, /已导入 1 个事项：新建 1/);
        assert.equal((await fetch(node.external + '/services/items/DH-ZFB-907')).status, 200, 'published to the 办事指南');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}
