//! Hex as the ABI writes it: "0x" + lowercase on output; with or without "0x", any case,
//! on input.

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HexError;

impl std::fmt::Display for HexError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("invalid hex")
    }
}

fn digit(c: u8) -> Result<u8, HexError> {
    match c {
        b'0'..=b'9' => Ok(c - b'0'),
        b'a'..=b'f' => Ok(c - b'a' + 10),
        b'A'..=b'F' => Ok(c - b'A' + 10),
        _ => Err(HexError),
    }
}

pub fn decode(s: &str) -> Result<Vec<u8>, HexError> {
    let s = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")).unwrap_or(s).as_bytes();
    if s.len() % 2 != 0 {
        return Err(HexError);
    }
    s.chunks(2).map(|p| Ok(digit(p[0])? << 4 | digit(p[1])?)).collect()
}

/// "0x" + lowercase hex.
pub fn encode(b: &[u8]) -> String {
    const D: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(2 + 2 * b.len());
    s.push_str("0x");
    for &x in b {
        s.push(D[(x >> 4) as usize] as char);
        s.push(D[(x & 15) as usize] as char);
    }
    s
}

#[cfg(test)]
mod tests {
    #[test]
    fn round_trip() {
        assert_eq!(super::decode("0x00fF10").unwrap(), vec![0, 255, 16]);
        assert_eq!(super::encode(&[0, 255, 16]), "0x00ff10");
        assert!(super::decode("0x1").is_err());
        assert!(super::decode("zz").is_err());
        assert_eq!(super::decode("0x").unwrap(), Vec::<u8>::new());
    }
}
