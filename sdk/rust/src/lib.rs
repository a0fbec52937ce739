//! `wavs-sdk`: write WAVS components in Rust (component ABI v1, docs/component-abi.md).
//!
//! A component is a plain `wasm32-wasi` binary: the trigger arrives on stdin, results
//! leave through [`respond`], stdout/stderr are logs, and exit status 0 means success.
//!
//! ```no_run
//! use wavs_sdk::{respond, TriggerAction};
//! fn main() {
//!     wavs_sdk::run(|t: TriggerAction| {
//!         if let Some(bytes) = t.data.bytes() {
//!             respond(bytes).map_err(|e| e.to_string())?;
//!         }
//!         Ok(())
//!     })
//! }
//! ```
//!
//! Build (Debian's toolchain): `RUSTC=/usr/bin/rustc /usr/bin/cargo build --release
//! --target wasm32-wasi --offline`. Std only, no dependencies.

pub mod abi;
pub mod chain;
pub mod hex;
pub mod http;
pub mod json;
pub mod kv;
pub mod raw;
pub mod trigger;

pub use json::Value;
pub use trigger::{EvmLog, TriggerAction, TriggerData};

use std::fmt;

/// The ABI's error codes (negative values returned by the host).
pub mod code {
    pub const INVALID: i64 = -1;
    pub const FAULT: i64 = -2;
    pub const NOT_FOUND: i64 = -3;
    pub const DENIED: i64 = -4;
    pub const LIMIT: i64 = -5;
    pub const TIMEOUT: i64 = -6;
    pub const NETWORK: i64 = -7;
    pub const RPC: i64 = -8;
    pub const TYPE: i64 = -9;
    pub const UNAVAILABLE: i64 = -10;
    pub const INTERNAL: i64 = -11;
    /// Not from the host: the SDK could not parse something.
    pub const SDK: i64 = -100;
}

/// A failed call: the host's error code and message (`last_error`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    pub code: i64,
    pub message: String,
}

impl Error {
    /// Builds the error of a failed host call, reading the host's message.
    pub fn from_code(code: i64) -> Error {
        Error { code, message: last_error() }
    }

    pub(crate) fn sdk(message: String) -> Error {
        Error { code: code::SDK, message }
    }

    pub fn is_not_found(&self) -> bool {
        self.code == code::NOT_FOUND
    }

    pub fn name(&self) -> &'static str {
        match self.code {
            code::INVALID => "invalid argument",
            code::FAULT => "bad pointer",
            code::NOT_FOUND => "not found",
            code::DENIED => "permission denied",
            code::LIMIT => "limit exceeded",
            code::TIMEOUT => "timeout",
            code::NETWORK => "network error",
            code::RPC => "JSON-RPC error",
            code::TYPE => "wrong value type",
            code::UNAVAILABLE => "unavailable",
            code::INTERNAL => "host internal error",
            code::SDK => "SDK error",
            _ => "unknown error",
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.message.is_empty() {
            f.write_str(self.name())
        } else {
            write!(f, "{}: {}", self.name(), self.message)
        }
    }
}

impl std::error::Error for Error {}

pub type Result<T> = std::result::Result<T, Error>;

pub(crate) fn len(n: usize) -> i32 {
    n.min(i32::MAX as usize) as i32
}

pub(crate) fn check(rc: i32) -> Result<i32> {
    if rc < 0 {
        Err(Error::from_code(rc as i64))
    } else {
        Ok(rc)
    }
}

/// The buffer convention: calls `f(out_ptr, out_cap)` once; if the result did not fit,
/// takes the kept result with `result_take` (the call is never repeated).
pub(crate) fn fetch<F: FnOnce(*mut u8, i32) -> i64>(f: F) -> Result<Vec<u8>> {
    let mut buf = vec![0u8; 1024];
    let n = f(buf.as_mut_ptr(), len(buf.len()));
    if n < 0 {
        return Err(Error::from_code(n));
    }
    let n = n as usize;
    if n > buf.len() {
        buf.resize(n, 0);
        let m = unsafe { raw::result_take(buf.as_mut_ptr(), len(n)) };
        if m < 0 {
            return Err(Error::from_code(m));
        }
    }
    buf.truncate(n);
    Ok(buf)
}

pub(crate) fn fetch_string<F: FnOnce(*mut u8, i32) -> i64>(f: F) -> Result<String> {
    String::from_utf8(fetch(f)?).map_err(|_| Error::sdk("host result is not UTF-8".into()))
}

/// The message of the last failed `wavs_v1` call (empty if none).
pub fn last_error() -> String {
    let mut buf = vec![0u8; 512];
    let n = unsafe { raw::last_error(buf.as_mut_ptr(), len(buf.len())) };
    if n <= 0 {
        return String::new();
    }
    let n = n as usize;
    if n > buf.len() {
        // Too long for the first buffer: the message stays, so ask again (nothing pending).
        buf.resize(n, 0);
        if unsafe { raw::last_error(buf.as_mut_ptr(), len(n)) } != n as i64 {
            return String::new();
        }
    }
    buf.truncate(n);
    String::from_utf8_lossy(&buf).into_owned()
}

/// Submits one response (no ordering, no salt).
pub fn respond(payload: &[u8]) -> Result<()> {
    respond_with(payload, None, None)
}

/// Submits one response with an optional ordering and event-id salt (with more than
/// one response per run, every one needs a distinct salt).
pub fn respond_with(payload: &[u8], ordering: Option<u64>, salt: Option<&[u8]>) -> Result<()> {
    let mut flags = 0;
    if ordering.is_some() {
        flags |= raw::HAS_ORDERING;
    }
    let (sp, sl) = match salt {
        Some(s) => {
            flags |= raw::HAS_SALT;
            (s.as_ptr(), len(s.len()))
        }
        None => (std::ptr::null(), 0),
    };
    let rc = unsafe { raw::respond(payload.as_ptr(), len(payload.len()), ordering.unwrap_or(0) as i64, flags, sp, sl) };
    check(rc).map(|_| ())
}

/// Log levels of [`log`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Error = 0,
    Warn = 1,
    Info = 2,
    Debug = 3,
    Trace = 4,
}

/// Writes one log line through the host (errors are ignored: logging never fails a run).
pub fn log(level: Level, message: &str) {
    unsafe {
        raw::log(level as i32, message.as_ptr(), len(message.len()));
    }
}

/// `wavs_sdk::log!(Info, "x = {}", x)`.
#[macro_export]
macro_rules! log {
    ($level:ident, $($arg:tt)*) => {
        $crate::log($crate::Level::$level, &format!($($arg)*))
    };
}

/// A variable of the workflow's `component.config` map (None when absent).
pub fn config_var(key: &str) -> Result<Option<String>> {
    match fetch_string(|p, c| unsafe { raw::config_var(key.as_ptr(), len(key.len()), p, c) }) {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e),
    }
}

/// `{"service_id", "workflow_id", "service": <manifest>}`.
pub fn service_info() -> Result<Value> {
    let s = fetch_string(|p, c| unsafe { raw::service_info(p, c) })?;
    Value::parse(&s).map_err(|e| Error::sdk(e.to_string()))
}

/// `{"chain", "namespace", "chain_id"}` of a chain the node knows (None if unknown).
pub fn chain_config(chain: &str) -> Result<Option<Value>> {
    match fetch_string(|p, c| unsafe { raw::chain_config(chain.as_ptr(), len(chain.len()), p, c) }) {
        Ok(s) => Value::parse(&s).map(Some).map_err(|e| Error::sdk(e.to_string())),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e),
    }
}

/// The event id a response with this salt (None: without salt) gets.
pub fn event_id(salt: Option<&[u8]>) -> Result<[u8; 20]> {
    let mut out = [0u8; 20];
    let rc = match salt {
        Some(s) => unsafe { raw::event_id(raw::HAS_SALT, s.as_ptr(), len(s.len()), out.as_mut_ptr()) },
        None => unsafe { raw::event_id(0, std::ptr::null(), 0, out.as_mut_ptr()) },
    };
    check(rc).map(|_| out)
}

/// Reads the trigger, runs `f`, and ends the process the ABI's way: status 0 on `Ok`,
/// status 1 with the message on stderr on `Err`.
pub fn run<F: FnOnce(TriggerAction) -> std::result::Result<(), String>>(f: F) {
    let t = match TriggerAction::from_stdin() {
        Ok(t) => t,
        Err(e) => {
            eprintln!("{}", e);
            std::process::exit(1);
        }
    };
    if let Err(msg) = f(t) {
        eprintln!("{}", msg);
        std::process::exit(1);
    }
}
