//! API Gateway HTTP API (payload format 2.0) requests and responses.

use aws_lambda_events::apigw::{ApiGatewayV2httpRequest, ApiGatewayV2httpResponse};
use aws_lambda_events::encodings::Body;
use base64::Engine as _;
use http::{HeaderMap, HeaderValue, header};
use serde::Serialize;

/// The largest request body any function accepts. Platform webhooks carry a
/// few kilobytes; Messenger batches stay far below this.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// Why a request was refused before any handling.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BadRequest {
    #[error("request body too large")]
    TooLarge,
    #[error("request body is flagged base64 but is not base64")]
    NotBase64,
    #[error("request body is missing")]
    Missing,
}

/// The raw body bytes exactly as the client sent them: base64-decoded when
/// API Gateway flagged it so, never re-serialised. Bounded.
pub fn body_bytes(req: &ApiGatewayV2httpRequest) -> Result<Vec<u8>, BadRequest> {
    let Some(body) = req.body.as_deref() else {
        return Err(BadRequest::Missing);
    };
    // Base64 takes 4 bytes per 3: refuse before decoding anything huge.
    let limit = if req.is_base64_encoded {
        MAX_BODY_BYTES / 3 * 4 + 4
    } else {
        MAX_BODY_BYTES
    };
    if body.len() > limit {
        return Err(BadRequest::TooLarge);
    }
    if req.is_base64_encoded {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(body.as_bytes())
            .map_err(|_| BadRequest::NotBase64)?;
        if bytes.len() > MAX_BODY_BYTES {
            return Err(BadRequest::TooLarge);
        }
        Ok(bytes)
    } else {
        Ok(body.as_bytes().to_vec())
    }
}

/// A request header as text (names are case-insensitive).
pub fn header<'a>(req: &'a ApiGatewayV2httpRequest, name: &str) -> Option<&'a str> {
    req.headers.get(name).and_then(|v| v.to_str().ok())
}

/// A query-string parameter, from the parsed map or the raw query string.
pub fn query(req: &ApiGatewayV2httpRequest, name: &str) -> Option<String> {
    if let Some(v) = req.query_string_parameters.first(name) {
        return Some(v.to_owned());
    }
    let raw = req.raw_query_string.as_deref()?;
    raw.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        (percent_decode(k) == name).then(|| percent_decode(v))
    })
}

/// Decodes `%XX` and `+` in a query-string component; bad escapes are kept.
pub fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => {
                match u8::from_str_radix(std::str::from_utf8(&b[i + 1..i + 3]).unwrap_or("zz"), 16)
                {
                    Ok(v) => {
                        out.push(v);
                        i += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The HTTP method.
pub fn method(req: &ApiGatewayV2httpRequest) -> &str {
    req.request_context.http.method.as_str()
}

/// A response with a body of the given type.
pub fn response(
    status: u16,
    content_type: &'static str,
    body: impl Into<String>,
) -> ApiGatewayV2httpResponse {
    let mut r = ApiGatewayV2httpResponse::default();
    r.status_code = i64::from(status);
    r.headers
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    r.body = Some(Body::Text(body.into()));
    r
}

/// A plain-text response.
pub fn text(status: u16, body: impl Into<String>) -> ApiGatewayV2httpResponse {
    response(status, "text/plain; charset=utf-8", body)
}

/// A JSON response.
pub fn json<T: Serialize>(status: u16, value: &T) -> ApiGatewayV2httpResponse {
    match serde_json::to_string(value) {
        Ok(body) => response(status, "application/json; charset=utf-8", body),
        Err(_) => error(500, "could not encode the response"),
    }
}

/// An error as JSON: `{"error": "..."}` with a message for the caller.
pub fn error(status: u16, message: &str) -> ApiGatewayV2httpResponse {
    let body = serde_json::json!({ "error": message }).to_string();
    response(status, "application/json; charset=utf-8", body)
}

/// An empty response.
pub fn empty(status: u16) -> ApiGatewayV2httpResponse {
    let mut r = ApiGatewayV2httpResponse::default();
    r.status_code = i64::from(status);
    r
}

/// Adds headers to a response.
pub fn with_headers(
    mut r: ApiGatewayV2httpResponse,
    headers: HeaderMap,
) -> ApiGatewayV2httpResponse {
    r.headers.extend(headers);
    r
}

/// The body of a response as text (tests, the local server).
pub fn response_body(r: &ApiGatewayV2httpResponse) -> Vec<u8> {
    match &r.body {
        Some(Body::Text(t)) => t.as_bytes().to_vec(),
        Some(Body::Binary(b)) => b.clone(),
        _ => Vec::new(),
    }
}

/// A request for tests and the local server: method, path, headers, raw
/// query string and body as received.
pub fn request(
    method: &str,
    path: &str,
    raw_query: &str,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
) -> ApiGatewayV2httpRequest {
    let mut req = ApiGatewayV2httpRequest::default();
    req.request_context.http.method = method.parse().unwrap_or(http::Method::GET);
    req.request_context.http.path = Some(path.to_owned());
    req.raw_path = Some(path.to_owned());
    req.route_key = Some(format!("{method} {path}"));
    req.raw_query_string = Some(raw_query.to_owned());
    req.query_string_parameters = raw_query.parse().unwrap_or_default();
    for (k, v) in headers {
        if let (Ok(name), Ok(value)) = (http::HeaderName::try_from(*k), HeaderValue::try_from(*v)) {
            req.headers.append(name, value);
        }
    }
    if let Some(b) = body {
        match std::str::from_utf8(b) {
            Ok(s) => req.body = Some(s.to_owned()),
            Err(_) => {
                req.body = Some(base64::engine::general_purpose::STANDARD.encode(b));
                req.is_base64_encoded = true;
            }
        }
    }
    req
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn when_body_is_base64_should_decode_it_exactly() {
        let mut req = request("POST", "/x", "", &[], Some(b"{\"a\":1}"));
        req.body = Some(base64::engine::general_purpose::STANDARD.encode(b"{\"a\":\"\\u00e9\"}"));
        req.is_base64_encoded = true;
        assert_eq!(body_bytes(&req).unwrap(), b"{\"a\":\"\\u00e9\"}");
    }

    #[test]
    fn when_body_is_not_base64_though_flagged_should_refuse_it() {
        let mut req = request("POST", "/x", "", &[], Some(b"not base64 !!"));
        req.is_base64_encoded = true;
        assert_eq!(body_bytes(&req), Err(BadRequest::NotBase64));
    }

    #[test]
    fn when_body_is_too_large_should_refuse_it() {
        let big = vec![b'a'; MAX_BODY_BYTES + 1];
        let req = request("POST", "/x", "", &[], Some(&big));
        assert_eq!(body_bytes(&req), Err(BadRequest::TooLarge));
    }

    #[test]
    fn query_parameters_should_be_decoded() {
        let req = request(
            "GET",
            "/x",
            "hub.mode=subscribe&hub.challenge=12%2034&hub.verify_token=a+b",
            &[],
            None,
        );
        assert_eq!(query(&req, "hub.challenge").as_deref(), Some("12 34"));
        assert_eq!(query(&req, "hub.verify_token").as_deref(), Some("a b"));
        assert_eq!(query(&req, "missing"), None);
    }

    #[test]
    fn percent_decoding_should_keep_bad_escapes() {
        assert_eq!(percent_decode("a%2"), "a%2");
        assert_eq!(percent_decode("%zz"), "%zz");
        assert_eq!(percent_decode("%C3%A9"), "é");
    }
}
