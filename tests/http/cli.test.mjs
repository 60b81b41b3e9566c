// The command line an operator uses: `audit verify` on an intact and on a tampered audit log
// (a DBA editing or deleting rows around the append-only triggers), `backup` and `restore`
// (data created after the backup is gone, the demo accounts still log in, the chain is intact),
// the refusal to start in production mode without a real secret, and the small commands.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, cpSync, appendFileSync, readFileSync, existsSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { startNode, backends, cli, Client, totp, freePort, residentId } from '../lib/server.mjs';

/** Runs SQL on the node's database directly, as a DBA with shell access would. */
function dbaSql(node, sql) {
  if (node.backend === 'sqlite') {
    return execFileSync('sqlite3', [node.database.slice('sqlite://'.length), sql], { encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] }).trim();
  }
  return execFileSync('psql', [node.database, '-q', '-t', '-A', '-v', 'ON_ERROR_STOP=1', '-c', sql], { encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] }).trim();
}

async function staffLogin(node, login, totpStep) {
  const a = node.account(login);
  const c = new Client(node.internal);
  const body = { username: a.login, password: a.password };
  if (a.totp_secret) body.totp = totp(a.totp_secret, totpStep * 30);
  const res = await c.post('/api/v1/session', { json: body });
  assert.equal(res.status, 200, `${login}: ${await res.clone().text()}`);
  const j = await res.json();
  assert.equal(j.stage, 'full');
  c.csrf = j.csrf_token;
  return c;
}

async function publicLogin(node, login, password) {
  return fetch(node.external + '/api/v1/session', {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login, password }),
  });
}

for (const backend of backends()) {
  describe(`CLI on ${backend}`, () => {
    let node, tmp, backupDir;
    const dbArgs = () => ['--data', node.data, '--database', node.database];
    before(async () => {
      node = await startNode({ backend });
      tmp = mkdtempSync(join(tmpdir(), 'yiwang-cli-'));
    });
    after(async () => {
      await node?.cleanup();
      if (tmp) rmSync(tmp, { recursive: true, force: true });
    });

    it('audit verify passes on a fresh demo district (exit 0)', () => {
      const r = cli(['audit', 'verify', ...dbArgs()]);
      assert.equal(r.status, 0, r.stderr);
      const m = r.stdout.match(/审计链完整：共校验 (\d+) 条记录/);
      assert.ok(m, r.stdout);
      assert.ok(Number(m[1]) > 50, 'the demo wrote its units, staff and accounts to the log');
    });

    it('files gc counts without removing unless --delete; a cutoff under 7 days is refused', () => {
      let r = cli(['files', 'gc', ...dbArgs()]);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /被引用的文件 \d+ 个；超过 30 天未被引用的文件 0 个（0 MB）/);
      assert.match(r.stdout, /未删除任何文件（加 --delete 删除）/);
      r = cli(['files', 'gc', '--days', '3', '--delete', ...dbArgs()]);
      assert.notEqual(r.status, 0, 'at least 7 days');
      r = cli(['files', 'gc', '--delete', ...dbArgs()]);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /已删除 0 个/);
    });

    it('user totp-code shows the current code of a demo admin (demo mode)', () => {
      const r = cli(['user', 'totp-code', 'sysadmin', ...dbArgs()]);
      assert.equal(r.status, 0, r.stderr);
      const secret = node.account('sysadmin').totp_secret;
      const now = Math.floor(Date.now() / 1000);
      const code = r.stdout.trim();
      assert.match(code, /^\d{6}$/);
      assert.ok([now - 30, now, now + 30].some((t) => totp(secret, t) === code), 'same code as an authenticator app');
      const none = cli(['user', 'totp-code', 'clerk', ...dbArgs()]);
      assert.notEqual(none.status, 0);
      assert.match(none.stderr, /未绑定动态口令/);
    });

    it('backup, then restore: later changes are gone, the demo accounts still log in, the chain is intact', async () => {
      const step = Math.floor(Date.now() / 1000 / 30);
      const sys = await staffLogin(node, 'sysadmin', step);
      backupDir = join(tmp, 'backup-1');
      const b = cli(['backup', ...dbArgs(), '--out', backupDir]);
      assert.equal(b.status, 0, b.stderr);
      assert.match(b.stdout, /备份完成/);
      const manifest = JSON.parse(readFileSync(join(backupDir, 'manifest.json'), 'utf8'));
      assert.equal(manifest.format, 'yiwang-backup-1');
      assert.equal(manifest.database.kind, backend);
      assert.match(manifest.database.sm3, /^[0-9a-f]{64}$/);

      const again = cli(['backup', ...dbArgs(), '--out', backupDir]);
      assert.notEqual(again.status, 0, 'never writes into a non-empty directory');
      assert.match(again.stderr, /备份目录已存在且非空/);

      // Changes after the backup: a new unit (internal) and a new citizen (external).
      const units = (await (await sys.get('/api/v1/units')).json()).units;
      const code = 'BK-' + randomBytes(3).toString('hex').toUpperCase();
      const created = await sys.post('/api/v1/units', {
        json: { parent_id: units.find((u) => u.code === 'DH').id, code, name: '备份后新增单位', kind: 'department' },
        headers: { 'x-csrf-token': sys.csrf },
      });
      assert.equal(created.status, 201, await created.clone().text());
      const id = residentId();
      const reg = await fetch(node.external + '/api/v1/accounts', {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ kind: 'citizen', name: '备份后', id_number: id, mobile: '13812349999', password: 'after-the-backup-1' }),
      });
      assert.equal(reg.status, 201);
      assert.equal((await publicLogin(node, id, 'after-the-backup-1')).status, 200);

      // Restore refuses while the server holds the data directory.
      const busy = cli(['restore', ...dbArgs(), '--from', backupDir]);
      assert.notEqual(busy.status, 0);
      assert.match(busy.stderr, /正被另一个 yiwang 进程使用/);
      assert.equal((await (await sys.get('/api/v1/units')).json()).units.some((u) => u.code === code), true, 'nothing restored');

      // A damaged backup is refused before anything is touched.
      const damaged = join(tmp, 'backup-damaged');
      cpSync(backupDir, damaged, { recursive: true });
      appendFileSync(join(damaged, manifest.database.file), 'x');
      await node.stop();
      const bad = cli(['restore', ...dbArgs(), '--from', damaged]);
      assert.notEqual(bad.status, 0);
      assert.match(bad.stderr, /已损坏（SM3 不符），拒绝恢复/);
      const notBackup = cli(['restore', ...dbArgs(), '--from', tmp]);
      assert.notEqual(notBackup.status, 0);
      assert.match(notBackup.stderr, /不是有效的备份目录/);

      const r = cli(['restore', ...dbArgs(), '--from', backupDir]);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /恢复完成/);
      await node.start();

      const clerk = await staffLogin(node, 'clerk');
      const after = (await (await clerk.get('/api/v1/units')).json()).units;
      assert.equal(after.some((u) => u.code === code), false, 'the unit created after the backup is gone');
      assert.ok(after.some((u) => u.code === 'DH-SPJ-SL'), 'the demo units are back');
      assert.ok(!(await (await fetch(node.external + '/')).text()).includes('备份后新增单位'));
      assert.equal((await publicLogin(node, id, 'after-the-backup-1')).status, 401, 'the citizen registered after the backup is gone');
      for (const a of node.accounts.filter((x) => x.zone === 'external')) {
        assert.equal((await publicLogin(node, a.login, a.password)).status, 200, a.login);
      }
      const v = cli(['audit', 'verify', ...dbArgs()]);
      assert.equal(v.status, 0, v.stdout + v.stderr);
    });

    it('audit verify detects an edited record: exit 2 and names the first bad one (第 N 条)', async () => {
      await node.stop();
      const seq = Number(dbaSql(node, "SELECT MIN(seq) FROM audit_log WHERE action = 'account.register'"));
      assert.ok(seq > 1);
      if (backend === 'sqlite') {
        dbaSql(node, `DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete; UPDATE audit_log SET detail = 'enterprise' WHERE seq = ${seq}`);
      } else {
        dbaSql(node, `ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change; UPDATE audit_log SET detail = 'enterprise' WHERE seq = ${seq}`);
      }
      const r = cli(['audit', 'verify', ...dbArgs()]);
      assert.equal(r.status, 2, r.stdout + r.stderr);
      assert.match(r.stdout, new RegExp(`审计链校验失败：第 ${seq} 条审计记录的内容被篡改`));
      assert.match(r.stdout, new RegExp(`已通过校验 ${seq - 1} 条`));
    });

    it('audit verify detects a deleted record before it: 第 N 条 缺失', () => {
      const seq = 2;
      dbaSql(node, `DELETE FROM audit_log WHERE seq = ${seq}`);
      const r = cli(['audit', 'verify', ...dbArgs()]);
      assert.equal(r.status, 2);
      assert.match(r.stdout, /第 2 条审计记录缺失（已被删除），下一条为第 3 条/);
    });

    it('restoring the backup gives back an intact audit chain', () => {
      const r = cli(['restore', ...dbArgs(), '--from', backupDir]);
      assert.equal(r.status, 0, r.stderr);
      const v = cli(['audit', 'verify', ...dbArgs()]);
      assert.equal(v.status, 0, v.stdout);
      assert.match(v.stdout, /审计链完整/);
      // The append-only protection is back too.
      assert.throws(() => dbaSql(node, 'UPDATE audit_log SET detail = \'x\' WHERE seq = 1'), /append-only/);
      assert.throws(() => dbaSql(node, 'DELETE FROM audit_log WHERE seq = 1'), /append-only/);
    });
  });
}

describe('CLI without a data directory', () => {
  let tmp;
  before(() => { tmp = mkdtempSync(join(tmpdir(), 'yiwang-cli-')); });
  after(() => { rmSync(tmp, { recursive: true, force: true }); });

  async function serveProduction(secret) {
    const dir = join(tmp, 'prod-' + randomBytes(3).toString('hex'));
    const args = ['serve', '--mode', 'production', '--data', dir,
      '--external', `127.0.0.1:${await freePort()}`, '--internal', `127.0.0.1:${await freePort()}`];
    return cli(args, { env: { ...process.env, YIWANG_SECRET: secret }, timeout: 20000 });
  }

  it('production mode refuses to start with an empty secret', async () => {
    const r = await serveProduction('');
    assert.notEqual(r.status, 0);
    assert.notEqual(r.status, null, 'exits by itself instead of serving');
    assert.match(r.stderr, /生产模式下必须配置至少 32 个字符的随机密钥/);
  });

  it('production mode refuses a short or well-known secret', async () => {
    for (const secret of ['changeme', 'x'.repeat(31)]) {
      const r = await serveProduction(secret);
      assert.notEqual(r.status, 0, secret);
      assert.notEqual(r.status, null);
      assert.match(r.stderr, /生产模式下必须配置至少 32 个字符的随机密钥/);
    }
  });

  it('check accepts a production configuration with a real secret and masks it', () => {
    const secret = randomBytes(32).toString('hex');
    const r = cli(['check', '--mode', 'production', '--data', join(tmp, 'check')], { env: { ...process.env, YIWANG_SECRET: secret } });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /mode = production/);
    assert.match(r.stdout, /secret = \(已设置\)/);
    assert.ok(!r.stdout.includes(secret), 'the secret is never printed');
    assert.match(r.stdout, /配置有效/);
    assert.equal(existsSync(join(tmp, 'check', 'yiwang.db')), false, 'check creates no database');
  });

  it('split zones: exchange key / trust, and no serving until the other node\'s key is imported', async () => {
    const spool = join(tmp, 'spool');
    const node = (zone) => {
      const dir = join(tmp, `${zone}-` + randomBytes(3).toString('hex'));
      const r = cli(['demo', '--data', dir, '--zone', zone, '--spool', spool]);
      assert.equal(r.status, 0, r.stderr);
      return dir;
    };
    const inside = node('internal'), outside = node('external');
    const serve = async (dir) => cli(['serve', '--data', dir, '--external', `127.0.0.1:${await freePort()}`,
      '--internal', `127.0.0.1:${await freePort()}`], { timeout: 20000 });
    let r = await serve(inside);
    assert.notEqual(r.status, 0);
    assert.notEqual(r.status, null, 'exits by itself instead of serving');
    assert.match(r.stderr, /尚未导入对端节点（external）的交换签名公钥/);
    // This node's public key: the same every time, its fingerprint on stderr.
    const key = cli(['exchange', 'key', '--data', inside]);
    assert.equal(key.status, 0, key.stderr);
    assert.match(key.stdout, /^-----BEGIN PUBLIC KEY-----\n[\s\S]+-----END PUBLIC KEY-----\n$/);
    assert.equal(cli(['exchange', 'key', '--data', inside]).stdout, key.stdout);
    const fingerprint = key.stderr.match(/指纹（SM3）：([0-9a-f ]+)/)[1].trim();
    assert.match(fingerprint, /^([0-9a-f]{4} ){15}[0-9a-f]{4}$/);
    assert.ok(!readFileSync(join(inside, 'exchange-sm2.key'), 'utf8').includes('PRIVATE KEY'), 'sealed at rest');
    // Trust: a file that is not a key, the node's own key: refused; the other node's: imported.
    const file = (name, text) => { const f = join(tmp, name); writeFileSync(f, text); return f; };
    r = cli(['exchange', 'trust', '--data', outside, file('junk.pem', 'hello')]);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /不是公钥文件/);
    r = cli(['exchange', 'trust', '--data', inside, file('own.pem', key.stdout)]);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /本节点自己的公钥/);
    r = cli(['exchange', 'trust', '--data', outside, file('inside.pem', key.stdout)]);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(r.stdout.includes(fingerprint), 'the same fingerprint to compare on both sides');
    assert.equal(cli(['audit', 'verify', '--data', outside]).status, 0);
    assert.match(execFileSync('sqlite3', [join(outside, 'yiwang.db'), "SELECT action FROM audit_log WHERE action = 'exchange.trust'"], { encoding: 'utf8' }), /exchange\.trust/);
    // A backup carries the node's keys (owner-readable only); a restore puts back missing ones.
    const out = join(tmp, 'split-backup');
    assert.equal(cli(['backup', '--data', outside, '--out', out]).status, 0);
    for (const f of ['exchange-sm2.key', 'exchange-sm2.pub', 'exchange-peer.pub']) {
      assert.equal(readFileSync(join(out, f), 'utf8'), readFileSync(join(outside, f), 'utf8'), f);
      assert.equal(statSync(join(out, f)).mode & 0o777, 0o600, f);
    }
    rmSync(join(outside, 'exchange-peer.pub'));
    r = cli(['restore', '--data', outside, '--from', out]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /已恢复 exchange-peer\.pub/);
    assert.equal(readFileSync(join(outside, 'exchange-peer.pub'), 'utf8'), readFileSync(join(out, 'exchange-peer.pub'), 'utf8'));
  });

  it('version and --help', () => {
    const v = cli(['version']);
    assert.equal(v.status, 0);
    assert.match(v.stdout, /^yiwang \d+\.\d+\.\d+/);
    const h = cli(['--help']);
    assert.equal(h.status, 0);
    for (const sub of ['serve', 'demo', 'audit', 'backup', 'restore', 'check', 'version']) assert.match(h.stdout, new RegExp(`\\b${sub}\\b`));
    assert.match(h.stdout, /电子政务平台/);
  });
});
