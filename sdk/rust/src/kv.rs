//! The service's persistent key-value store (`kv_*`), divided into buckets.

use crate::{check, fetch, len, raw, Error, Result};

/// A bucket: 1–64 bytes of `[a-z0-9_.-]`.
#[derive(Clone, Debug)]
pub struct Bucket {
    name: String,
}

pub fn bucket(name: &str) -> Bucket {
    Bucket { name: name.to_string() }
}

impl Bucket {
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The value, None when the key is absent.
    pub fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        let b = &self.name;
        match fetch(|p, c| unsafe { raw::kv_get(b.as_ptr(), len(b.len()), key.as_ptr(), len(key.len()), p, c) }) {
            Ok(v) => Ok(Some(v)),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    pub fn set(&self, key: &[u8], value: &[u8]) -> Result<()> {
        let b = &self.name;
        check(unsafe {
            raw::kv_set(b.as_ptr(), len(b.len()), key.as_ptr(), len(key.len()), value.as_ptr(), len(value.len()))
        })
        .map(|_| ())
    }

    /// Removes the key; true if it existed.
    pub fn delete(&self, key: &[u8]) -> Result<bool> {
        let b = &self.name;
        check(unsafe { raw::kv_delete(b.as_ptr(), len(b.len()), key.as_ptr(), len(key.len())) }).map(|n| n == 1)
    }

    /// Atomically adds `delta` to the counter at `key` (absent = 0); the new value.
    pub fn increment(&self, key: &[u8], delta: i64) -> Result<i64> {
        let b = &self.name;
        let mut out = [0u8; 8];
        check(unsafe {
            raw::kv_increment(b.as_ptr(), len(b.len()), key.as_ptr(), len(key.len()), delta, out.as_mut_ptr())
        })?;
        Ok(i64::from_le_bytes(out))
    }

    /// One page of keys strictly after `cursor` (empty: from the start), ascending.
    /// A page shorter than `limit` is the last.
    pub fn list_page(&self, cursor: &[u8], limit: i32) -> Result<Vec<Vec<u8>>> {
        let b = &self.name;
        let out = fetch(|p, c| unsafe {
            raw::kv_list(b.as_ptr(), len(b.len()), cursor.as_ptr(), len(cursor.len()), limit, p, c)
        })?;
        let mut keys = Vec::new();
        let mut i = 0usize;
        while i < out.len() {
            let bad = || Error::sdk("malformed kv_list result".into());
            let l = out.get(i..i + 4).ok_or_else(bad)?;
            let n = u32::from_le_bytes([l[0], l[1], l[2], l[3]]) as usize;
            keys.push(out.get(i + 4..i + 4 + n).ok_or_else(bad)?.to_vec());
            i += 4 + n;
        }
        Ok(keys)
    }

    /// Every key of the bucket (pages of 100).
    pub fn keys(&self) -> Result<Vec<Vec<u8>>> {
        let mut all: Vec<Vec<u8>> = Vec::new();
        loop {
            let cursor = all.last().cloned().unwrap_or_default();
            let page = self.list_page(&cursor, 100)?;
            let done = page.len() < 100;
            all.extend(page);
            if done {
                return Ok(all);
            }
        }
    }
}
