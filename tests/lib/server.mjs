// Starts real yiwang processes for the HTTP and browser tests: a demo district in a temporary
// data directory (SQLite, or a fresh database on the PostgreSQL cluster named by
// YIWANG_TEST_PG), served on free loopback ports. No mocks: real binary, real sockets.
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes, randomInt, createHmac } from 'node:crypto';

export const BIN = resolve(process.env.YIWANG_BIN || 'build/yiwang');

/** Backends to run on: always sqlite; postgresql when YIWANG_TEST_PG is set. */
export function backends() {
  return process.env.YIWANG_TEST_PG ? ['sqlite', 'postgresql'] : ['sqlite'];
}

export async function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
    s.on('error', rej);
  });
}

/** A new empty PostgreSQL database on the test cluster; returns its URL. */
export function createPgDatabase() {
  const admin = process.env.YIWANG_TEST_PG;
  const name = 'ywt_' + randomBytes(5).toString('hex');
  execFileSync('psql', [admin, '-q', '-c', `CREATE DATABASE ${name}`]);
  return admin.slice(0, admin.lastIndexOf('/') + 1) + name;
}

export function dropPgDatabase(url) {
  const admin = process.env.YIWANG_TEST_PG;
  const name = url.slice(url.lastIndexOf('/') + 1);
  try { execFileSync('psql', [admin, '-q', '-c', `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`]); } catch { /* cluster is thrown away */ }
}

/** Runs the CLI; returns {status, stdout, stderr}. */
export function cli(args, opts = {}) {
  // status is null when the command was killed (a timeout); stderr is kept on success too.
  const r = spawnSync(BIN, args, { encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], ...opts });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** A split-zone node's exchange public key (`yiwang exchange key`; created on first use). */
export function exchangeKey(data, args = ['--data', data]) {
  const r = cli(['exchange', 'key', ...args]);
  if (r.status !== 0) throw new Error(`yiwang exchange key failed: ${r.stderr || r.stdout}`);
  return r.stdout;
}

/**
 * Creates a demo district and serves it.
 * options: {backend: 'sqlite'|'postgresql', zone: 'both'|'external'|'internal', data, database, spool, demo: true,
 *   demoCases: false (the demo's six weeks of cases as well, `yiwang demo --cases`),
 *   peerPublicKey (split zones: the other node's exchange key, imported before serving), start: true}
 * Returns {external, internal (base URLs), data, database, accounts, stop(), restart()}.
 */
export async function startNode(options = {}) {
  const backend = options.backend || 'sqlite';
  const data = options.data || mkdtempSync(join(tmpdir(), 'yiwang-node-'));
  const database = options.database || (backend === 'postgresql' ? createPgDatabase() : `sqlite://${data}/yiwang.db`);
  const zone = options.zone || 'both';
  const common = ['--data', data, '--database', database];
  if (options.spool) common.push('--spool', options.spool);
  if (options.demo !== false) {
    const args = ['demo', ...common, '--zone', zone];
    if (options.demoCases) args.push('--cases');  // the demo's six weeks of cases
    const r = cli(args);
    if (r.status !== 0) throw new Error(`yiwang demo failed: ${r.stderr || r.stdout}`);
  }
  const extPort = await freePort();
  const intPort = await freePort();
  const node = {
    backend, data, database, zone,
    external: `http://127.0.0.1:${extPort}`,
    internal: `http://127.0.0.1:${intPort}`,
    accounts: options.demo === false ? [] : JSON.parse(readFileSync(join(data, 'demo-accounts.json'), 'utf8')),
    proc: null,
    log: '',
  };
  node.start = async () => {
    const args = ['serve', ...common, '--zone', zone, '--external', `127.0.0.1:${extPort}`,
      '--internal', `127.0.0.1:${intPort}`, '--threads', '2'];
    // Every test's registrations and complaints come from 127.0.0.1: the per-address limits on
    // anonymous writes are off unless a test sets them (tests/http/lookups.test.mjs does).
    const env = { ...process.env, YIWANG_REGISTER_PER_HOUR: '0', YIWANG_COMPLAINTS_PER_HOUR: '0', ...(options.env || {}) };
    node.proc = spawn(BIN, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    node.proc.stdout.on('data', (d) => { node.log += d; });
    node.proc.stderr.on('data', (d) => { node.log += d; });
    const probe = zone === 'internal' ? node.internal : node.external;
    for (let i = 0; i < 200; i++) {
      if (node.proc.exitCode !== null) throw new Error(`yiwang serve exited: ${node.log}`);
      try {
        const r = await fetch(probe + '/healthz');
        if (r.ok) return;
      } catch { /* not yet */ }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`yiwang serve did not become healthy: ${node.log}`);
  };
  node.stop = async () => {
    if (node.proc && node.proc.exitCode === null) {
      const exited = new Promise((r) => node.proc.once('exit', r));
      node.proc.kill('SIGTERM');
      await exited;
    }
  };
  node.cleanup = async () => {
    await node.stop();
    if (backend === 'postgresql' && !options.database) dropPgDatabase(database);
    if (!options.data) rmSync(data, { recursive: true, force: true });
  };
  node.account = (login) => node.accounts.find((a) => a.login === login);
  // Split zones sign what crosses the spool (ADR 0004): the other node's public key is imported
  // before serving, and this node's is handed out as node.publicKey.
  if (options.peerPublicKey) {
    const file = join(data, 'peer-key.pem');
    writeFileSync(file, options.peerPublicKey);
    const r = cli(['exchange', 'trust', ...common, '--zone', zone, file]);
    if (r.status !== 0) throw new Error(`yiwang exchange trust failed: ${r.stderr || r.stdout}`);
  }
  if (zone !== 'both') node.publicKey = exchangeKey(data, common);
  if (options.start !== false) await node.start();
  return node;
}

/** A random, valid GB 11643 resident ID number (birth 1950–1999, area 370503). */
export function residentId() {
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const y = 1950 + randomInt(50), m = 1 + randomInt(12), d = 1 + randomInt(28);
  const first17 = '370503' + y + String(m).padStart(2, '0') + String(d).padStart(2, '0') + String(randomInt(1000)).padStart(3, '0');
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * weights[i];
  return first17 + '10X98765432'[sum % 11];
}

/** RFC 6238 TOTP (SHA1, 6 digits, 30 s) from a base32 secret, as an authenticator app computes it. */
export function totp(base32, unixSeconds = Math.floor(Date.now() / 1000)) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of base32.replace(/=+$/, '').toUpperCase()) bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(unixSeconds / 30)));
  const h = createHmac('sha1', key).update(counter).digest();
  const off = h[h.length - 1] & 15;
  const n = ((h[off] & 0x7f) << 24) | (h[off + 1] << 16) | (h[off + 2] << 8) | h[off + 3];
  return String(n % 1000000).padStart(6, '0');
}

/** A minimal cookie jar for fetch. */
export class Client {
  constructor(base) { this.base = base; this.cookies = new Map(); }
  cookieHeader() { return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '); }
  async request(method, path, { json, form, headers = {}, redirect = 'manual' } = {}) {
    const h = { ...headers };
    if (this.cookies.size) h.cookie = this.cookieHeader();
    let body;
    if (json !== undefined) { h['content-type'] = 'application/json'; body = JSON.stringify(json); }
    if (form !== undefined) { h['content-type'] = 'application/x-www-form-urlencoded'; body = new URLSearchParams(form).toString(); }
    const res = await fetch(this.base + path, { method, headers: h, body, redirect });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq), value = pair.slice(eq + 1);
      if (/Max-Age=0/i.test(c) || value === '') this.cookies.delete(name); else this.cookies.set(name, value);
    }
    return res;
  }
  get(path, o) { return this.request('GET', path, o); }
  post(path, o) { return this.request('POST', path, o); }
  put(path, o) { return this.request('PUT', path, o); }
  delete(path, o) { return this.request('DELETE', path, o); }
}

/** Extracts the CSRF token embedded in a page's forms. */
export function csrfFrom(html) {
  const m = html.match(/name="_csrf" value="([^"]+)"/);
  return m ? m[1] : '';
}
