// Runs a WAVS component (ABI v1, docs/component-abi.md) under node's node:wasi with a
// JavaScript model of the `wavs_v1` import module, for checking guests end to end before
// (and independently of) the node's own host.
//
//   node --no-warnings sdk/tests/run_component.mjs [options] component.wasm
//
// Options:
//   --input FILE            the TriggerAction JSON (default: built from --raw)
//   --raw 0xHEX             shorthand: a raw trigger with these bytes
//   --service-id HEX        (default: 64 zeros) — used by --raw and event ids
//   --workflow-id ID        (default: "default")
//   --config K=V            a component config variable (repeatable)
//   --env K=V               an environment variable (repeatable; must start WAVS_ENV_)
//   --kv FILE               the KV store as a JSON file (read, then written back)
//   --allow-http SPEC       "none" (default), "all", or comma-separated hosts
//   --http URL=STATUS:BODY  a canned HTTP answer instead of the network (repeatable)
//   --chain KEY=URL         a chain for chain_rpc / chain_config (repeatable)
//   --rpc METHOD=JSON       a canned chain_rpc result for any chain (repeatable)
//
// The guest's stdout and stderr go to this process's stderr. stdout gets one JSON line:
//   {"exit_code":0,"responses":[{"payload":"0x…","ordering":"5"|null,"salt":"0x…"|null,
//    "event_id":"0x…"}],"logs":[{"level":2,"message":"…"}],"error":null}
// The process exits 0 when the component succeeded, 1 otherwise.
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { WASI } from 'node:wasi';
import process from 'node:process';

const E = { INVALID: -1, FAULT: -2, NOT_FOUND: -3, DENIED: -4, LIMIT: -5, TIMEOUT: -6, NETWORK: -7, RPC: -8,
  TYPE: -9, UNAVAILABLE: -10, INTERNAL: -11 };

// ---- options ----
const argv = process.argv.slice(2);
const opt = { config: {}, env: {}, http: {}, chains: {}, rpc: {}, allowHttp: 'none', serviceId: '0'.repeat(64),
  workflowId: 'default' };
while (argv.length && argv[0].startsWith('--')) {
  const flag = argv.shift();
  const value = argv.shift() ?? '';
  const kv = () => { const i = value.indexOf('='); return [value.slice(0, i), value.slice(i + 1)]; };
  switch (flag) {
    case '--input': opt.input = value; break;
    case '--raw': opt.raw = value; break;
    case '--service-id': opt.serviceId = value; break;
    case '--workflow-id': opt.workflowId = value; break;
    case '--config': { const [k, v] = kv(); opt.config[k] = v; break; }
    case '--env': { const [k, v] = kv(); opt.env[k] = v; break; }
    case '--kv': opt.kvFile = value; break;
    case '--allow-http': opt.allowHttp = value; break;
    case '--http': { const [k, v] = kv(); opt.http[k] = v; break; }
    case '--chain': { const [k, v] = kv(); opt.chains[k] = v; break; }
    case '--rpc': { const [k, v] = kv(); opt.rpc[k] = v; break; }
    default: console.error(`unknown flag ${flag}`); process.exit(2);
  }
}
if (argv.length !== 1) { console.error('usage: run_component.mjs [options] component.wasm'); process.exit(2); }

const triggerText = opt.input ? readFileSync(opt.input, 'utf8') : JSON.stringify({
  config: { service_id: opt.serviceId, workflow_id: opt.workflowId, trigger: 'manual' },
  data: { raw: (opt.raw ?? '0x').toLowerCase() },
});
const trigger = JSON.parse(triggerText);
const serviceId = trigger.config.service_id;
const workflowId = trigger.config.workflow_id;

// ---- canonical trigger data and event ids (docs/component-abi.md) ----
const hexBytes = (h) => Buffer.from(h.startsWith('0x') ? h.slice(2) : h, 'hex');
const u32 = (n) => { const b = Buffer.alloc(4); b.writeUInt32BE(n); return b; };
const u64 = (s) => { const b = Buffer.alloc(8); b.writeBigUInt64BE(BigInt(s)); return b; };
const str = (s) => Buffer.concat([u32(Buffer.byteLength(s)), Buffer.from(s)]);
const bytes = (b) => Buffer.concat([u32(b.length), b]);
function canonical(data) {
  if (data.evm_contract_event) {
    const { chain, log } = data.evm_contract_event;
    return Buffer.concat([Buffer.from([1]), str(chain), hexBytes(log.address), Buffer.from([log.topics.length]),
      ...log.topics.map(hexBytes), bytes(hexBytes(log.data)), hexBytes(log.tx_hash), u64(log.block_number),
      hexBytes(log.block_hash), u64(log.log_index), u64(log.tx_index)]);
  }
  if (data.block_interval) return Buffer.concat([Buffer.from([2]), str(data.block_interval.chain),
    u64(data.block_interval.block_height)]);
  if (data.cron) return Buffer.concat([Buffer.from([3]), u64(data.cron.trigger_time)]);
  if (data.raw !== undefined) return Buffer.concat([Buffer.from([4]), bytes(hexBytes(data.raw))]);
  throw new Error('unknown trigger data variant');
}
function eventId(salt) {
  const saltPart = salt ? Buffer.concat([Buffer.from([1]), salt]) : Buffer.concat([Buffer.from([0]), canonical(trigger.data)]);
  const pre = Buffer.concat([hexBytes(serviceId), Buffer.from([workflowId.length]), Buffer.from(workflowId), saltPart]);
  return createHash('ripemd160').update(pre).digest();
}

// ---- host state ----
let memory;
let pending = null;
let lastError = Buffer.alloc(0);
const responses = [];
const logs = [];
let calls = 0;
const kvPath = opt.kvFile;
const kv = kvPath && existsSync(kvPath) ? JSON.parse(readFileSync(kvPath, 'utf8')) : {}; // bucket → {hexKey: hexValue}

const mem = () => new Uint8Array(memory.buffer);
function range(ptr, len) {
  ptr >>>= 0; len >>>= 0;
  if (ptr + len > memory.buffer.byteLength) return null;
  return Buffer.from(memory.buffer, ptr, len);
}
const fail = (code, message) => { lastError = Buffer.from(message); return code; };
const failBig = (code, message) => BigInt(fail(code, message));
// The buffer convention.
function give(result, outPtr, outCap) {
  const out = range(outPtr, outCap);
  if (!out) return failBig(E.FAULT, 'output buffer out of bounds');
  if (result.length <= (outCap >>> 0)) result.copy(out);
  else pending = result;
  return BigInt(result.length);
}
function text(ptr, len) {
  const b = range(ptr, len);
  if (!b) return null;
  const s = b.toString('utf8');
  return Buffer.from(s).equals(b) ? s : undefined; // undefined: not UTF-8
}
const bucketOk = (b) => /^[a-z0-9_.-]{1,64}$/.test(b);

function httpAllowed(url) {
  if (opt.allowHttp === 'none') return false;
  const host = url.hostname.toLowerCase();
  const priv = /^(localhost|127\.|10\.|192\.168\.|169\.254\.|0\.|\[::1\]|\[f[cd]|\[fe80)/.test(host) ||
    /^172\.(1[6-9]|2\d|3[01])\./.test(host);
  if (opt.allowHttp === 'all') return !priv;
  return opt.allowHttp.split(',').some((e) => {
    e = e.trim().toLowerCase();
    if (e.startsWith('*.')) return !priv && host.endsWith(e.slice(1));
    const [h, p] = e.split(':');
    return h === host && (!p || p === (url.port || (url.protocol === 'https:' ? '443' : '80')));
  });
}
// Synchronous fetch through a child node process (the guest call is synchronous).
function syncFetch(url, method, headers, body, timeoutMs) {
  const script = `const [u,m,h,b,t]=JSON.parse(process.argv[1]);
    fetch(u,{method:m,headers:h,body:b?Buffer.from(b,'base64'):undefined,signal:AbortSignal.timeout(t),redirect:'follow'})
    .then(async r=>{const body=Buffer.from(await r.arrayBuffer());
      process.stdout.write(JSON.stringify({status:r.status,headers:[...r.headers],body:body.toString('base64')}))})
    .catch(e=>{process.stdout.write(JSON.stringify({error:String(e&&e.name==='TimeoutError'?'timeout':e)}))})`;
  const out = execFileSync(process.execPath, ['-e', script, JSON.stringify([url, method, headers,
    body.length ? body.toString('base64') : null, timeoutMs])], { encoding: 'utf8' });
  return JSON.parse(out);
}

const host = {
  respond(p, n, ordering, flags, sp, sn) {
    const payload = range(p, n);
    if (!payload) return fail(E.FAULT, 'payload out of bounds');
    if (flags & ~3) return fail(E.INVALID, 'unknown flag bits');
    let salt = null;
    if (flags & 2) {
      salt = range(sp, sn);
      if (!salt) return fail(E.FAULT, 'salt out of bounds');
      if (salt.length < 1 || salt.length > 64) return fail(E.INVALID, 'salt must be 1-64 bytes');
    }
    if (payload.length > 1 << 20) return fail(E.LIMIT, 'payload over 1 MiB');
    if (responses.length >= 64) return fail(E.LIMIT, 'more than 64 responses');
    if (responses.reduce((a, r) => a + r.payload.length, 0) + payload.length > 8 << 20) return fail(E.LIMIT, 'total over 8 MiB');
    if (responses.length > 0 && (!salt || responses.some((r) => !r.salt))) return fail(E.INVALID, 'more than one response requires a salt on each');
    if (salt && responses.some((r) => r.salt.equals(salt))) return fail(E.INVALID, 'duplicate salt');
    responses.push({ payload: Buffer.from(payload), ordering: flags & 1 ? BigInt.asUintN(64, ordering) : null,
      salt: salt ? Buffer.from(salt) : null });
    return 0;
  },
  log(level, p, n) {
    const b = range(p, n);
    if (!b) return fail(E.FAULT, 'message out of bounds');
    if (level < 0 || level > 4) return fail(E.INVALID, 'bad level');
    const message = b.subarray(0, 4096).toString('utf8');
    logs.push({ level, message });
    process.stderr.write(`[${['error', 'warn', 'info', 'debug', 'trace'][level]}] ${message}\n`);
    return 0;
  },
  config_var(kp, kn, op, oc) {
    const k = text(kp, kn);
    if (k === null) return failBig(E.FAULT, 'key out of bounds');
    if (!(k in opt.config)) return failBig(E.NOT_FOUND, `no config variable ${k}`);
    return give(Buffer.from(opt.config[k]), op, oc);
  },
  service_info(op, oc) {
    return give(Buffer.from(JSON.stringify({ service_id: serviceId, workflow_id: workflowId,
      service: { name: 'mock', workflows: {}, status: 'active', manager: null } })), op, oc);
  },
  chain_config(cp, cn, op, oc) {
    const c = text(cp, cn);
    if (c === null) return failBig(E.FAULT, 'chain out of bounds');
    if (!(c in opt.chains)) return failBig(E.NOT_FOUND, `no chain ${c}`);
    const [ns, id] = c.split(':');
    return give(Buffer.from(JSON.stringify({ chain: c, namespace: ns, chain_id: id })), op, oc);
  },
  event_id(flags, sp, sn, op) {
    if (flags & ~2) return fail(E.INVALID, 'unknown flag bits');
    let salt = null;
    if (flags & 2) {
      salt = range(sp, sn);
      if (!salt) return fail(E.FAULT, 'salt out of bounds');
      if (salt.length < 1 || salt.length > 64) return fail(E.INVALID, 'salt must be 1-64 bytes');
    }
    const out = range(op, 20);
    if (!out) return fail(E.FAULT, 'output out of bounds');
    eventId(salt).copy(out);
    return 0;
  },
  http_request(mp, mn, up, un, hp, hn, bp, bn, timeout, op, oc) {
    const method = text(mp, mn) || 'GET', u = text(up, un), hdr = text(hp, hn), body = range(bp, bn);
    if (u === null || hdr === null || !body) return failBig(E.FAULT, 'argument out of bounds');
    let url;
    try { url = new URL(u); } catch { return failBig(E.INVALID, 'bad URL'); }
    if (!/^https?:$/.test(url.protocol) || url.username) return failBig(E.INVALID, 'only http(s) URLs without userinfo');
    if (++calls > 32) return failBig(E.LIMIT, 'more than 32 requests');
    if (!httpAllowed(url)) return failBig(E.DENIED, `host ${url.host} not allowed`);
    const headers = [];
    for (const line of hdr.split(/\r\n/).filter((l) => l.length)) {
      const i = line.indexOf(':');
      if (i <= 0) return failBig(E.INVALID, 'bad header line');
      headers.push([line.slice(0, i).trim(), line.slice(i + 1).trim()]);
    }
    let r;
    if (u in opt.http) {
      const v = opt.http[u]; const i = v.indexOf(':');
      r = { status: Number(v.slice(0, i)), headers: [['content-type', 'text/plain']], body: Buffer.from(v.slice(i + 1)).toString('base64') };
    } else {
      r = syncFetch(u, method, headers, Buffer.from(body), timeout > 0 ? timeout : 10000);
      if (r.error) return failBig(r.error === 'timeout' ? E.TIMEOUT : E.NETWORK, r.error);
    }
    const hb = Buffer.from(r.headers.map(([k, v]) => `${k.toLowerCase()}: ${v}\r\n`).join(''));
    const bb = Buffer.from(r.body, 'base64');
    if (bb.length > 4 << 20) return failBig(E.LIMIT, 'response body over 4 MiB');
    const head = Buffer.alloc(8); head.writeUInt32LE(r.status, 0); head.writeUInt32LE(hb.length, 4);
    return give(Buffer.concat([head, hb, bb]), op, oc);
  },
  chain_rpc(cp, cn, mp, mn, pp, pn, op, oc) {
    const c = text(cp, cn), m = text(mp, mn), p = text(pp, pn);
    if (c === null || m === null || p === null) return failBig(E.FAULT, 'argument out of bounds');
    let params;
    try { params = JSON.parse(p || '[]'); } catch { return failBig(E.INVALID, 'params are not JSON'); }
    if (!Array.isArray(params)) return failBig(E.INVALID, 'params must be an array');
    const allowed = ['eth_call', 'eth_chainId', 'eth_blockNumber', 'eth_getBalance', 'eth_getCode', 'eth_getStorageAt',
      'eth_getTransactionCount', 'eth_getBlockByNumber', 'eth_getBlockByHash', 'eth_getTransactionByHash',
      'eth_getTransactionReceipt', 'eth_getLogs', 'eth_estimateGas', 'eth_gasPrice', 'eth_maxPriorityFeePerGas',
      'eth_feeHistory', 'eth_getProof', 'net_version'];
    if (!allowed.includes(m)) return failBig(E.DENIED, `method ${m} not allowed`);
    if (++calls > 32) return failBig(E.LIMIT, 'more than 32 requests');
    if (m in opt.rpc) return give(Buffer.from(opt.rpc[m]), op, oc);
    if (!(c in opt.chains)) return failBig(E.NOT_FOUND, `no chain ${c}`);
    const r = syncFetch(opt.chains[c], 'POST', [['content-type', 'application/json']],
      Buffer.from(JSON.stringify({ jsonrpc: '2.0', id: 1, method: m, params })), 10000);
    if (r.error) return failBig(r.error === 'timeout' ? E.TIMEOUT : E.NETWORK, r.error);
    const answer = JSON.parse(Buffer.from(r.body, 'base64').toString('utf8'));
    if (answer.error) return failBig(E.RPC, JSON.stringify(answer.error));
    return give(Buffer.from(JSON.stringify(answer.result)), op, oc);
  },
  kv_get(bp, bn, kp, kn, op, oc) {
    const b = text(bp, bn), k = range(kp, kn);
    if (b === null || !k) return failBig(E.FAULT, 'argument out of bounds');
    if (!kvPath) return failBig(E.UNAVAILABLE, 'no KV store (--kv)');
    if (!bucketOk(b) || k.length < 1 || k.length > 1024) return failBig(E.INVALID, 'bad bucket or key');
    const v = kv[b]?.[k.toString('hex')];
    if (v === undefined) return failBig(E.NOT_FOUND, 'no such key');
    return give(Buffer.from(v, 'hex'), op, oc);
  },
  kv_set(bp, bn, kp, kn, vp, vn) {
    const b = text(bp, bn), k = range(kp, kn), v = range(vp, vn);
    if (b === null || !k || !v) return fail(E.FAULT, 'argument out of bounds');
    if (!kvPath) return fail(E.UNAVAILABLE, 'no KV store (--kv)');
    if (!bucketOk(b) || k.length < 1 || k.length > 1024) return fail(E.INVALID, 'bad bucket or key');
    if (v.length > 1 << 20) return fail(E.LIMIT, 'value over 1 MiB');
    (kv[b] ??= {})[k.toString('hex')] = v.toString('hex');
    return 0;
  },
  kv_delete(bp, bn, kp, kn) {
    const b = text(bp, bn), k = range(kp, kn);
    if (b === null || !k) return fail(E.FAULT, 'argument out of bounds');
    if (!kvPath) return fail(E.UNAVAILABLE, 'no KV store (--kv)');
    if (!bucketOk(b) || k.length < 1 || k.length > 1024) return fail(E.INVALID, 'bad bucket or key');
    const hk = k.toString('hex');
    if (!kv[b] || !(hk in kv[b])) return 0;
    delete kv[b][hk];
    return 1;
  },
  kv_increment(bp, bn, kp, kn, delta, op) {
    const b = text(bp, bn), k = range(kp, kn), out = range(op, 8);
    if (b === null || !k || !out) return fail(E.FAULT, 'argument out of bounds');
    if (!kvPath) return fail(E.UNAVAILABLE, 'no KV store (--kv)');
    if (!bucketOk(b) || k.length < 1 || k.length > 1024) return fail(E.INVALID, 'bad bucket or key');
    const hk = k.toString('hex');
    const cur = kv[b]?.[hk];
    let n = 0n;
    if (cur !== undefined) {
      const s = Buffer.from(cur, 'hex').toString('latin1');
      if (!/^(0|-?[1-9][0-9]*)$/.test(s) || BigInt(s) !== BigInt.asIntN(64, BigInt(s))) return fail(E.TYPE, 'not a counter');
      n = BigInt(s);
    }
    const next = n + delta;
    if (next !== BigInt.asIntN(64, next)) return fail(E.LIMIT, 'counter overflow');
    (kv[b] ??= {})[hk] = Buffer.from(next.toString()).toString('hex');
    out.writeBigInt64LE(next);
    return 0;
  },
  kv_list(bp, bn, cp, cn, limit, op, oc) {
    const b = text(bp, bn), c = range(cp, cn);
    if (b === null || !c) return failBig(E.FAULT, 'argument out of bounds');
    if (!kvPath) return failBig(E.UNAVAILABLE, 'no KV store (--kv)');
    if (!bucketOk(b)) return failBig(E.INVALID, 'bad bucket');
    const lim = limit <= 0 ? 100 : Math.min(limit, 1000);
    const keys = Object.keys(kv[b] ?? {}).map((h) => Buffer.from(h, 'hex')).sort(Buffer.compare)
      .filter((k) => c.length === 0 || Buffer.compare(k, c) > 0).slice(0, lim);
    return give(Buffer.concat(keys.flatMap((k) => [(() => { const l = Buffer.alloc(4); l.writeUInt32LE(k.length); return l; })(), k])), op, oc);
  },
  result_take(op, oc) {
    if (!pending) return failBig(E.NOT_FOUND, 'no pending result');
    const out = range(op, oc);
    if (!out) return failBig(E.FAULT, 'output buffer out of bounds');
    if (pending.length <= (oc >>> 0)) pending.copy(out);
    return BigInt(pending.length);
  },
  last_error(op, oc) {
    const out = range(op, oc);
    if (!out) return BigInt(E.FAULT);
    if (lastError.length <= (oc >>> 0)) lastError.copy(out);
    return BigInt(lastError.length);
  },
};

// Every call except result_take and last_error drops the pending result first.
const imports = {};
for (const [name, fn] of Object.entries(host)) {
  imports[name] = (name === 'result_take' || name === 'last_error') ? fn : (...a) => { pending = null; return fn(...a); };
}

// ---- run ----
const env = Object.fromEntries(Object.entries(opt.env).filter(([k]) => k.startsWith('WAVS_ENV_')));
const stdinFile = `/tmp/wavs-trigger-${process.pid}.json`;
writeFileSync(stdinFile, triggerText);
const { openSync, closeSync } = await import('node:fs');
const stdinFd = openSync(stdinFile, 'r');
const wasi = new WASI({ version: 'preview1', args: ['component'], env, stdin: stdinFd, stdout: 2, stderr: 2, returnOnExit: true });
const module = await WebAssembly.compile(readFileSync(argv[0]));
let exitCode = 0, error = null;
try {
  const instance = await WebAssembly.instantiate(module, { ...wasi.getImportObject(), wavs_v1: imports });
  memory = instance.exports.memory;
  exitCode = wasi.start(instance);
  if (exitCode !== 0) error = `exit ${exitCode}`;
} catch (e) {
  exitCode = null;
  error = `trap: ${e.message}`;
}
closeSync(stdinFd);
(await import('node:fs')).unlinkSync(stdinFile);
if (kvPath) writeFileSync(kvPath, JSON.stringify(kv, null, 1));
const ok = error === null;
process.stdout.write(JSON.stringify({
  exit_code: exitCode,
  responses: ok ? responses.map((r) => ({ payload: '0x' + r.payload.toString('hex'),
    ordering: r.ordering === null ? null : r.ordering.toString(), salt: r.salt ? '0x' + r.salt.toString('hex') : null,
    event_id: '0x' + eventId(r.salt).toString('hex') })) : [],
  logs, error,
}) + '\n');
process.exitCode = ok ? 0 : 1;
