// 站内消息 over real HTTP on both databases. The messages are real: `yiwang demo --cases` runs six
// weeks of simulated cases through the supervision engine, whose reminders, 督办单 and red cards
// go to the handlers of the 市场监管局 (personal) and to the department (shared by 林芳 scjclerk,
// 刘洋 handler and 孙丽 reviewer, who work in two of its offices). 陈静 clerk (审批服务局) has none.
//   - the nav badge equals the 未读 count on every page, "99+" above 99, and is absent at 0;
//   - a department's message read by one clerk stays unread for the others;
//   - opening a message goes to its page (a workbench path) and marks it read;
//   - "全部标为已读" marks what the page showed, for that person only, and is audited;
//   - another person's or another department's message is 404 and nothing changes;
//   - without the CSRF token nothing is marked;
//   - a link that is not a workbench path is never followed (no open redirect);
//   - 20 per page, newest first, with the 全部 / 未读 filter kept across pages; empty states.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startNode, backends, Client, totp } from '../lib/server.mjs';

const PER_PAGE = 20;

/** Runs SQL on the node's database directly, as a DBA (or a future module's bug) would. */
function dbaSql(node, sql) {
  if (node.backend === 'sqlite') {
    return execFileSync('sqlite3', [node.database.slice('sqlite://'.length), sql], { encoding: 'utf8' }).trim();
  }
  return execFileSync('psql', [node.database, '-q', '-t', '-A', '-v', 'ON_ERROR_STOP=1', '-c', sql], { encoding: 'utf8' }).trim();
}

/** The badge beside 消息 in the navigation: its text, or null when there is none. */
function badgeOf(html) {
  const nav = html.match(/<nav id="main-nav"[\s\S]*?<\/nav>/)?.[0] ?? '';
  assert.match(nav, /href="\/messages"/, 'the navigation has 消息');
  const m = nav.match(/<a href="\/messages"[^>]*>消息(?:<span class="nav-count">([^<]+)<span class="sr-only"> 条未读<\/span><\/span>)?<\/a>/);
  assert.ok(m, `消息 link: ${nav}`);
  return m[1] ?? null;
}

/** What the messages page shows: the tab counts, its items, the pager and the mark-all form. */
function pageOf(html) {
  const all = html.match(/>全部（(\d+)）</);
  const unread = html.match(/>未读（(\d+)）</);
  assert.ok(all && unread, 'the 全部 / 未读 tabs with counts');
  const items = [...html.matchAll(/<li id="msg-(\d+)" class="(msg-unread|msg-read)">([\s\S]*?)<\/li>/g)].map((m) => ({
    id: Number(m[1]),
    unread: m[2] === 'msg-unread',
    tagged: m[3].includes('<span class="badge danger">未读</span>'),
    toUnit: m[3].includes('发给本单位'),
    href: m[3].match(/<a href="([^"]+)"/)?.[1] ?? null,
    html: m[3],
  }));
  return {
    all: Number(all[1]),
    unread: Number(unread[1]),
    items,
    pager: html.match(/<nav class="pager"[\s\S]*?<\/nav>/)?.[0] ?? '',
    upTo: html.match(/name="up_to" value="(\d+)"/)?.[1] ?? null,
    markAll: html.includes('全部标为已读'),
  };
}

for (const backend of backends()) {
  describe(`站内消息 over HTTP on ${backend}`, () => {
    let node;
    const s = {};  // sessions by login

    async function login(username) {
      const a = node.account(username);
      const c = new Client(node.internal);
      const body = { username, password: a.password };
      if (a.totp_secret) body.totp = totp(a.totp_secret);
      const res = await c.post('/api/v1/session', { json: body });
      assert.equal(res.status, 200, `${username} login: ${await res.clone().text()}`);
      c.csrf = (await res.json()).csrf_token;
      return c;
    }
    async function page(c, path = '/messages') {
      const res = await c.get(path);
      assert.equal(res.status, 200, path);
      const html = await res.text();
      return { ...pageOf(html), badge: badgeOf(html), html };
    }
    const markRead = (c, id, fields = {}) => c.post(`/messages/${id}/read`, { form: { _csrf: c.csrf, ...fields } });
    /** Whether message id is unread for c, looking through the pages of the 未读 filter. */
    async function isUnread(c, id) {
      for (let p = 1; p < 100; p++) {
        const pg = await page(c, `/messages?show=unread&page=${p}`);
        if (pg.items.some((m) => m.id === id)) return true;
        if (pg.items.length < PER_PAGE) return false;
      }
      return false;
    }
    const expectedBadge = (n) => (n === 0 ? null : n > 99 ? '99+' : String(n));

    before(async () => {
      // The scheduler is off: the messages are what the demo's six weeks left, nothing arrives meanwhile.
      node = await startNode({ backend, demoCases: true, env: { YIWANG_SUPERVISION_TICK_SECONDS: '0' } });
      for (const u of ['scjclerk', 'handler', 'reviewer', 'clerk']) s[u] = await login(u);
    });
    after(async () => { await node?.cleanup(); });

    it('the badge shows the unread count on every page, 99+ above 99, and nothing for nobody', async () => {
      const scj = await page(s.scjclerk);
      assert.ok(scj.all > 2 * PER_PAGE, `the demo left the department enough messages to page (${scj.all})`);
      assert.equal(scj.unread, scj.all, 'nothing has been read yet');
      assert.equal(scj.badge, expectedBadge(scj.unread));
      for (const path of ['/', '/cases', '/account', '/supervision/notices']) {
        const html = await (await s.scjclerk.get(path)).text();
        assert.equal(badgeOf(html), expectedBadge(scj.unread), `badge on ${path}`);
      }
      // 陈静 has no messages: no badge, and the page says so.
      const clerk = await page(s.clerk);
      assert.equal(clerk.badge, null);
      assert.equal(clerk.all, 0);
      assert.equal(clerk.items.length, 0);
      assert.match(clerk.html, /还没有消息。期限即将届满的提醒、督办单和红牌通知会出现在这里。/);
      assert.equal(clerk.markAll, false, 'no 全部标为已读 with nothing unread');
      assert.equal(clerk.pager, '');
      const none = await page(s.clerk, '/messages?show=unread');
      assert.match(none.html, /没有未读消息，都已看过。/);
    });

    it('unread messages are bold and tagged 未读; read ones are plain and keep their link', async () => {
      const scj = await page(s.scjclerk);
      for (const m of scj.items) {
        assert.ok(m.unread && m.tagged, `message ${m.id} is shown unread`);
        assert.equal(m.href, null, 'an unread message opens through the form that marks it read');
      }
      assert.ok(scj.items.some((m) => m.toUnit), 'the department\'s messages are marked 发给本单位');
      assert.match(await (await s.scjclerk.get('/static/css/site.css')).text(), /\.msg-unread \.msg-title[^{]*\{[^}]*font-weight: 700/);
    });

    it('a department\'s message read by one clerk stays unread for the others', async () => {
      const before = { scj: await page(s.scjclerk), handler: await page(s.handler), reviewer: await page(s.reviewer) };
      const x = before.scj.items.find((m) => m.toUnit && m.unread);
      assert.ok(x, 'a department message on the first page');
      assert.ok(await isUnread(s.handler, x.id), 'handler sees it unread too');

      const res = await markRead(s.scjclerk, x.id);
      assert.equal(res.status, 303);
      assert.equal(res.headers.get('location'), '/messages');
      const after = await page(s.scjclerk);
      assert.equal(after.unread, before.scj.unread - 1);
      assert.equal(after.badge, expectedBadge(after.unread));
      const seen = after.items.find((m) => m.id === x.id);
      assert.ok(seen && !seen.unread && !seen.tagged, 'shown read to 林芳');
      assert.match(after.html, /消息已标为已读/, 'the flash says so');

      for (const who of ['handler', 'reviewer']) {
        const now = await page(s[who]);
        assert.equal(now.unread, before[who].unread, `${who}'s count is unchanged`);
        assert.ok(await isUnread(s[who], x.id), `${who} still sees it unread`);
      }
    });

    it('opening a message goes to its workbench page and marks it read', async () => {
      const before = await page(s.scjclerk);
      const x = before.items.find((m) => m.unread && m.html.includes('name="open" value="1"'));
      assert.ok(x, 'an unread message with a link');
      const res = await markRead(s.scjclerk, x.id, { open: '1' });
      assert.equal(res.status, 303);
      const location = res.headers.get('location');
      assert.match(location, /^\/(supervision|cases)(\/|\?|$)/);
      assert.equal((await s.scjclerk.get(location)).status, 200, `the page ${location} opens`);
      const after = await page(s.scjclerk);
      assert.equal(after.unread, before.unread - 1);
      assert.equal(after.items.find((m) => m.id === x.id)?.href, location, 'now a plain link to the same page');
      // Opening it again is fine and changes nothing.
      const again = await markRead(s.scjclerk, x.id, { open: '1' });
      assert.equal(again.headers.get('location'), location);
      assert.equal((await page(s.scjclerk)).unread, after.unread);
    });

    it('another person\'s or another department\'s message is 404 and nothing changes', async () => {
      const handler = await page(s.handler);
      const own = handler.items.find((m) => !m.toUnit && m.unread);
      assert.ok(own, 'a message to 刘洋 himself');
      const dept = handler.items.find((m) => m.toUnit && m.unread);
      assert.ok(dept, 'a department message');
      const counts = async () => Promise.all(['scjclerk', 'handler', 'reviewer', 'clerk'].map(async (u) => (await page(s[u])).unread));
      const before = await counts();
      const attempts = [
        [s.reviewer, own.id, {}],  // a colleague in the same office: still 刘洋's own message
        [s.scjclerk, own.id, { open: '1' }],
        [s.clerk, own.id, {}],
        [s.clerk, dept.id, { open: '1' }],  // another department's message
        [s.scjclerk, 99999999, {}],  // no such message: the same answer
      ];
      for (const [c, id, fields] of attempts) {
        const res = await markRead(c, id, fields);
        assert.equal(res.status, 404, `message ${id}`);
        assert.equal(res.headers.get('location'), null, 'no redirect to its link');
        const body = await res.text();
        assert.match(body, /消息不存在/);
        for (const m of [own, dept]) {
          const title = m.html.match(/class="link-button msg-open">([^<]+)</)?.[1];
          if (title) assert.ok(!body.includes(title), 'the answer does not reveal the message');
        }
      }
      assert.equal((await markRead(s.scjclerk, 'abc')).status, 404);
      assert.deepEqual(await counts(), before, 'nobody\'s count changed');
      assert.ok(await isUnread(s.handler, own.id));
      assert.ok(await isUnread(s.handler, dept.id));
    });

    it('without the CSRF token nothing is marked', async () => {
      const before = await page(s.reviewer);
      const x = before.items.find((m) => m.unread);
      for (const form of [{}, { _csrf: 'not-the-token' }]) {
        const one = await s.reviewer.post(`/messages/${x.id}/read`, { form: { open: '1', ...form } });
        assert.equal(one.status, 403);
        assert.match(await one.text(), /页面已过期或请求来源无法验证/);
        const all = await s.reviewer.post('/messages/read-all', { form: { up_to: before.upTo, ...form } });
        assert.equal(all.status, 403);
      }
      // Another person's valid token is not this person's either.
      assert.equal((await s.reviewer.post('/messages/read-all', { form: { _csrf: s.handler.csrf } })).status, 403);
      const after = await page(s.reviewer);
      assert.equal(after.unread, before.unread);
      assert.ok(after.items.find((m) => m.id === x.id).unread);
    });

    it('a link that is not a workbench path is never followed', async () => {
      const id = dbaSql(node, "SELECT id FROM users WHERE username = 'scjclerk'");
      const links = ['//evil.example/phish', 'https://evil.example/', '/\\evil.example', 'javascript:alert(1)'];
      for (const [i, link] of links.entries()) {
        dbaSql(node, `INSERT INTO messages (recipient_id, unit_id, title, body, link, created_at) VALUES (${id}, 0, '外部链接 ${i}', '测试', '${link.replace(/'/g, "''")}', 1)`);
      }
      const pg = await page(s.scjclerk);
      const planted = pg.items.slice(0, links.length);
      assert.equal(planted.length, links.length);
      for (const m of planted) {
        assert.match(m.html, /外部链接 \d/);
        assert.equal(m.href, null);
        assert.doesNotMatch(m.html, /name="open"/, 'no 打开 form for it');
        assert.doesNotMatch(m.html, /evil|javascript/);
        assert.match(m.html, /标为已读/, 'it can still be marked read');
      }
      for (const m of planted) {
        const res = await markRead(s.scjclerk, m.id, { open: '1' });
        assert.equal(res.status, 303);
        assert.equal(res.headers.get('location'), '/messages', `message ${m.id} goes back to the list, not off-site`);
      }
      const after = await page(s.scjclerk);
      assert.equal(after.unread, pg.unread - links.length, 'they were marked read');
      assert.match(after.html, /其中的链接不是本系统的页面，未打开/);
    });

    it('20 per page, newest first; the pager keeps the filter; past the end says so', async () => {
      const first = await page(s.scjclerk);
      const pages = Math.ceil(first.all / PER_PAGE);
      assert.equal(first.items.length, PER_PAGE);
      assert.match(first.pager, new RegExp(`第 1 / ${pages} 页`));
      assert.match(first.pager, /<a href="\/messages\?page=2">下一页<\/a>/);
      assert.doesNotMatch(first.pager, /上一页/);
      const second = await page(s.scjclerk, '/messages?page=2');
      assert.equal(second.items.length, PER_PAGE);
      assert.match(second.pager, /<a href="\/messages\?page=1">上一页<\/a>/);
      const ids = [...first.items, ...second.items].map((m) => m.id);
      assert.deepEqual(ids, [...ids].sort((a, b) => b - a), 'newest first across pages');
      assert.equal(new Set(ids).size, ids.length, 'no message on two pages');
      const last = await page(s.scjclerk, `/messages?page=${pages}`);
      assert.equal(last.items.length, first.all - PER_PAGE * (pages - 1));
      assert.doesNotMatch(last.pager, /下一页/);
      const beyond = await page(s.scjclerk, `/messages?page=${pages + 1}`);
      assert.equal(beyond.items.length, 0);
      assert.match(beyond.html, /这一页没有消息。<a href="\/messages">回到第一页<\/a>/);
      assert.equal(beyond.pager, '', 'no "第 N / M 页" past the end');

      const unread = await page(s.scjclerk, '/messages?show=unread');
      assert.equal(unread.items.length, Math.min(PER_PAGE, first.unread));
      assert.ok(unread.items.every((m) => m.unread));
      assert.match(unread.html, /<a href="\/messages\?show=unread" aria-current="page">未读/);
      assert.match(unread.pager, /<a href="\/messages\?show=unread&amp;page=2">下一页<\/a>/);
      const unread2 = await page(s.scjclerk, '/messages?show=unread&page=2');
      assert.ok(unread2.items.every((m) => m.unread));
      assert.ok(Math.min(...unread.items.map((m) => m.id)) > Math.max(...unread2.items.map((m) => m.id)));
      // Marking one from page 2 of 未读 comes back to page 2 of 未读.
      const res = await markRead(s.scjclerk, unread2.items[0].id, { show: 'unread', page: '2' });
      assert.equal(res.headers.get('location'), '/messages?show=unread&page=2');
    });

    it('全部标为已读 marks what the page showed, for this person only, and is audited', async () => {
      const before = await page(s.handler);
      const others = { scjclerk: (await page(s.scjclerk)).unread, reviewer: (await page(s.reviewer)).unread };
      assert.ok(before.unread > 3);
      // First only up to the 4th newest: the 3 newer ones stay unread (as if they had arrived since).
      const fourth = before.items[3].id;
      const res = await s.handler.post('/messages/read-all', { form: { _csrf: s.handler.csrf, up_to: String(fourth) } });
      assert.equal(res.status, 303);
      assert.equal(res.headers.get('location'), '/messages');
      const partly = await page(s.handler);
      assert.equal(partly.unread, 3);
      assert.equal(partly.badge, '3', 'the badge shows the exact count');
      assert.match(partly.html, new RegExp(`${before.unread - 3} 条消息已标为已读`));
      assert.deepEqual(partly.items.filter((m) => m.unread).map((m) => m.id), before.items.slice(0, 3).map((m) => m.id));
      // Then everything the page shows.
      await s.handler.post('/messages/read-all', { form: { _csrf: s.handler.csrf, up_to: partly.upTo } });
      const done = await page(s.handler);
      assert.equal(done.unread, 0);
      assert.equal(done.badge, null, 'no badge at 0');
      assert.equal(done.markAll, false);
      assert.ok(done.items.every((m) => !m.unread && !m.tagged));
      assert.equal(done.all, before.all, 'nothing disappears: read messages stay under 全部');
      const empty = await page(s.handler, '/messages?show=unread');
      assert.equal(empty.items.length, 0);
      assert.match(empty.html, /没有未读消息，都已看过。<a href="\/messages">查看全部消息<\/a>/);
      assert.equal(badgeOf(await (await s.handler.get('/cases')).text()), null);
      // Pressing it again with nothing unread changes nothing.
      const again = await s.handler.post('/messages/read-all', { form: { _csrf: s.handler.csrf, up_to: partly.upTo } });
      assert.equal(again.status, 303);
      assert.match((await page(s.handler)).html, /没有未读消息/);
      // The department's messages are still unread for the others.
      assert.equal((await page(s.scjclerk)).unread, others.scjclerk);
      assert.equal((await page(s.reviewer)).unread, others.reviewer);

      // Audited like every change: two read_all records by 刘洋, one message.read per message opened.
      const auditor = await login('auditor');
      const q = async (action) => (await (await auditor.get(`/api/v1/audit?action=${action}&per_page=100`)).json()).records;
      const all = await q('message.read_all');
      assert.deepEqual(all.map((r) => [r.actor, r.outcome]), [['刘洋', 'success'], ['刘洋', 'success']]);
      const reads = (await q('message.read')).filter((r) => r.action === 'message.read');  // the filter is a prefix
      assert.ok(reads.length >= 2);
      assert.ok(reads.some((r) => r.actor === '林芳'));
      assert.ok(!reads.some((r) => r.actor === '陈静' || r.actor === '孙丽'), 'refused attempts marked nothing');
    });
  });
}
