//! Solidity ABI helpers for the common cases: uint256/uint64, address, bool, bytes32,
//! bytes and string, as `abi.encode(...)` of a flat list of values, and decoding the
//! same by head index.

/// A uint256 as 32 big-endian bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct U256(pub [u8; 32]);

impl U256 {
    pub const ZERO: U256 = U256([0; 32]);

    pub fn from_u64(v: u64) -> U256 {
        let mut b = [0u8; 32];
        b[24..].copy_from_slice(&v.to_be_bytes());
        U256(b)
    }

    pub fn from_u128(v: u128) -> U256 {
        let mut b = [0u8; 32];
        b[16..].copy_from_slice(&v.to_be_bytes());
        U256(b)
    }

    /// The value if it fits 64 bits.
    pub fn to_u64(&self) -> Option<u64> {
        if self.0[..24].iter().any(|&x| x != 0) {
            return None;
        }
        let mut b = [0u8; 8];
        b.copy_from_slice(&self.0[24..]);
        Some(u64::from_be_bytes(b))
    }

    fn limbs(&self) -> [u64; 4] {
        let mut l = [0u64; 4];
        for (i, limb) in l.iter_mut().enumerate() {
            let mut b = [0u8; 8];
            b.copy_from_slice(&self.0[24 - 8 * i..32 - 8 * i]);
            *limb = u64::from_be_bytes(b);
        }
        l
    }

    fn from_limbs(l: [u64; 4]) -> U256 {
        let mut b = [0u8; 32];
        for (i, limb) in l.iter().enumerate() {
            b[24 - 8 * i..32 - 8 * i].copy_from_slice(&limb.to_be_bytes());
        }
        U256(b)
    }

    /// a + b mod 2^256, and whether it overflowed.
    pub fn overflowing_add(self, o: U256) -> (U256, bool) {
        let (a, b) = (self.limbs(), o.limbs());
        let mut r = [0u64; 4];
        let mut carry = 0u128;
        for i in 0..4 {
            let s = a[i] as u128 + b[i] as u128 + carry;
            r[i] = s as u64;
            carry = s >> 64;
        }
        (U256::from_limbs(r), carry != 0)
    }

    /// a * b mod 2^256, and whether it overflowed.
    pub fn overflowing_mul(self, o: U256) -> (U256, bool) {
        let (a, b) = (self.limbs(), o.limbs());
        let mut r = [0u64; 8];
        for i in 0..4 {
            let mut carry = 0u128;
            for j in 0..4 {
                let t = a[i] as u128 * b[j] as u128 + r[i + j] as u128 + carry;
                r[i + j] = t as u64;
                carry = t >> 64;
            }
            r[i + 4] = carry as u64;
        }
        let over = r[4..].iter().any(|&x| x != 0);
        (U256::from_limbs([r[0], r[1], r[2], r[3]]), over)
    }

    pub fn checked_mul(self, o: U256) -> Option<U256> {
        match self.overflowing_mul(o) {
            (r, false) => Some(r),
            _ => None,
        }
    }

    pub fn checked_add(self, o: U256) -> Option<U256> {
        match self.overflowing_add(o) {
            (r, false) => Some(r),
            _ => None,
        }
    }

    /// Decimal text.
    pub fn to_decimal(&self) -> String {
        let mut l = self.limbs();
        if l == [0; 4] {
            return "0".to_string();
        }
        let mut digits = Vec::new();
        while l != [0; 4] {
            let mut rem = 0u128;
            for i in (0..4).rev() {
                let cur = (rem << 64) | l[i] as u128;
                l[i] = (cur / 10) as u64;
                rem = cur % 10;
            }
            digits.push(b'0' + rem as u8);
        }
        digits.reverse();
        String::from_utf8(digits).unwrap_or_default()
    }
}

impl From<u64> for U256 {
    fn from(v: u64) -> U256 {
        U256::from_u64(v)
    }
}

/// One value of `abi.encode(...)`.
#[derive(Clone, Debug, PartialEq)]
pub enum Token {
    Uint(U256),
    Address([u8; 20]),
    Bool(bool),
    FixedBytes32([u8; 32]),
    Bytes(Vec<u8>),
    String(String),
}

fn word_u64(v: u64) -> [u8; 32] {
    U256::from_u64(v).0
}

/// `abi.encode(t0, t1, …)` of static and dynamic (bytes, string) values.
pub fn encode(tokens: &[Token]) -> Vec<u8> {
    let mut head = Vec::with_capacity(32 * tokens.len());
    let mut tail = Vec::new();
    for t in tokens {
        match t {
            Token::Uint(u) => head.extend_from_slice(&u.0),
            Token::Address(a) => {
                head.extend_from_slice(&[0u8; 12]);
                head.extend_from_slice(a);
            }
            Token::Bool(b) => head.extend_from_slice(&word_u64(*b as u64)),
            Token::FixedBytes32(b) => head.extend_from_slice(b),
            Token::Bytes(_) | Token::String(_) => {
                let data: &[u8] = match t {
                    Token::Bytes(b) => b,
                    Token::String(s) => s.as_bytes(),
                    _ => unreachable!(),
                };
                head.extend_from_slice(&word_u64((32 * tokens.len() + tail.len()) as u64));
                tail.extend_from_slice(&word_u64(data.len() as u64));
                tail.extend_from_slice(data);
                let pad = (32 - data.len() % 32) % 32;
                tail.extend(std::iter::repeat(0u8).take(pad));
            }
        }
    }
    head.extend_from_slice(&tail);
    head
}

/// `abi.encode(uint256 v)`.
pub fn encode_u256(v: U256) -> Vec<u8> {
    v.0.to_vec()
}

/// `abi.encode(bytes b)`.
pub fn encode_bytes(b: &[u8]) -> Vec<u8> {
    encode(&[Token::Bytes(b.to_vec())])
}

/// `abi.encode(string s)`.
pub fn encode_string(s: &str) -> Vec<u8> {
    encode(&[Token::String(s.to_string())])
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodeError;

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ABI data too short or malformed")
    }
}

/// Head word `i`.
pub fn word(data: &[u8], i: usize) -> Result<[u8; 32], DecodeError> {
    let s = data.get(32 * i..32 * i + 32).ok_or(DecodeError)?;
    let mut w = [0u8; 32];
    w.copy_from_slice(s);
    Ok(w)
}

pub fn decode_u256(data: &[u8], i: usize) -> Result<U256, DecodeError> {
    Ok(U256(word(data, i)?))
}

/// Head word `i` as a uint64 (an error if the value is larger).
pub fn decode_u64(data: &[u8], i: usize) -> Result<u64, DecodeError> {
    decode_u256(data, i)?.to_u64().ok_or(DecodeError)
}

pub fn decode_address(data: &[u8], i: usize) -> Result<[u8; 20], DecodeError> {
    let w = word(data, i)?;
    let mut a = [0u8; 20];
    a.copy_from_slice(&w[12..]);
    Ok(a)
}

/// The dynamic `bytes` whose offset is head word `i`.
pub fn decode_bytes(data: &[u8], i: usize) -> Result<Vec<u8>, DecodeError> {
    let off = decode_u64(data, i)? as usize;
    let len = U256(word(data.get(off..).ok_or(DecodeError)?, 0)?).to_u64().ok_or(DecodeError)? as usize;
    let start = off.checked_add(32).ok_or(DecodeError)?;
    let end = start.checked_add(len).ok_or(DecodeError)?;
    Ok(data.get(start..end).ok_or(DecodeError)?.to_vec())
}

/// The dynamic `string` whose offset is head word `i`.
pub fn decode_string(data: &[u8], i: usize) -> Result<String, DecodeError> {
    String::from_utf8(decode_bytes(data, i)?).map_err(|_| DecodeError)
}

/// The example trigger contract's event `NewTrigger(bytes triggerInfo)` with
/// triggerInfo = abi.encode(TriggerInfo{uint64 triggerId; address creator; bytes data}):
/// decodes a log's data into (trigger_id, creator, data).
pub fn decode_new_trigger(log_data: &[u8]) -> Result<(u64, [u8; 20], Vec<u8>), DecodeError> {
    let info = decode_bytes(log_data, 0)?;
    let off = decode_u64(&info, 0)? as usize;
    let tuple = info.get(off..).ok_or(DecodeError)?;
    Ok((decode_u64(tuple, 0)?, decode_address(tuple, 1)?, decode_bytes(tuple, 2)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_like_solidity() {
        // abi.encode(uint256(7), "hi")
        let e = encode(&[Token::Uint(7u64.into()), Token::String("hi".into())]);
        assert_eq!(e.len(), 128);
        assert_eq!(e[31], 7);
        assert_eq!(e[63], 0x40);
        assert_eq!(e[95], 2);
        assert_eq!(&e[96..98], b"hi");
        assert_eq!(decode_string(&e, 1).unwrap(), "hi");
        assert_eq!(decode_u64(&e, 0).unwrap(), 7);
        assert!(decode_bytes(&e[..97], 1).is_err());
    }

    #[test]
    fn new_trigger() {
        // NewTrigger(abi.encode(TriggerInfo(1, 0xf39f…2266, abi.encode(uint64(7))))), from cast abi-encode
        let t = crate::json::Value::parse(include_str!("../../tests/triggers/new_trigger.json")).unwrap();
        let data = t.path("data.evm_contract_event.log.data").as_hex().unwrap();
        let (id, creator, inner) = decode_new_trigger(&data).unwrap();
        assert_eq!(id, 1);
        assert_eq!(creator[0], 0xf3);
        assert_eq!(decode_u64(&inner, 0).unwrap(), 7);
        assert!(decode_new_trigger(&data[..64]).is_err());
    }

    #[test]
    fn arithmetic() {
        let x = U256::from_u64(u64::MAX);
        let (sq, over) = x.overflowing_mul(x);
        assert!(!over);
        assert_eq!(sq.to_decimal(), "340282366920938463426481119284349108225");
        let max = U256([0xff; 32]);
        assert!(max.checked_add(U256::from_u64(1)).is_none());
        assert!(max.checked_mul(U256::from_u64(2)).is_none());
    }
}
