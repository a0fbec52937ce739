//! The TriggerAction a component gets on stdin (docs/component-abi.md, "Input").

use crate::json::Value;
use crate::Error;
use std::io::Read;

/// A full EVM log.
#[derive(Clone, Debug, PartialEq)]
pub struct EvmLog {
    pub address: [u8; 20],
    pub topics: Vec<[u8; 32]>,
    pub data: Vec<u8>,
    pub tx_hash: [u8; 32],
    pub block_number: u64,
    pub block_hash: [u8; 32],
    pub log_index: u64,
    pub tx_index: u64,
}

#[derive(Clone, Debug, PartialEq)]
pub enum TriggerData {
    EvmContractEvent { chain: String, log: EvmLog },
    BlockInterval { chain: String, block_height: u64 },
    /// `trigger_time` in nanoseconds since the Unix epoch.
    Cron { trigger_time: u64 },
    Raw(Vec<u8>),
    /// A variant this SDK does not know (a later host): its JSON.
    Unknown(Value),
}

impl TriggerData {
    /// The bytes that carry the trigger: the log data of a contract event, the raw bytes
    /// of a raw trigger; None otherwise.
    pub fn bytes(&self) -> Option<&[u8]> {
        match self {
            TriggerData::EvmContractEvent { log, .. } => Some(&log.data),
            TriggerData::Raw(b) => Some(b),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct TriggerAction {
    /// 64 hex characters, no 0x.
    pub service_id: String,
    pub workflow_id: String,
    /// The workflow's trigger, verbatim from the manifest.
    pub trigger: Value,
    pub data: TriggerData,
    /// The whole document, for members this SDK does not model.
    pub json: Value,
}

fn bad(what: &str) -> Error {
    Error::sdk(format!("trigger JSON: {}", what))
}

fn fixed<const N: usize>(v: &Value, name: &str) -> Result<[u8; N], Error> {
    v.get(name).as_hex_array::<N>().ok_or_else(|| bad(name))
}

fn num(v: &Value, name: &str) -> Result<u64, Error> {
    v.get(name).as_u64().ok_or_else(|| bad(name))
}

fn text(v: &Value, name: &str) -> Result<String, Error> {
    v.get(name).as_str().map(|s| s.to_string()).ok_or_else(|| bad(name))
}

impl TriggerAction {
    /// Parses a TriggerAction document.
    pub fn parse(json_text: &str) -> Result<TriggerAction, Error> {
        let json = Value::parse(json_text).map_err(|e| Error::sdk(format!("trigger {}", e)))?;
        let config = json.get("config");
        let (tag, body) = json.get("data").variant().ok_or_else(|| bad("data"))?;
        let data = match tag {
            "evm_contract_event" => {
                let l = body.get("log");
                let mut topics = Vec::new();
                for t in l.get("topics").as_array().ok_or_else(|| bad("topics"))? {
                    topics.push(t.as_hex_array::<32>().ok_or_else(|| bad("topics"))?);
                }
                TriggerData::EvmContractEvent {
                    chain: text(body, "chain")?,
                    log: EvmLog {
                        address: fixed::<20>(l, "address")?,
                        topics,
                        data: l.get("data").as_hex().ok_or_else(|| bad("data"))?,
                        tx_hash: fixed::<32>(l, "tx_hash")?,
                        block_number: num(l, "block_number")?,
                        block_hash: fixed::<32>(l, "block_hash")?,
                        log_index: num(l, "log_index")?,
                        tx_index: num(l, "tx_index")?,
                    },
                }
            }
            "block_interval" => TriggerData::BlockInterval {
                chain: text(body, "chain")?,
                block_height: num(body, "block_height")?,
            },
            "cron" => TriggerData::Cron { trigger_time: num(body, "trigger_time")? },
            "raw" => TriggerData::Raw(body.as_hex().ok_or_else(|| bad("raw"))?),
            _ => TriggerData::Unknown(json.get("data").clone()),
        };
        Ok(TriggerAction {
            service_id: config.get("service_id").as_str().unwrap_or("").to_string(),
            workflow_id: config.get("workflow_id").as_str().unwrap_or("").to_string(),
            trigger: config.get("trigger").clone(),
            data,
            json,
        })
    }

    /// Reads stdin and parses it.
    pub fn from_stdin() -> Result<TriggerAction, Error> {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| Error::sdk(format!("reading the trigger from stdin: {}", e)))?;
        TriggerAction::parse(&s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_variant() {
        let ev = r#"{"config":{"service_id":"ab","workflow_id":"default","trigger":"manual"},
          "data":{"evm_contract_event":{"chain":"evm:31337","log":{
            "address":"0x5fbdb2315678afecb367f032d93f642f64180aa3",
            "topics":["0x0000000000000000000000000000000000000000000000000000000000000001"],
            "data":"0x0102","tx_hash":"0x1111111111111111111111111111111111111111111111111111111111111111",
            "block_number":"42","block_hash":"0x2222222222222222222222222222222222222222222222222222222222222222",
            "log_index":"3","tx_index":"0"}}}}"#;
        let t = TriggerAction::parse(ev).unwrap();
        assert_eq!(t.workflow_id, "default");
        match &t.data {
            TriggerData::EvmContractEvent { chain, log } => {
                assert_eq!(chain, "evm:31337");
                assert_eq!(log.block_number, 42);
                assert_eq!(log.log_index, 3);
                assert_eq!(log.topics[0][31], 1);
            }
            _ => panic!(),
        }
        assert_eq!(t.data.bytes(), Some(&[1u8, 2][..]));
        let raw = TriggerAction::parse(r#"{"config":{},"data":{"raw":"0x07"}}"#).unwrap();
        assert_eq!(raw.data, TriggerData::Raw(vec![7]));
        let cron = TriggerAction::parse(r#"{"config":{},"data":{"cron":{"trigger_time":"1764086400000000000"}}}"#).unwrap();
        assert_eq!(cron.data, TriggerData::Cron { trigger_time: 1_764_086_400_000_000_000 });
        let bi = TriggerAction::parse(r#"{"config":{},"data":{"block_interval":{"chain":"evm:1","block_height":"9"}}}"#).unwrap();
        assert_eq!(bi.data, TriggerData::BlockInterval { chain: "evm:1".into(), block_height: 9 });
        assert!(TriggerAction::parse(r#"{"config":{},"data":{"raw":"0x7"}}"#).is_err());
    }
}
