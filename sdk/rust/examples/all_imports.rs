//! Guest-side test of the Rust SDK: every wavs_v1 import through its wrapper. Run with
//! the options sdk/tests/run_examples.sh gives all_imports; exits 1 on any failure.
use wavs_sdk::abi::{decode_string, decode_u64, encode, Token, U256};
use wavs_sdk::chain::{self, Block};
use wavs_sdk::{code, config_var, event_id, hex, http, kv, log, respond_with, service_info, TriggerAction, TriggerData};

fn main() {
    let mut failures = 0;
    let mut check = |ok: bool, what: &str| {
        if !ok {
            eprintln!("check failed: {}", what);
            failures += 1;
        }
    };
    let t = TriggerAction::from_stdin().expect("trigger");
    check(matches!(&t.data, TriggerData::EvmContractEvent { log, .. } if log.block_number == 42), "trigger");
    log!(Info, "all_imports.rs {}", 1);
    check(config_var("greeting").unwrap().as_deref() == Some("hello"), "config small");
    check(config_var("big").unwrap().map(|v| v.len()) == Some(3000), "config through result_take");
    check(config_var("missing").unwrap().is_none(), "config missing");
    check(service_info().map(|v| v.get("workflow_id").as_str() == Some("default")).unwrap_or(false), "service_info");
    check(
        wavs_sdk::chain_config("evm:31337").unwrap().map(|v| v.get("chain_id").as_u64() == Some(31337)).unwrap_or(false),
        "chain_config",
    );
    check(wavs_sdk::chain_config("evm:1").unwrap().is_none(), "chain_config unknown");
    check(
        event_id(Some(b"a")).map(|id| hex::encode(&id) == "0x304cecd4c80df16998d6a1cf7bb851211daefa30").unwrap_or(false),
        "event_id",
    );
    check(event_id(None).is_ok(), "event_id without salt");
    match http::Request::new("POST", "https://api.example.com/x").header("Content-Type", "text/plain").body(b"hi").send() {
        Ok(r) => check(r.status == 201 && r.text() == "created" && r.header("content-type").is_some(), "http"),
        Err(e) => check(false, &format!("http: {}", e)),
    }
    check(http::get("https://other.example.com/").err().map(|e| e.code) == Some(code::DENIED), "http denied");
    check(chain::block_number("evm:31337").ok() == Some(42), "chain_rpc");
    check(chain::rpc("evm:31337", "eth_sendRawTransaction", "[]").map_err(|e| e.code).err() == Some(code::DENIED), "rpc denied");
    let _ = Block::Latest;
    let b = kv::bucket("b1");
    check(b.set(b"k", b"v").is_ok() && b.get(b"k").unwrap() == Some(b"v".to_vec()), "kv set/get");
    check(b.increment(b"c", 5).ok() == Some(5) && b.increment(b"c", -7).ok() == Some(-2), "kv increment");
    check(b.get(b"c").unwrap() == Some(b"-2".to_vec()), "counter as decimal text");
    check(b.increment(b"k", 1).map_err(|e| e.code).err() == Some(code::TYPE), "increment of a non-counter");
    check(b.keys().unwrap() == vec![b"c".to_vec(), b"k".to_vec()], "kv keys");
    check(b.list_page(b"c", 10).unwrap() == vec![b"k".to_vec()], "kv list after a cursor");
    check(b.delete(b"k").unwrap() && !b.delete(b"k").unwrap(), "kv delete");
    let payload = encode(&[Token::Uint(U256::from_u64(7)), Token::String("hi".into())]);
    check(decode_u64(&payload, 0).ok() == Some(7) && decode_string(&payload, 1).ok().as_deref() == Some("hi"), "abi");
    check(respond_with(&payload, Some(5), Some(b"s1")).is_ok(), "first salted response");
    check(respond_with(b"x", None, None).map_err(|e| e.code).err() == Some(code::INVALID), "unsalted second response");
    check(respond_with(b"y", None, Some(b"s2")).is_ok(), "second salted response");
    if failures > 0 {
        std::process::exit(1);
    }
}
