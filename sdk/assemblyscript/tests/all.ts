// Guest-side test of the AssemblyScript SDK: every wavs_v1 import through its wrapper.
// Run with the options sdk/tests/run_examples.sh gives all_imports.
import {
  readTrigger, respond, log, Level, lastError, configVar, serviceInfo, eventId, httpRequest, chainRpc, kvGet, kvSet,
  kvDelete, kvIncrement, lastCode, hexEncode, hexDecode, jsonGet, jsonString, jsonU64, abiU64, abiReadU64,
  wavs_v1_chain_config, wavs_v1_kv_list, E_NOT_FOUND, E_DENIED,
} from "../assembly/index";

let failures = 0;
function check(ok: bool, what: string): void {
  if (!ok) { console.error("check failed: " + what); failures++; }
}
function b(s: string): Uint8Array { return Uint8Array.wrap(String.UTF8.encode(s)); }

const t = readTrigger()!;
check(t.kind == "evm_contract_event" && t.blockNumber == 42 && t.bytes.length == 32 && t.chain == "evm:31337", "trigger");
check(jsonString(jsonGet(t.json, "data.evm_contract_event.log.topics.1"))!.endsWith("01"), "json path into arrays");
check(jsonU64("\"18446744073709551615\"") == u64.MAX_VALUE, "u64 string");
check(hexEncode(hexDecode("0x00fF")!) == "0x00ff", "hex");
check(abiReadU64(abiU64(7), 0) == 7, "abi u64");
log(Level.Info, "all.ts");
check(configVar("greeting") == "hello", "config small");
check(configVar("big")!.length == 3000, "config through result_take");
check(configVar("missing") === null && lastError().length > 0, "config missing");
check(serviceInfo().text().includes("service_id"), "service_info");
const out = new Uint8Array(256);
check(wavs_v1_chain_config(b("evm:31337").dataStart, 9, out.dataStart, 256) > 0, "chain_config");
check(eventId().length == 20 && hexEncode(eventId(b("a"))) == "0x304cecd4c80df16998d6a1cf7bb851211daefa30", "event_id");
const r = httpRequest("POST", "https://api.example.com/x", "Content-Type: text/plain\r\n", b("hi"));
check(r.ok && r.status == 201 && r.text() == "created", "http");
check(httpRequest("GET", "https://other.example.com/").code == E_DENIED, "http denied");
check(chainRpc("evm:31337", "eth_blockNumber").text() == "\"0x2a\"", "chain_rpc");
check(kvSet("b1", b("k"), b("v")) == 0 && kvGet("b1", b("k")).text() == "v", "kv set/get");
check(kvIncrement("b1", b("c"), 5) == 5 && lastCode == 0, "kv increment");
check(wavs_v1_kv_list(b("b1").dataStart, 2, 0, 0, 10, out.dataStart, 256) == 10, "kv list: two 1-byte keys");
check(kvDelete("b1", b("k")) == 1 && kvGet("b1", b("k")).code == E_NOT_FOUND, "kv delete");
check(respond(b("x"), 5, b("s1")) == 0 && respond(b("y"), -1, b("s2")) == 0, "two salted responses");
if (failures > 0) process.exit(1);
