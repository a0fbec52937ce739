// AssemblyScript SDK for WAVS components (component ABI v1, docs/component-abi.md).
// Build with @assemblyscript/wasi-shim (stdin, stdout, exit codes come from WASI):
//   asc component.ts --config ./node_modules/@assemblyscript/wasi-shim/asconfig.json -O2 -o c.wasm
// Import from this file: import { readTrigger, respond, log } from ".../sdk/assemblyscript/assembly/index";

// ---- raw imports --------------------------------------------------------------------

@external("wavs_v1", "respond")
export declare function wavs_v1_respond(payload: usize, payload_len: i32, ordering: i64, flags: i32, salt: usize, salt_len: i32): i32;
@external("wavs_v1", "log")
export declare function wavs_v1_log(level: i32, msg: usize, msg_len: i32): i32;
@external("wavs_v1", "config_var")
export declare function wavs_v1_config_var(key: usize, key_len: i32, out: usize, out_cap: i32): i64;
@external("wavs_v1", "service_info")
export declare function wavs_v1_service_info(out: usize, out_cap: i32): i64;
@external("wavs_v1", "chain_config")
export declare function wavs_v1_chain_config(chain: usize, chain_len: i32, out: usize, out_cap: i32): i64;
@external("wavs_v1", "event_id")
export declare function wavs_v1_event_id(flags: i32, salt: usize, salt_len: i32, out20: usize): i32;
@external("wavs_v1", "http_request")
export declare function wavs_v1_http_request(method: usize, method_len: i32, url: usize, url_len: i32, headers: usize, headers_len: i32,
  body: usize, body_len: i32, timeout_ms: i32, out: usize, out_cap: i32): i64;
@external("wavs_v1", "chain_rpc")
export declare function wavs_v1_chain_rpc(chain: usize, chain_len: i32, method: usize, method_len: i32, params: usize, params_len: i32,
  out: usize, out_cap: i32): i64;
@external("wavs_v1", "kv_get")
export declare function wavs_v1_kv_get(bucket: usize, bucket_len: i32, key: usize, key_len: i32, out: usize, out_cap: i32): i64;
@external("wavs_v1", "kv_set")
export declare function wavs_v1_kv_set(bucket: usize, bucket_len: i32, key: usize, key_len: i32, value: usize, value_len: i32): i32;
@external("wavs_v1", "kv_delete")
export declare function wavs_v1_kv_delete(bucket: usize, bucket_len: i32, key: usize, key_len: i32): i32;
@external("wavs_v1", "kv_increment")
export declare function wavs_v1_kv_increment(bucket: usize, bucket_len: i32, key: usize, key_len: i32, delta: i64, out8: usize): i32;
@external("wavs_v1", "kv_list")
export declare function wavs_v1_kv_list(bucket: usize, bucket_len: i32, cursor: usize, cursor_len: i32, limit: i32, out: usize, out_cap: i32): i64;
@external("wavs_v1", "result_take")
export declare function wavs_v1_result_take(out: usize, out_cap: i32): i64;
@external("wavs_v1", "last_error")
export declare function wavs_v1_last_error(out: usize, out_cap: i32): i64;

export const E_INVALID: i64 = -1;
export const E_FAULT: i64 = -2;
export const E_NOT_FOUND: i64 = -3;
export const E_DENIED: i64 = -4;
export const E_LIMIT: i64 = -5;
export const E_TIMEOUT: i64 = -6;
export const E_NETWORK: i64 = -7;
export const E_RPC: i64 = -8;
export const E_TYPE: i64 = -9;
export const E_UNAVAILABLE: i64 = -10;
export const E_INTERNAL: i64 = -11;

export const HAS_ORDERING: i32 = 1;
export const HAS_SALT: i32 = 2;

export enum Level { Error = 0, Warn = 1, Info = 2, Debug = 3, Trace = 4 }

// ---- bytes and strings ----------------------------------------------------------------

function utf8(s: string): Uint8Array {
  return Uint8Array.wrap(String.UTF8.encode(s));
}

/** The result of a call: `code` < 0 is a WAVS error (see lastError()). */
export class Result {
  constructor(public code: i64, public bytes: Uint8Array) {}
  get ok(): bool { return this.code >= 0; }
  text(): string { return String.UTF8.decode(this.bytes.buffer.slice(this.bytes.byteOffset, this.bytes.byteOffset + this.bytes.length)); }
}

// The buffer convention: a first buffer, then result_take when it was too small.
function finish(n: i64, buf: Uint8Array): Result {
  if (n < 0) return new Result(n, new Uint8Array(0));
  if (n > <i64>buf.length) {
    buf = new Uint8Array(<i32>n);
    const m = wavs_v1_result_take(buf.dataStart, <i32>n);
    if (m < 0) return new Result(m, new Uint8Array(0));
  }
  return new Result(n, buf.subarray(0, <i32>n));
}

/** The message of the last failed call. */
export function lastError(): string {
  let buf = new Uint8Array(512);
  let n = wavs_v1_last_error(buf.dataStart, buf.length);
  if (n <= 0) return "";
  if (n > <i64>buf.length) {
    buf = new Uint8Array(<i32>n);
    n = wavs_v1_last_error(buf.dataStart, <i32>n);
  }
  return String.UTF8.decode(buf.buffer.slice(0, <i32>n));
}

export function hexDecode(s: string): Uint8Array | null {
  if (s.startsWith("0x") || s.startsWith("0X")) s = s.substring(2);
  if (s.length % 2 != 0) return null;
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) {
    const hi = hexDigit(s.charCodeAt(2 * i)), lo = hexDigit(s.charCodeAt(2 * i + 1));
    if (hi < 0 || lo < 0) return null;
    out[i] = <u8>(hi * 16 + lo);
  }
  return out;
}

function hexDigit(c: i32): i32 {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

export function hexEncode(b: Uint8Array): string {
  const d = "0123456789abcdef";
  let s = "0x";
  for (let i = 0; i < b.length; i++) s += d.charAt(b[i] >> 4) + d.charAt(b[i] & 15);
  return s;
}

// ---- JSON: path lookup over the text -----------------------------------------------------

function ws(s: string, i: i32): i32 {
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c != 32 && c != 9 && c != 10 && c != 13) break;
    i++;
  }
  return i;
}

// The end of the value starting at i, or -1.
function skip(s: string, i: i32): i32 {
  if (i >= s.length) return -1;
  const c = s.charCodeAt(i);
  if (c == 34) { // string
    for (i++; i < s.length; i++) {
      const d = s.charCodeAt(i);
      if (d == 92) i++;
      else if (d == 34) return i + 1;
    }
    return -1;
  }
  if (c == 123 || c == 91) { // object, array
    const close = c == 123 ? 125 : 93;
    i = ws(s, i + 1);
    if (i < s.length && s.charCodeAt(i) == close) return i + 1;
    while (true) {
      if (c == 123) {
        i = skip(s, i);
        if (i < 0) return -1;
        i = ws(s, i);
        if (i >= s.length || s.charCodeAt(i) != 58) return -1;
        i = ws(s, i + 1);
      }
      i = skip(s, i);
      if (i < 0) return -1;
      i = ws(s, i);
      if (i >= s.length) return -1;
      const d = s.charCodeAt(i);
      if (d == close) return i + 1;
      if (d != 44) return -1;
      i = ws(s, i + 1);
    }
  }
  const start = i;
  while (i < s.length) {
    const d = s.charCodeAt(i);
    if (!(d == 45 || d == 43 || d == 46 || (d >= 48 && d <= 57) || (d >= 97 && d <= 122) || d == 69)) break;
    i++;
  }
  return i > start ? i : -1;
}

/** The JSON text of the value at a dotted path ("data.raw", "a.topics.0"), or null. */
export function jsonGet(json: string, path: string): string | null {
  let cur = json.trim();
  const segs = path.length ? path.split(".") : new Array<string>(0);
  for (let k = 0; k < segs.length; k++) {
    const seg = segs[k];
    const open = cur.charCodeAt(0);
    if (open != 123 && open != 91) return null;
    let i = ws(cur, 1), index = 0, found = false;
    const wanted = open == 91 ? I32.parseInt(seg) : -1;
    while (i < cur.length && cur.charCodeAt(i) != 125 && cur.charCodeAt(i) != 93) {
      let name = "";
      if (open == 123) {
        const e = skip(cur, i);
        if (e < 0) return null;
        name = cur.substring(i + 1, e - 1);
        i = ws(cur, e);
        i = ws(cur, i + 1); // ':'
      }
      const e = skip(cur, i);
      if (e < 0) return null;
      if ((open == 123 && name == seg) || (open == 91 && index == wanted)) {
        cur = cur.substring(i, e);
        found = true;
        break;
      }
      index++;
      i = ws(cur, e);
      if (i < cur.length && cur.charCodeAt(i) == 44) i = ws(cur, i + 1);
    }
    if (!found) return null;
  }
  return cur;
}

/** A JSON string value's text (common escapes), or null when it is not a string. */
export function jsonString(raw: string | null): string | null {
  if (raw === null || raw.length < 2 || raw.charCodeAt(0) != 34) return null;
  const s = raw;
  let out = "";
  for (let i = 1; i < s.length - 1; i++) {
    const c = s.charCodeAt(i);
    if (c != 92) { out += String.fromCharCode(c); continue; }
    const e = s.charCodeAt(++i);
    if (e == 110) out += "\n";
    else if (e == 116) out += "\t";
    else if (e == 114) out += "\r";
    else if (e == 98) out += "\b";
    else if (e == 102) out += "\f";
    else if (e == 117) { out += String.fromCharCode(I32.parseInt(s.substring(i + 1, i + 5), 16)); i += 4; }
    else out += String.fromCharCode(e);
  }
  return out;
}

/** A u64 given as a decimal string (the trigger's form), hex string or number. */
export function jsonU64(raw: string | null): u64 {
  if (raw === null) return 0;
  let s = raw;
  if (s.charCodeAt(0) == 34) s = s.substring(1, s.length - 1);
  if (s.startsWith("0x")) return U64.parseInt(s.substring(2), 16);
  return U64.parseInt(s, 10);
}

// ---- the trigger -------------------------------------------------------------------------

/** Reads all of stdin. */
export function readStdin(): Uint8Array {
  let buf = new ArrayBuffer(4096);
  let n = 0;
  while (true) {
    if (n == buf.byteLength) {
      const bigger = new ArrayBuffer(buf.byteLength * 2);
      memory.copy(changetype<usize>(bigger), changetype<usize>(buf), n);
      buf = bigger;
    }
    const got = process.stdin.read(buf, n);
    if (got <= 0) break;
    n += got;
  }
  return Uint8Array.wrap(buf, 0, n);
}

export class Trigger {
  json: string = "";
  serviceId: string = "";
  workflowId: string = "";
  /** "evm_contract_event", "block_interval", "cron", "raw" (or a later variant's name). */
  kind: string = "";
  /** The variant's JSON text. */
  variant: string = "";
  chain: string = "";
  /** The log's data, or the raw bytes. */
  bytes: Uint8Array = new Uint8Array(0);
  blockNumber: u64 = 0;  // evm_contract_event: log.block_number
  blockHeight: u64 = 0;  // block_interval
  triggerTime: u64 = 0;  // cron, nanoseconds
}

/** Reads and parses the TriggerAction on stdin (null when it is not valid). */
export function readTrigger(): Trigger | null {
  const t = new Trigger();
  const b = readStdin();
  t.json = String.UTF8.decode(b.buffer.slice(0, b.length));
  const sid = jsonString(jsonGet(t.json, "config.service_id"));
  const wid = jsonString(jsonGet(t.json, "config.workflow_id"));
  if (sid !== null) t.serviceId = sid;
  if (wid !== null) t.workflowId = wid;
  const data = jsonGet(t.json, "data");
  if (data === null || data.charCodeAt(0) != 123) return null;
  const nameEnd = skip(data, ws(data, 1));
  if (nameEnd < 0) return null;
  t.kind = data.substring(ws(data, 1) + 1, nameEnd - 1);
  const v = jsonGet(data, t.kind);
  if (v === null) return null;
  t.variant = v;
  const chain = jsonString(jsonGet(v, "chain"));
  if (chain !== null) t.chain = chain;
  if (t.kind == "raw") {
    const raw = hexDecode(jsonString(v) || "");
    if (raw === null) return null;
    t.bytes = raw;
  } else if (t.kind == "evm_contract_event") {
    const d = hexDecode(jsonString(jsonGet(v, "log.data")) || "");
    if (d === null) return null;
    t.bytes = d;
    t.blockNumber = jsonU64(jsonGet(v, "log.block_number"));
  } else if (t.kind == "block_interval") {
    t.blockHeight = jsonU64(jsonGet(v, "block_height"));
  } else if (t.kind == "cron") {
    t.triggerTime = jsonU64(jsonGet(v, "trigger_time"));
  }
  return t;
}

// ---- the natural API -----------------------------------------------------------------------

/** One response; ordering < 0 means none; an empty salt means none. */
export function respond(payload: Uint8Array, ordering: i64 = -1, salt: Uint8Array = new Uint8Array(0)): i32 {
  let flags = 0;
  if (ordering >= 0) flags |= HAS_ORDERING;
  if (salt.length > 0) flags |= HAS_SALT;
  return wavs_v1_respond(payload.dataStart, payload.length, ordering >= 0 ? ordering : 0, flags, salt.dataStart, salt.length);
}

export function log(level: Level, message: string): void {
  const m = utf8(message);
  wavs_v1_log(<i32>level, m.dataStart, m.length);
}

/** A config variable, or null. */
export function configVar(key: string): string | null {
  const k = utf8(key);
  const buf = new Uint8Array(512);
  const r = finish(wavs_v1_config_var(k.dataStart, k.length, buf.dataStart, buf.length), buf);
  return r.ok ? r.text() : null;
}

export function serviceInfo(): Result {
  const buf = new Uint8Array(1024);
  return finish(wavs_v1_service_info(buf.dataStart, buf.length), buf);
}

/** The 20-byte event id of a response with this salt (empty: without salt). */
export function eventId(salt: Uint8Array = new Uint8Array(0)): Uint8Array {
  const out = new Uint8Array(20);
  wavs_v1_event_id(salt.length ? HAS_SALT : 0, salt.dataStart, salt.length, out.dataStart);
  return out;
}

export class HttpResponse {
  constructor(public code: i64, public status: u32, public headers: string, public body: Uint8Array) {}
  get ok(): bool { return this.code >= 0; }
  text(): string { return String.UTF8.decode(this.body.buffer.slice(this.body.byteOffset, this.body.byteOffset + this.body.length)); }
}

/** An HTTP request; headers as "Name: value\r\n" lines. */
export function httpRequest(method: string, url: string, headers: string = "", body: Uint8Array = new Uint8Array(0), timeoutMs: i32 = 0): HttpResponse {
  const m = utf8(method), u = utf8(url), h = utf8(headers);
  const buf = new Uint8Array(4096);
  const r = finish(wavs_v1_http_request(m.dataStart, m.length, u.dataStart, u.length, h.dataStart, h.length,
    body.dataStart, body.length, timeoutMs, buf.dataStart, buf.length), buf);
  if (!r.ok || r.bytes.length < 8) return new HttpResponse(r.ok ? E_INTERNAL : r.code, 0, "", new Uint8Array(0));
  const view = new DataView(r.bytes.buffer, r.bytes.byteOffset, r.bytes.length);
  const status = view.getUint32(0, true), hl = <i32>view.getUint32(4, true);
  const hb = r.bytes.subarray(8, 8 + hl);
  return new HttpResponse(0, status, String.UTF8.decode(hb.buffer.slice(hb.byteOffset, hb.byteOffset + hb.length)), r.bytes.subarray(8 + hl));
}

/** JSON-RPC to a chain the node knows; the JSON text of `result`. */
export function chainRpc(chain: string, method: string, paramsJson: string = "[]"): Result {
  const c = utf8(chain), m = utf8(method), p = utf8(paramsJson);
  const buf = new Uint8Array(1024);
  return finish(wavs_v1_chain_rpc(c.dataStart, c.length, m.dataStart, m.length, p.dataStart, p.length, buf.dataStart, buf.length), buf);
}

export function kvGet(bucket: string, key: Uint8Array): Result {
  const b = utf8(bucket);
  const buf = new Uint8Array(512);
  return finish(wavs_v1_kv_get(b.dataStart, b.length, key.dataStart, key.length, buf.dataStart, buf.length), buf);
}

export function kvSet(bucket: string, key: Uint8Array, value: Uint8Array): i32 {
  const b = utf8(bucket);
  return wavs_v1_kv_set(b.dataStart, b.length, key.dataStart, key.length, value.dataStart, value.length);
}

export function kvDelete(bucket: string, key: Uint8Array): i32 {
  const b = utf8(bucket);
  return wavs_v1_kv_delete(b.dataStart, b.length, key.dataStart, key.length);
}

/** The code of the last kvIncrement (0 or a negative WAVS error). */
export let lastCode: i32 = 0;
/** Adds delta atomically; returns the new value (check lastCode). */
export function kvIncrement(bucket: string, key: Uint8Array, delta: i64): i64 {
  const b = utf8(bucket);
  const out = new Uint8Array(8);
  lastCode = wavs_v1_kv_increment(b.dataStart, b.length, key.dataStart, key.length, delta, out.dataStart);
  return load<i64>(out.dataStart);
}

// ---- ABI -----------------------------------------------------------------------------------

/** A 32-byte big-endian word holding a u64. */
export function abiU64(v: u64): Uint8Array {
  const w = new Uint8Array(32);
  for (let i = 0; i < 8; i++) w[31 - i] = <u8>(v >> (8 * i));
  return w;
}

/** Head word `i` as a u64 (0 when the data is too short; the upper 24 bytes are ignored). */
export function abiReadU64(data: Uint8Array, i: i32): u64 {
  let v: u64 = 0;
  if (data.length < 32 * (i + 1)) return 0;
  for (let k = 0; k < 8; k++) v = (v << 8) | data[32 * i + 24 + k];
  return v;
}
