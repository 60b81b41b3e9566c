// HTTP API tests against the real binary: health and security headers on both zones, the
// internal-only metrics endpoint, the JSON error shape, public registration through the API
// (GB 11643 resident ID and GB 32100 USCC check characters), the CSRF rule for anonymous API
// POSTs, and public login/logout with the session cookie and X-CSRF-Token.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { startNode, backends, Client, totp } from '../lib/server.mjs';

// ---- identity numbers, computed as the standards define them (independent of the C++ code)

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
function residentCheck(first17) {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * ID_WEIGHTS[i];
  return '10X98765432'[sum % 11];
}
/** A fresh valid 18-digit resident ID (random birth date and sequence number). */
function residentId() {
  const y = 1950 + randomInt(50), m = 1 + randomInt(12), d = 1 + randomInt(28);
  const first17 = '370503' + y + String(m).padStart(2, '0') + String(d).padStart(2, '0') + String(randomInt(1000)).padStart(3, '0');
  return first17 + residentCheck(first17);
}
/** The same number with a check character that does not match. */
function wrongResidentCheck(id) {
  const good = id[17];
  const bad = '0123456789X'.split('').find((c) => c !== good);
  return id.slice(0, 17) + bad;
}
const USCC = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
function usccCheck(first17) {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += USCC.indexOf(first17[i]) * USCC_WEIGHTS[i];
  return USCC[(31 - (sum % 31)) % 31];
}
function uscc() {
  let org = '';
  for (let i = 0; i < 9; i++) org += USCC[randomInt(USCC.length)];
  const first17 = '91370503' + org;
  return first17 + usccCheck(first17);
}
function wrongUsccCheck(code) {
  const good = code[17];
  return code.slice(0, 17) + USCC.split('').find((c) => c !== good);
}

async function errorOf(res) {
  const body = await res.json();
  assert.ok(body.error, `expected an error body, got ${JSON.stringify(body)}`);
  assert.equal(typeof body.error.code, 'string');
  assert.equal(typeof body.error.message, 'string');
  assert.equal(typeof body.error.fields, 'object');
  return body.error;
}

const SECURITY_HEADERS = (res) => {
  const csp = res.headers.get('content-security-policy') || '';
  assert.match(csp, /frame-ancestors 'none'/);
  assert.match(csp, /default-src 'self'/);
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
  assert.ok(res.headers.get('referrer-policy'), 'Referrer-Policy is set');
  assert.match(res.headers.get('x-request-id') || '', /^[0-9a-f]{8,}$/);
};

it('resident ID and USCC generators agree with the demo numbers', () => {
  assert.equal(residentCheck('37050319900307123'), '6');
  assert.equal(residentCheck('11010519491231002'), 'X');
  assert.equal(usccCheck('91370503MA3C4D5E6'), 'Q');
});

for (const backend of backends()) {
  describe(`API on ${backend}`, () => {
    let node;
    before(async () => { node = await startNode({ backend }); });
    after(async () => { await node?.cleanup(); });

    it('GET /healthz answers on both zones with security headers and a request id', async () => {
      const ids = new Set();
      for (const [base, zone] of [[node.external, 'external'], [node.internal, 'internal']]) {
        const res = await fetch(base + '/healthz');
        assert.equal(res.status, 200);
        SECURITY_HEADERS(res);
        ids.add(res.headers.get('x-request-id'));
        const body = await res.json();
        assert.equal(body.status, 'ok');
        assert.equal(body.zone, zone);
        assert.equal(body.database, backend);
      }
      assert.equal(ids.size, 2, 'every response has its own request id');
    });

    it('error responses carry the security headers too', async () => {
      const res = await fetch(node.external + '/no-such-page');
      assert.equal(res.status, 404);
      SECURITY_HEADERS(res);
      assert.match(await res.text(), /页面不存在/);
    });

    it('/metrics is served on the internal zone only, in Prometheus text format', async () => {
      await fetch(node.external + '/healthz');
      const res = await fetch(node.internal + '/metrics');
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type'), /^text\/plain/);
      const text = await res.text();
      assert.match(text, /# TYPE yiwang_http_requests_total counter/);
      assert.match(text, /yiwang_http_requests_total\{zone="external",route="GET \/healthz",status="200"\} \d+/);
      assert.match(text, /# TYPE yiwang_http_request_duration_seconds histogram/);
      assert.match(text, /yiwang_http_request_duration_seconds_bucket\{zone="external",le="\+Inf"\} \d+/);
      assert.match(text, /yiwang_http_request_duration_seconds_count\{zone="external"\} \d+/);
      if (backend === 'sqlite') {
        // Every login so far was a write transaction; groups never hold fewer than one.
        const commits = Number(text.match(/^yiwang_db_commits_total (\d+)$/m)?.[1]);
        const txs = Number(text.match(/^yiwang_db_transactions_total (\d+)$/m)?.[1]);
        assert.ok(commits >= 1, `group commits counted: ${commits}`);
        assert.ok(txs >= commits, `transactions (${txs}) >= commits (${commits})`);
        // The writer is held for every transaction, its COMMITs included.
        const held = Number(text.match(/^yiwang_db_write_lock_seconds_total ([\d.]+)$/m)?.[1]);
        const inCommit = Number(text.match(/^yiwang_db_commit_seconds_total ([\d.]+)$/m)?.[1]);
        assert.ok(inCommit > 0, `time in COMMIT counted: ${inCommit}`);
        assert.ok(held >= inCommit, `writer held (${held} s) >= in COMMIT (${inCommit} s)`);
      } else {
        assert.doesNotMatch(text, /yiwang_db_commits_total/, 'PostgreSQL commits are its own');
      }
      // ADR 0011 on either database: cairo's deflate is taken over (no document issued here yet).
      assert.match(text, /^yiwang_pdf_deflate_streams_total \d+$/m);
      assert.match(text, /^yiwang_pdf_deflate_bytes_total\{direction="out"\} \d+$/m);

      const ext = await fetch(node.external + '/metrics');
      assert.equal(ext.status, 404, 'metrics must not be reachable from the internet-facing zone');
      assert.doesNotMatch(await ext.text(), /yiwang_http_requests_total/);
    });

    it('/metrics answers the monitoring addresses only (metrics_allow), seen through a trusted proxy', async () => {
      // A node behind "nginx" (trusted_proxies): the address in X-Forwarded-For is the client's.
      const proxied = await startNode({ backend, env: { YIWANG_TRUSTED_PROXIES: '127.0.0.1' } });
      try {
        const from = (ip) => fetch(proxied.internal + '/metrics', { headers: ip ? { 'x-forwarded-for': ip } : {} });
        assert.equal((await from(null)).status, 200, 'the monitoring server on this machine');
        assert.equal((await from('127.0.0.1')).status, 200);
        const refused = await from('10.1.2.3');
        assert.equal(refused.status, 403, 'any other desk on the office network');
        assert.doesNotMatch(await refused.text(), /yiwang_http_requests_total/);
        // A system administrator's session reads it from anywhere.
        const a = proxied.account('sysadmin');
        const admin = new Client(proxied.internal);
        const body = { username: 'sysadmin', password: a.password };
        if (a.totp_secret) body.totp = totp(a.totp_secret, Math.floor(Date.now() / 1000));
        const login = await admin.post('/api/v1/session', { json: body, headers: { 'x-forwarded-for': '10.1.2.3' } });
        assert.equal(login.status, 200, await login.clone().text());
        assert.equal((await admin.get('/metrics', { headers: { 'x-forwarded-for': '10.1.2.3' } })).status, 200);
      } finally {
        await proxied.cleanup();
      }
    });

    it('unknown API paths answer 404 in the JSON error shape; a wrong method answers 405', async () => {
      const res = await fetch(node.external + '/api/v1/no-such-thing');
      assert.equal(res.status, 404);
      assert.match(res.headers.get('content-type'), /application\/json/);
      const err = await errorOf(res);
      assert.equal(err.code, 'NOT_FOUND');
      assert.match(err.message, /不存在/);
      assert.deepEqual(err.fields, {});

      const internal = await fetch(node.internal + '/api/v1/no-such-thing');
      assert.equal(internal.status, 404);
      assert.equal((await errorOf(internal)).code, 'NOT_FOUND');

      const put = await fetch(node.external + '/api/v1/session', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{}' });
      assert.equal(put.status, 405);
      assert.equal((await errorOf(put)).code, 'METHOD_NOT_ALLOWED');
    });

    it('registers a citizen (201) who can then log in', async () => {
      const c = new Client(node.external);
      const id = residentId();
      const res = await c.post('/api/v1/accounts', {
        json: { kind: 'citizen', name: '李四海', id_number: id, mobile: '13912345678', password: 'spring-river-2024', password_confirm: 'spring-river-2024' },
      });
      assert.equal(res.status, 201, await res.clone().text());
      const a = await res.json();
      assert.equal(a.kind, 'citizen');
      assert.equal(a.name, '李四海');
      assert.equal(a.id_number, id);
      assert.ok(a.id > 0);
      assert.equal(a.password_hash, undefined, 'no password material in the answer');

      const login = await c.post('/api/v1/session', { json: { login: id, password: 'spring-river-2024' } });
      assert.equal(login.status, 200);
      assert.equal((await login.json()).user.name, '李四海');
    });

    it('registers an enterprise by USCC (lower case accepted and normalised)', async () => {
      const code = uscc();
      const res = await fetch(node.external + '/api/v1/accounts', {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ kind: 'enterprise', name: '东河测试科技有限公司', id_number: code.toLowerCase(), mobile: '13700000003', legal_rep: '王五', password: 'harbour-lights-77' }),
      });
      assert.equal(res.status, 201, await res.clone().text());
      const a = await res.json();
      assert.equal(a.id_number, code);
      assert.equal(a.legal_rep, '王五');
    });

    it('refuses a resident ID with a wrong check digit (400, Chinese field error) and creates no account', async () => {
      const bad = wrongResidentCheck(residentId());
      const res = await fetch(node.external + '/api/v1/accounts', {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ kind: 'citizen', name: '错号码', id_number: bad, mobile: '13912345670', password: 'spring-river-2024' }),
      });
      assert.equal(res.status, 400);
      const err = await errorOf(res);
      assert.equal(err.code, 'INVALID_INPUT');
      assert.match(err.message, /注册信息有误/);
      assert.match(err.fields.id_number, /身份证号码不正确/);
      assert.deepEqual(Object.keys(err.fields), ['id_number'], 'only the ID number is wrong');

      const login = await fetch(node.external + '/api/v1/session', {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ login: bad, password: 'spring-river-2024' }),
      });
      assert.equal(login.status, 401, 'the refused registration must not have created an account');
      const lerr = await errorOf(login);
      assert.equal(lerr.code, 'UNAUTHENTICATED');
      assert.match(lerr.message, /证件号码或密码错误/);
    });

    it('refuses a USCC with a wrong check character (fields.id_number)', async () => {
      const res = await fetch(node.external + '/api/v1/accounts', {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ kind: 'enterprise', name: '东河错码有限公司', id_number: wrongUsccCheck(uscc()), mobile: '13700000004', legal_rep: '赵六', password: 'harbour-lights-77' }),
      });
      assert.equal(res.status, 400);
      const err = await errorOf(res);
      assert.equal(err.code, 'INVALID_INPUT');
      assert.match(err.fields.id_number, /统一社会信用代码不正确/);
    });

    it('reports every wrong field at once (mobile, password confirmation)', async () => {
      const res = await fetch(node.external + '/api/v1/accounts', {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ kind: 'citizen', name: '多错', id_number: residentId(), mobile: '12345', password: 'spring-river-2024', password_confirm: 'other-river-2024' }),
      });
      assert.equal(res.status, 400);
      const err = await errorOf(res);
      assert.match(err.fields.mobile, /手机号码/);
      assert.match(err.fields.password_confirm, /两次输入的密码不一致/);
    });

    it('a body that is not a JSON object is a 400 with a Chinese message', async () => {
      for (const body of ['not json', '[1,2]', '']) {
        const res = await fetch(node.external + '/api/v1/accounts', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        assert.equal(res.status, 400, JSON.stringify(body));
        const err = await errorOf(res);
        assert.equal(err.code, 'INVALID_INPUT');
        assert.equal(err.message, '请求体应为 JSON 对象');
      }
    });

    it('text that is not UTF-8 (query, form field, path) is a 400 with a Chinese message, never a 500', async () => {
      let res = await fetch(node.external + '/api/v1/items?q=%FF%FE');
      assert.equal(res.status, 400);
      const err = await errorOf(res);
      assert.equal(err.code, 'INVALID_INPUT');
      assert.match(err.message, /不是 UTF-8 文本/);
      res = await fetch(node.external + '/services?q=%E6%92');  // a character cut short
      assert.equal(res.status, 400);
      assert.match(await res.text(), /不是 UTF-8 文本/);
      res = await fetch(node.external + '/login', {
        method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'login=%C0%AF&password=x',
      });
      assert.equal(res.status, 400);
      assert.match(await res.text(), /不是 UTF-8 文本/);
      res = await fetch(node.external + '/services/items/%FF');
      assert.equal(res.status, 400);
      // Valid Chinese text still passes.
      assert.equal((await fetch(node.external + '/api/v1/items?q=' + encodeURIComponent('食品'))).status, 200);
    });

    it('a JSON field of the wrong type is a 400 INVALID_INPUT, not a 500', async () => {
      const cases = [
        [node.external, '/api/v1/accounts', { kind: 'citizen', name: 123, id_number: residentId(), mobile: '13912345678', password: 'spring-river-2024' }],
        [node.external, '/api/v1/session', { login: 5, password: 'x' }],
        [node.internal, '/api/v1/session', { username: ['clerk'], password: 'x' }],
      ];
      const got = [];
      for (const [base, path, body] of cases) {
        const res = await fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
        got.push(`${path} ${res.status} ${(await res.json()).error?.code}`);
      }
      assert.deepEqual(got, cases.map(([, path]) => `${path} 400 INVALID_INPUT`));
    });

    it('refuses a second registration with the same ID number (409)', async () => {
      const id = residentId();
      const body = { kind: 'citizen', name: '重复人', id_number: id, mobile: '13912345671', password: 'spring-river-2024' };
      const post = () => fetch(node.external + '/api/v1/accounts', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      assert.equal((await post()).status, 201);
      const again = await post();
      assert.equal(again.status, 409);
      const err = await errorOf(again);
      assert.equal(err.code, 'CONFLICT');
      assert.match(err.message, /已注册/);
      assert.match(err.fields.id_number, /已注册/);
    });

    it('refuses a form-encoded API POST without a session (403 CSRF_TOKEN_INVALID) and creates nothing', async () => {
      const id = residentId();
      const res = await fetch(node.external + '/api/v1/accounts', {
        method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ kind: 'citizen', name: '跨站人', id_number: id, mobile: '13912345672', password: 'spring-river-2024' }).toString(),
      });
      assert.equal(res.status, 403);
      assert.equal((await errorOf(res)).code, 'CSRF_TOKEN_INVALID');
      // A text/plain body (what a cross-site form can send) is refused the same way.
      const plain = await fetch(node.external + '/api/v1/session', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ login: id, password: 'x' }) });
      assert.equal(plain.status, 403);
      assert.equal((await errorOf(plain)).code, 'CSRF_TOKEN_INVALID');
      // Registering the same number properly works: nothing was created by the refused call.
      const ok = await fetch(node.external + '/api/v1/accounts', {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ kind: 'citizen', name: '跨站人', id_number: id, mobile: '13912345672', password: 'spring-river-2024' }),
      });
      assert.equal(ok.status, 201);
    });

    it('public login and logout through the API: cookie, session, CSRF on DELETE', async () => {
      const citizen = node.accounts.find((a) => a.zone === 'external' && a.unit === '个人');
      const c = new Client(node.external);
      assert.equal((await c.get('/api/v1/session')).status, 401, 'no session yet');

      const wrong = await c.post('/api/v1/session', { json: { login: citizen.login, password: citizen.password + 'x' } });
      assert.equal(wrong.status, 401);
      assert.match((await errorOf(wrong)).message, /证件号码或密码错误/);
      assert.equal(c.cookies.has('yw_ext'), false);

      const res = await c.post('/api/v1/session', { json: { login: citizen.login, password: citizen.password } });
      assert.equal(res.status, 200);
      const setCookie = res.headers.getSetCookie().find((s) => s.startsWith('yw_ext='));
      assert.ok(setCookie, 'session cookie yw_ext is set');
      assert.match(setCookie, /HttpOnly/i);
      assert.match(setCookie, /SameSite=Strict/i);
      const login = await res.json();
      assert.equal(login.stage, 'full');
      assert.equal(login.user.kind, 'public');
      assert.equal(login.user.name, citizen.name);
      assert.ok(login.csrf_token.length >= 20);

      const me = await c.get('/api/v1/session');
      assert.equal(me.status, 200);
      const meBody = await me.json();
      assert.equal(meBody.user.login, citizen.login);
      assert.equal(meBody.csrf_token, login.csrf_token);

      // The external session is not valid on the internal zone.
      const cross = await fetch(node.internal + '/api/v1/session', { headers: { cookie: c.cookieHeader().replace('yw_ext=', 'yw_int=') } });
      assert.equal(cross.status, 401);

      const noToken = await c.delete('/api/v1/session');
      assert.equal(noToken.status, 403);
      assert.equal((await errorOf(noToken)).code, 'CSRF_TOKEN_INVALID');
      assert.equal((await c.get('/api/v1/session')).status, 200, 'still logged in after the refused logout');

      const badToken = await c.delete('/api/v1/session', { headers: { 'x-csrf-token': 'x'.repeat(32) } });
      assert.equal(badToken.status, 403);

      const out = await c.delete('/api/v1/session', { headers: { 'x-csrf-token': login.csrf_token } });
      assert.equal(out.status, 200);
      assert.deepEqual(await out.json(), { status: 'logged_out' });
      assert.equal(c.cookies.has('yw_ext'), false, 'cookie cleared');

      const after = await c.get('/api/v1/session');
      assert.equal(after.status, 401);
      assert.equal((await errorOf(after)).code, 'UNAUTHENTICATED');
    });

    it('a public account is locked on the 5th wrong password; the right one is then refused too (423)', async () => {
      const id = residentId();
      const reg = await fetch(node.external + '/api/v1/accounts', {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ kind: 'citizen', name: '锁定测试', id_number: id, mobile: '13912345673', password: 'spring-river-2024' }),
      });
      assert.equal(reg.status, 201);
      const login = (password) => fetch(node.external + '/api/v1/session', {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login: id, password }),
      });
      for (let i = 1; i <= 4; i++) {
        const r = await login('wrong-' + i);
        assert.equal(r.status, 401);
        assert.equal((await errorOf(r)).message, '证件号码或密码错误。连续输错 5 次，账户将锁定 15 分钟');
      }
      const fifth = await login('wrong-5');
      assert.equal(fifth.status, 423);
      const e = await errorOf(fifth);
      assert.equal(e.code, 'ACCOUNT_LOCKED');
      assert.match(e.message, /密码连续错误 5 次，账户因连续输错密码已被锁定，请于 \d\d:\d\d 后再试/);
      const sixth = await login('spring-river-2024');
      assert.equal(sixth.status, 423);
      assert.equal((await errorOf(sixth)).code, 'ACCOUNT_LOCKED');
    });

    it('a logged-out session token cannot be replayed', async () => {
      const citizen = node.accounts.find((a) => a.zone === 'external' && a.unit === '个人');
      const c = new Client(node.external);
      const login = await (await c.post('/api/v1/session', { json: { login: citizen.login, password: citizen.password } })).json();
      const cookie = c.cookieHeader();
      assert.equal((await c.delete('/api/v1/session', { headers: { 'x-csrf-token': login.csrf_token } })).status, 200);
      const replay = await fetch(node.external + '/api/v1/session', { headers: { cookie } });
      assert.equal(replay.status, 401);
    });
  });
}
