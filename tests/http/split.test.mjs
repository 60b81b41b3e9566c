// Split deployment: an external-only node (portal, public accounts) and an internal-only node
// (workbench), each with its own database, joined only by a shared spool directory (the ferry
// of a 网闸). Registrations travel inward, units travel outward, and packets written while the
// other side is down arrive when it comes back.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes, randomInt } from 'node:crypto';
import { startNode, exchangeKey, backends, Client, totp, csrfFrom, residentId } from '../lib/server.mjs';

/** The table row of an HTML page that has a cell with exactly this text, or ''. */
function rowWith(html, cellText) {
  const row = html.split(/<tr[\s>]/).find((r) => new RegExp(`<td[^>]*>${cellText}</td>`).test(r)) || '';
  return row.split('</tr>')[0];
}
const textOf = (html) => html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
const masked = (id) => id.slice(0, 6) + '********' + id.slice(14);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls fn until it returns a truthy value (or gives up after timeoutMs and returns the last value). */
async function eventually(fn, timeoutMs = 15000) {
  const end = Date.now() + timeoutMs;
  let v;
  while (Date.now() < end) {
    v = await fn();
    if (v) return v;
    await sleep(250);
  }
  return v;
}

/** Rows of the node's public_accounts table, read directly from its database. */
function publicRows(node, idNumber) {
  const sql = `SELECT id, name, id_number, length(password_hash) FROM public_accounts WHERE id_number = '${idNumber}'`;
  const out = node.backend === 'sqlite'
    ? execFileSync('sqlite3', ['-separator', '|', node.database.slice('sqlite://'.length), sql], { encoding: 'utf8' })
    : execFileSync('psql', [node.database, '-q', '-t', '-A', '-F', '|', '-c', sql], { encoding: 'utf8' });
  return out.trim().split('\n').filter(Boolean).map((l) => {
    const [id, name, id_number, pwlen] = l.split('|');
    return { id: Number(id), name, id_number, password_hash_length: Number(pwlen) };
  });
}

async function register(node, name) {
  const id = residentId();
  const res = await fetch(node.external + '/api/v1/accounts', {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ kind: 'citizen', name, id_number: id, mobile: '13' + String(randomInt(1e9)).padStart(9, '0'), password: 'ferry-across-2024' }),
  });
  assert.equal(res.status, 201, await res.clone().text());
  return { id, name, account: await res.json() };
}

for (const backend of backends()) {
  describe(`split zones on ${backend}`, () => {
    let spool, extData, inside, outside, sys;
    let citizen, citizenClient;   // registered outside in the list test, used by the lock tests
    let sec;                      // the security administrator's session inside
    const loginOutside = (p) => fetch(outside.external + '/api/v1/session', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login: p.id, password: 'ferry-across-2024' }),
    });

    /** The public accounts page of the internal node, as the system administrator sees it. */
    const accountsPage = async () => {
      const res = await sys.get('/admin/accounts');
      assert.equal(res.status, 200);
      return res.text();
    };

    before(async () => {
      spool = mkdtempSync(join(tmpdir(), 'yiwang-spool-'));
      extData = mkdtempSync(join(tmpdir(), 'yiwang-ext-'));
      writeFileSync(join(extData, 'yiwang.conf'),
        `mode = demo\nsecret = ${randomBytes(32).toString('hex')}\nzone = external\nspool_dir = ${spool}\n`);
      // Each node trusts the other's exchange key (`yiwang exchange key` / `trust`) before serving.
      inside = await startNode({ backend, zone: 'internal', spool, peerPublicKey: exchangeKey(extData) });
      outside = await startNode({ backend, zone: 'external', spool, data: extData, demo: false, peerPublicKey: inside.publicKey });

      const a = inside.account('sysadmin');
      sys = new Client(inside.internal);
      const res = await sys.post('/api/v1/session', { json: { username: a.login, password: a.password, totp: totp(a.totp_secret) } });
      assert.equal(res.status, 200, await res.clone().text());
      sys.csrf = (await res.json()).csrf_token;
    });
    after(async () => {
      await outside?.cleanup();
      await inside?.cleanup();
      for (const d of [extData, spool]) if (d) rmSync(d, { recursive: true, force: true });
    });

    it('each node serves only its own zone', async () => {
      const ext = await (await fetch(outside.external + '/healthz')).json();
      assert.equal(ext.zone, 'external');
      const int = await (await fetch(inside.internal + '/healthz')).json();
      assert.equal(int.zone, 'internal');
      await assert.rejects(fetch(outside.internal + '/healthz'), 'no internal listener on the external node');
      await assert.rejects(fetch(inside.external + '/healthz'), 'no external listener on the internal node');
    });

    it('the units of the internal node reach the external portal', async () => {
      const html = await eventually(async () => {
        const h = await (await fetch(outside.external + '/')).text();
        return h.includes('东河区行政审批服务局') && h.includes('河口镇') ? h : null;
      });
      assert.ok(html, 'departments and towns appear on the external home page');
    });

    it('the first registrations outside arrive inside under their own ID numbers', async () => {
      const first = await register(outside, '分区首位');
      const second = await register(outside, '分区次位');
      for (const p of [first, second]) {
        const rows = await eventually(() => {
          const r = publicRows(inside, p.id);
          return r.length ? r : null;
        }, 3000);
        assert.ok(rows && rows.length === 1, `${p.name} (${p.id}) is in the internal mirror`);
        assert.equal(rows[0].name, p.name);
        assert.equal(rows[0].password_hash_length, 0, 'no password hash crosses the gap');
      }
      const html = await accountsPage();
      for (const p of [first, second]) assert.ok(textOf(rowWith(html, p.name)).includes(masked(p.id)), `${p.name} is listed with their own ID number`);
    });

    // Runs after the test above has used external ids 1 and 2 (the ids of the internal demo's own
    // public accounts), so that this registration does not collide with them.
    it('a citizen registered outside shows up in the internal public accounts list', async () => {
      const p = await register(outside, '分区' + randomBytes(2).toString('hex'));
      const html = await eventually(async () => {
        const h = await accountsPage();
        return rowWith(h, p.name) ? h : null;
      });
      assert.ok(html, 'the name appears on /admin/accounts');
      const row = textOf(rowWith(html, p.name));
      assert.ok(row.includes('个人'), row);
      assert.ok(row.includes(masked(p.id)), `with the masked ID number: ${row}`);
      assert.ok(!html.includes(p.id), 'the full ID number is not shown');
      const rows = publicRows(inside, p.id);
      assert.equal(rows.length, 1);
      assert.equal(rows[0].password_hash_length, 0, 'the internal mirror holds no password hash');
      // The account logs in outside.
      citizen = p;
      citizenClient = new Client(outside.external);
      const login = await citizenClient.post('/api/v1/session', { json: { login: p.id, password: 'ferry-across-2024' } });
      assert.equal(login.status, 200);
    });

    it('a public account locked by the security administrator inside is locked outside', async () => {
      assert.ok(citizen, 'needs the account registered by the previous test');
      const a = inside.account('secadmin');
      sec = new Client(inside.internal);
      const res = await sec.post('/api/v1/session', { json: { username: a.login, password: a.password, totp: totp(a.totp_secret) } });
      assert.equal(res.status, 200, await res.clone().text());
      const page = await (await sec.get('/admin/accounts')).text();
      const lockAction = `/admin/accounts/${citizen.account.id}/lock`;
      assert.ok(page.includes(`action="${lockAction}"`), 'the security administrator is offered a lock button');
      const lock = await sec.post(lockAction, { form: { _csrf: csrfFrom(page) } });
      assert.equal(lock.status, 303);
      const flash = await (await sec.get('/admin/accounts')).text();
      assert.match(flash, /已提交锁定，将经数据交换在外网生效/);
      const locked = await eventually(async () => {
        const r = await loginOutside(citizen);
        return r.status === 423 ? r : null;
      });
      assert.ok(locked, 'the lock reaches the external node');
      const e = (await locked.json()).error;
      assert.equal(e.code, 'ACCOUNT_LOCKED');
      assert.match(e.message, /账户已被锁定，请拨打政务服务热线咨询/);
      assert.equal((await citizenClient.get('/api/v1/session')).status, 401, 'the open session outside was ended');
    });

    it('the internal public accounts list shows the lock and offers to unlock', async () => {
      assert.ok(sec, 'needs the lock of the previous test');
      const html = await eventually(async () => {
        const h = await (await sec.get('/admin/accounts')).text();
        return textOf(rowWith(h, citizen.name)).includes('已锁定') ? h : null;
      }, 2500);
      assert.ok(html, 'shown as locked inside');
      assert.ok(html.includes(`action="/admin/accounts/${citizen.account.id}/unlock"`), 'an unlock button is offered');
    });

    it('unlocking inside opens the account outside again', async () => {
      assert.ok(sec, 'needs the lock of the previous test');
      const page = await (await sec.get('/admin/accounts')).text();
      // Posted directly: the list does not offer the button (the internal list offers it once the mirror shows the lock).
      const unlock = await sec.post(`/admin/accounts/${citizen.account.id}/unlock`, { form: { _csrf: csrfFrom(page) } });
      assert.equal(unlock.status, 303);
      const open = await eventually(async () => (await loginOutside(citizen)).status === 200);
      assert.ok(open, 'the unlock reaches the external node');
    });

    it('a unit created inside appears on the external home page', async () => {
      const units = (await (await sys.get('/api/v1/units')).json()).units;
      const name = '东河区分区测试局' + randomBytes(2).toString('hex');
      const res = await sys.post('/api/v1/units', {
        json: { parent_id: units.find((u) => u.code === 'DH').id, code: 'SPL-' + randomBytes(3).toString('hex'), name, kind: 'department' },
        headers: { 'x-csrf-token': sys.csrf },
      });
      assert.equal(res.status, 201, await res.clone().text());
      // The anonymous home page is cached for up to 5 s, and the exchange pumps every 500 ms.
      const seen = await eventually(async () => (await (await fetch(outside.external + '/')).text()).includes(name));
      assert.ok(seen, `${name} appears on the portal`);
    });

    it('registrations made while the internal node is down arrive when it comes back', async () => {
      await inside.stop();
      const a = await register(outside, '停机甲' + randomBytes(2).toString('hex'));
      const b = await register(outside, '停机乙' + randomBytes(2).toString('hex'));
      await sleep(1200);   // a few pumps outside while nobody is inside
      await inside.start();
      const html = await eventually(async () => {
        const h = await accountsPage();
        return rowWith(h, a.name) && rowWith(h, b.name) ? h : null;
      });
      assert.ok(html, 'both registrations arrived after the restart');
      for (const p of [a, b]) {
        assert.ok(textOf(rowWith(html, p.name)).includes(masked(p.id)), p.name);
        assert.equal(publicRows(inside, p.id).length, 1);
      }
    });
  });
}
