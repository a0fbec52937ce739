//! JSON-RPC to the node's configured chains (`chain_rpc`): read-only methods, no HTTP
//! permission needed.

use crate::json::{write_string, Value};
use crate::{fetch_string, hex, len, raw, Error, Result};

/// Calls `method` with `params` (a JSON array as text) on `chain` ("evm:31337") and
/// returns the response's `result`.
pub fn rpc(chain: &str, method: &str, params_json: &str) -> Result<Value> {
    let s = fetch_string(|p, c| unsafe {
        raw::chain_rpc(
            chain.as_ptr(),
            len(chain.len()),
            method.as_ptr(),
            len(method.len()),
            params_json.as_ptr(),
            len(params_json.len()),
            p,
            c,
        )
    })?;
    Value::parse(&s).map_err(|e| Error::sdk(e.to_string()))
}

/// A block for reads: pin to the trigger's block so every operator reads the same state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Block {
    Latest,
    Number(u64),
}

impl Block {
    fn tag(&self) -> String {
        match self {
            Block::Latest => "latest".to_string(),
            Block::Number(n) => format!("0x{:x}", n),
        }
    }
}

/// `eth_call(to, data)` at `block`: the return data.
pub fn eth_call(chain: &str, to: &[u8; 20], data: &[u8], block: Block) -> Result<Vec<u8>> {
    let mut params = String::from("[{\"to\":");
    write_string(&hex::encode(to), &mut params);
    params.push_str(",\"data\":");
    write_string(&hex::encode(data), &mut params);
    params.push_str("},");
    write_string(&block.tag(), &mut params);
    params.push(']');
    let v = rpc(chain, "eth_call", &params)?;
    v.as_hex().ok_or_else(|| Error::sdk("eth_call result is not hex".into()))
}

/// `eth_blockNumber`.
pub fn block_number(chain: &str) -> Result<u64> {
    rpc(chain, "eth_blockNumber", "[]")?.as_u64().ok_or_else(|| Error::sdk("bad block number".into()))
}

/// `eth_getBalance(address, block)` as a U256.
pub fn balance(chain: &str, address: &[u8; 20], block: Block) -> Result<crate::abi::U256> {
    let mut params = String::from("[");
    write_string(&hex::encode(address), &mut params);
    params.push(',');
    write_string(&block.tag(), &mut params);
    params.push(']');
    let v = rpc(chain, "eth_getBalance", &params)?;
    let s = v.as_str().ok_or_else(|| Error::sdk("bad balance".into()))?;
    let h = s.trim_start_matches("0x");
    let padded = format!("{:0>64}", h);
    let b = hex::decode(&padded).map_err(|_| Error::sdk("bad balance".into()))?;
    if b.len() != 32 {
        return Err(Error::sdk("bad balance".into()));
    }
    let mut w = [0u8; 32];
    w.copy_from_slice(&b);
    Ok(crate::abi::U256(w))
}
