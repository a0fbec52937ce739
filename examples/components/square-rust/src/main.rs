//! square: x = abi.decode(input, (uint64)); responds with abi.encode(uint256 x*x). The
//! input is a raw trigger's bytes, or the `data` of the example trigger contract's
//! NewTrigger(abi.encode(TriggerInfo)) event.
use wavs_sdk::abi::{decode_new_trigger, decode_u64, encode_u256, U256};
use wavs_sdk::{log, respond, TriggerAction, TriggerData};

fn main() {
    wavs_sdk::run(|t: TriggerAction| {
        let input = match &t.data {
            TriggerData::Raw(bytes) => bytes.clone(),
            TriggerData::EvmContractEvent { log, .. } => {
                let (id, _creator, data) =
                    decode_new_trigger(&log.data).map_err(|_| "square: the event is not NewTrigger".to_string())?;
                log!(Info, "square: trigger {}", id);
                data
            }
            _ => return Err("square: needs a raw or contract-event trigger".to_string()),
        };
        let x = decode_u64(&input, 0).map_err(|_| format!("square: expected abi.encode(uint64), got {} bytes", input.len()))?;
        let (sq, _) = U256::from_u64(x).overflowing_mul(U256::from_u64(x)); // < 2^128: never overflows
        log!(Info, "square: {} squared is {}", x, sq.to_decimal());
        respond(&encode_u256(sq)).map_err(|e| format!("respond: {}", e))
    })
}
