//! The raw `wavs_v1` imports, exactly as docs/component-abi.md lists them. Pointers are
//! i32 on wasm32; prefer the safe wrappers of the crate root.
#![allow(clippy::too_many_arguments)]

#[cfg(target_arch = "wasm32")]
#[link(wasm_import_module = "wavs_v1")]
extern "C" {
    pub fn respond(payload: *const u8, payload_len: i32, ordering: i64, flags: i32, salt: *const u8, salt_len: i32) -> i32;
    pub fn log(level: i32, msg: *const u8, msg_len: i32) -> i32;
    pub fn config_var(key: *const u8, key_len: i32, out: *mut u8, out_cap: i32) -> i64;
    pub fn service_info(out: *mut u8, out_cap: i32) -> i64;
    pub fn chain_config(chain: *const u8, chain_len: i32, out: *mut u8, out_cap: i32) -> i64;
    pub fn event_id(flags: i32, salt: *const u8, salt_len: i32, out20: *mut u8) -> i32;
    pub fn http_request(
        method: *const u8, method_len: i32, url: *const u8, url_len: i32, headers: *const u8, headers_len: i32,
        body: *const u8, body_len: i32, timeout_ms: i32, out: *mut u8, out_cap: i32,
    ) -> i64;
    pub fn chain_rpc(
        chain: *const u8, chain_len: i32, method: *const u8, method_len: i32, params: *const u8, params_len: i32,
        out: *mut u8, out_cap: i32,
    ) -> i64;
    pub fn kv_get(bucket: *const u8, bucket_len: i32, key: *const u8, key_len: i32, out: *mut u8, out_cap: i32) -> i64;
    pub fn kv_set(bucket: *const u8, bucket_len: i32, key: *const u8, key_len: i32, value: *const u8, value_len: i32) -> i32;
    pub fn kv_delete(bucket: *const u8, bucket_len: i32, key: *const u8, key_len: i32) -> i32;
    pub fn kv_increment(bucket: *const u8, bucket_len: i32, key: *const u8, key_len: i32, delta: i64, out8: *mut u8) -> i32;
    pub fn kv_list(
        bucket: *const u8, bucket_len: i32, cursor: *const u8, cursor_len: i32, limit: i32, out: *mut u8, out_cap: i32,
    ) -> i64;
    pub fn result_take(out: *mut u8, out_cap: i32) -> i64;
    pub fn last_error(out: *mut u8, out_cap: i32) -> i64;
}

// Off wasm (unit tests on the build machine) every import answers WAVS_E_UNAVAILABLE.
#[cfg(not(target_arch = "wasm32"))]
mod host_stubs {
    const U: i32 = -10;
    pub unsafe fn respond(_: *const u8, _: i32, _: i64, _: i32, _: *const u8, _: i32) -> i32 { U }
    pub unsafe fn log(_: i32, _: *const u8, _: i32) -> i32 { U }
    pub unsafe fn config_var(_: *const u8, _: i32, _: *mut u8, _: i32) -> i64 { U as i64 }
    pub unsafe fn service_info(_: *mut u8, _: i32) -> i64 { U as i64 }
    pub unsafe fn chain_config(_: *const u8, _: i32, _: *mut u8, _: i32) -> i64 { U as i64 }
    pub unsafe fn event_id(_: i32, _: *const u8, _: i32, _: *mut u8) -> i32 { U }
    pub unsafe fn http_request(
        _: *const u8, _: i32, _: *const u8, _: i32, _: *const u8, _: i32, _: *const u8, _: i32, _: i32, _: *mut u8, _: i32,
    ) -> i64 { U as i64 }
    pub unsafe fn chain_rpc(_: *const u8, _: i32, _: *const u8, _: i32, _: *const u8, _: i32, _: *mut u8, _: i32) -> i64 { U as i64 }
    pub unsafe fn kv_get(_: *const u8, _: i32, _: *const u8, _: i32, _: *mut u8, _: i32) -> i64 { U as i64 }
    pub unsafe fn kv_set(_: *const u8, _: i32, _: *const u8, _: i32, _: *const u8, _: i32) -> i32 { U }
    pub unsafe fn kv_delete(_: *const u8, _: i32, _: *const u8, _: i32) -> i32 { U }
    pub unsafe fn kv_increment(_: *const u8, _: i32, _: *const u8, _: i32, _: i64, _: *mut u8) -> i32 { U }
    pub unsafe fn kv_list(_: *const u8, _: i32, _: *const u8, _: i32, _: i32, _: *mut u8, _: i32) -> i64 { U as i64 }
    pub unsafe fn result_take(_: *mut u8, _: i32) -> i64 { -3 }
    pub unsafe fn last_error(_: *mut u8, _: i32) -> i64 { 0 }
}
#[cfg(not(target_arch = "wasm32"))]
pub use host_stubs::*;

/// `respond` / `event_id` flag bits.
pub const HAS_ORDERING: i32 = 1;
pub const HAS_SALT: i32 = 2;
