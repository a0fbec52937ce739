//! Outbound HTTP through the host (`http_request`), allowed only to the workflow's
//! `allowed_http_hosts`.

use crate::{fetch, len, raw, Error, Result};

#[derive(Clone, Debug, Default)]
pub struct Request {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// 0: the host's default (10 s); never longer than the run's remaining time.
    pub timeout_ms: i32,
}

#[derive(Clone, Debug)]
pub struct Response {
    pub status: u32,
    /// Names in lower case, in received order.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers.iter().find(|(k, _)| *k == name).map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> Result<crate::Value> {
        crate::Value::parse(&self.text()).map_err(|e| Error::sdk(e.to_string()))
    }
}

impl Request {
    pub fn new(method: &str, url: &str) -> Request {
        Request { method: method.to_string(), url: url.to_string(), ..Default::default() }
    }

    pub fn header(mut self, name: &str, value: &str) -> Request {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    pub fn body(mut self, body: &[u8]) -> Request {
        self.body = body.to_vec();
        self
    }

    pub fn timeout_ms(mut self, ms: i32) -> Request {
        self.timeout_ms = ms;
        self
    }

    pub fn send(&self) -> Result<Response> {
        let mut headers = String::new();
        for (k, v) in &self.headers {
            headers.push_str(k);
            headers.push_str(": ");
            headers.push_str(v);
            headers.push_str("\r\n");
        }
        let m = &self.method;
        let u = &self.url;
        let b = &self.body;
        let out = fetch(|p, c| unsafe {
            raw::http_request(
                m.as_ptr(),
                len(m.len()),
                u.as_ptr(),
                len(u.len()),
                headers.as_ptr(),
                len(headers.len()),
                b.as_ptr(),
                len(b.len()),
                self.timeout_ms,
                p,
                c,
            )
        })?;
        parse_response(&out).ok_or_else(|| Error::sdk("malformed http_request result".into()))
    }
}

fn le32(b: &[u8]) -> u32 {
    u32::from_le_bytes([b[0], b[1], b[2], b[3]])
}

fn parse_response(out: &[u8]) -> Option<Response> {
    if out.len() < 8 {
        return None;
    }
    let status = le32(&out[0..4]);
    let hl = le32(&out[4..8]) as usize;
    let hdr = out.get(8..8usize.checked_add(hl)?)?;
    let mut headers = Vec::new();
    for line in String::from_utf8_lossy(hdr).split("\r\n") {
        if let Some(i) = line.find(':') {
            headers.push((line[..i].trim().to_ascii_lowercase(), line[i + 1..].trim().to_string()));
        }
    }
    Some(Response { status, headers, body: out[8 + hl..].to_vec() })
}

/// GET a URL.
pub fn get(url: &str) -> Result<Response> {
    Request::new("GET", url).send()
}

/// POST a body with a content type.
pub fn post(url: &str, content_type: &str, body: &[u8]) -> Result<Response> {
    Request::new("POST", url).header("Content-Type", content_type).body(body).send()
}

#[cfg(test)]
mod tests {
    #[test]
    fn parses_the_result_encoding() {
        let mut out = vec![200, 0, 0, 0, 20, 0, 0, 0];
        out.extend_from_slice(b"content-type: x/y\r\n");
        out.push(b'!');
        // headers_len 20 covers 19 header bytes plus '!', so the body is empty
        let r = super::parse_response(&out).unwrap();
        assert_eq!(r.status, 200);
        assert_eq!(r.header("Content-Type"), Some("x/y"));
        assert!(super::parse_response(&out[..10]).is_none());
    }
}
