//! kv-counter: counts the triggers this service has seen, per trigger kind, in its
//! key-value store, and responds with abi.encode(uint64 total, string kind) salted by
//! nothing (one response per trigger). Config: `bucket` (default "counters").
use wavs_sdk::abi::{encode, Token, U256};
use wavs_sdk::{config_var, kv, log, respond, TriggerAction, TriggerData};

fn main() {
    wavs_sdk::run(|t: TriggerAction| {
        let name = config_var("bucket").map_err(|e| e.to_string())?.unwrap_or_else(|| "counters".to_string());
        let bucket = kv::bucket(&name);
        let kind = match t.data {
            TriggerData::EvmContractEvent { .. } => "evm_contract_event",
            TriggerData::BlockInterval { .. } => "block_interval",
            TriggerData::Cron { .. } => "cron",
            TriggerData::Raw(_) => "raw",
            TriggerData::Unknown(_) => "unknown",
        };
        let total = bucket.increment(b"total", 1).map_err(|e| format!("increment total: {}", e))?;
        let per_kind = bucket.increment(kind.as_bytes(), 1).map_err(|e| format!("increment {}: {}", kind, e))?;
        let keys = bucket.keys().map_err(|e| format!("list: {}", e))?;
        log!(Info, "kv-counter: total {}, {} {}, {} keys in bucket {}", total, kind, per_kind, keys.len(), name);
        let payload = encode(&[Token::Uint(U256::from_u64(total as u64)), Token::String(kind.to_string())]);
        respond(&payload).map_err(|e| format!("respond: {}", e))
    })
}
