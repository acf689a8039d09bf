//! `dossier-status`: a dossier's status for the city's web portal, and the
//! door through which the one-stop system (hệ thống một cửa) pushes status
//! changes.
//!
//! - `GET /dossiers/{code}` → the status as JSON (no applicant data is ever
//!   stored, so none can be returned); limited per client address and
//!   minute, like the chat lookups, so that codes cannot be enumerated.
//! - `PUT /dossiers/{code}` with a dossier as JSON → stored if newer than
//!   the stored one (201 created, 200 updated or unchanged, 409 older or
//!   contradicting). In AWS the route is IAM-authorised (SigV4-signed by
//!   the one-stop system's role; API Gateway refuses anything else before
//!   this function runs and marks the request as IAM-authorised); without
//!   IAM (the local run) the header `x-api-key` must equal
//!   `DOSSIER_PUSH_KEY`, compared in constant time; with neither, pushes
//!   are refused.

use aws_lambda_events::apigw::{ApiGatewayV2httpRequest, ApiGatewayV2httpResponse};
use chatbot::dossier::{Dossier, DossierCode, Found, Timing};
use chatbot::lookup::{DataLookups, Looked};
use chatbot::store::{StoreError, Written};
use chatbot_adapters::apigw::{self, BadRequest};
use serde_json::{Value, json};
use subtle::ConstantTimeEq;

/// The largest dossier push accepted.
pub const MAX_PUSH_BYTES: usize = 64 * 1024;

/// How pushes are authorised.
#[derive(Clone, Default)]
pub struct Config {
    /// `DOSSIER_PUSH_KEY`: the key a push must carry in `x-api-key`.
    pub push_key: Option<String>,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("push_key", &self.push_key.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

#[derive(Debug, thiserror::Error)]
#[error("DOSSIER_PUSH_KEY must be at least 16 characters")]
pub struct ConfigError;

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        let push_key = std::env::var("DOSSIER_PUSH_KEY")
            .ok()
            .map(|k| k.trim().to_owned())
            .filter(|k| !k.is_empty());
        if push_key.as_ref().is_some_and(|k| k.len() < 16) {
            return Err(ConfigError);
        }
        Ok(Self { push_key })
    }
}

/// The function's dependencies, built once per cold start.
pub struct App {
    pub data: DataLookups,
    pub config: Config,
    pub clock: fn() -> i64,
}

/// Handles one API Gateway event; never panics, every refusal says why.
pub async fn handle(app: &App, req: ApiGatewayV2httpRequest) -> ApiGatewayV2httpResponse {
    let path = req.raw_path.clone().unwrap_or_default();
    let Some(raw) = path.strip_prefix("/dossiers/").filter(|c| !c.is_empty()) else {
        return apigw::error(404, "not found");
    };
    let raw = req
        .path_parameters
        .get("code")
        .cloned()
        .unwrap_or_else(|| apigw::percent_decode(raw));
    let code = match parse_code(&raw) {
        Ok(c) => c,
        Err(message) => return apigw::error(400, message),
    };
    match apigw::method(&req) {
        "GET" => get(app, &req, &code).await,
        "PUT" => put(app, &req, &code).await,
        _ => apigw::error(405, "method not allowed"),
    }
}

/// A code on its own, canonical; look-alike characters are refused.
fn parse_code(raw: &str) -> Result<DossierCode, &'static str> {
    if raw.chars().count() > 64 {
        return Err("dossier code too long");
    }
    match DossierCode::find_in(raw) {
        Found::Code(c) if DossierCode::parse(raw).is_some() => Ok(c),
        Found::LookAlike => {
            Err("the dossier code holds characters that only look like Latin letters or digits")
        }
        _ => Err("not a dossier code: expected e.g. 000.00.04.H51-200221-0001"),
    }
}

/// The status as the portal shows it.
pub fn view(d: &Dossier, now: i64) -> Value {
    let mut v = serde_json::to_value(d).unwrap_or(Value::Null);
    if let Value::Object(m) = &mut v {
        m.insert("status_label".into(), d.status.label_vi().into());
        match d.timing(now) {
            Timing::DaysLeft(n) => {
                m.insert("days_left".into(), n.into());
            }
            Timing::Overdue(n) => {
                m.insert("days_overdue".into(), n.into());
            }
            Timing::Finished => {}
        }
    }
    v
}

async fn get(
    app: &App,
    req: &ApiGatewayV2httpRequest,
    code: &DossierCode,
) -> ApiGatewayV2httpResponse {
    let client = req
        .request_context
        .http
        .source_ip
        .clone()
        .unwrap_or_else(|| "unknown".into());
    let now = (app.clock)();
    match app
        .data
        .dossier(&format!("ip#{client}"), code, true, now)
        .await
    {
        Ok(Looked::Dossier { dossier, .. }) => apigw::json(200, &view(&dossier, now)),
        Ok(Looked::NoDossier { code }) => apigw::json(
            404,
            &json!({
                "error": "no dossier has this code; check the code on the receipt (giấy tiếp nhận và hẹn trả kết quả), or try again one working day after submitting",
                "code": code,
            }),
        ),
        Ok(Looked::TooMany) => {
            let mut r = apigw::error(429, "too many lookups: try again in a minute");
            if let Ok(v) = "60".parse() {
                r.headers.insert("retry-after", v);
            }
            r
        }
        Ok(_) | Err(_) => apigw::error(503, "dossier status is unavailable: try again shortly"),
    }
}

/// Whether the push comes through the IAM-authorised route (API Gateway has
/// verified the SigV4 signature) or carries the configured key.
fn authorised(app: &App, req: &ApiGatewayV2httpRequest) -> Result<(), (u16, &'static str)> {
    let iam = req
        .request_context
        .authorizer
        .as_ref()
        .is_some_and(|a| a.iam.is_some());
    if iam {
        return Ok(());
    }
    match (&app.config.push_key, apigw::header(req, "x-api-key")) {
        (Some(want), Some(got)) if bool::from(want.as_bytes().ct_eq(got.as_bytes())) => Ok(()),
        (Some(_), _) => Err((401, "missing or wrong x-api-key")),
        (None, _) => Err((
            403,
            "status pushes are not enabled here (IAM-authorised in AWS; set DOSSIER_PUSH_KEY locally)",
        )),
    }
}

async fn put(
    app: &App,
    req: &ApiGatewayV2httpRequest,
    code: &DossierCode,
) -> ApiGatewayV2httpResponse {
    if let Err((status, message)) = authorised(app, req) {
        return apigw::error(status, message);
    }
    let body = match apigw::body_bytes(req) {
        Ok(b) if b.len() <= MAX_PUSH_BYTES => b,
        Ok(_) | Err(BadRequest::TooLarge) => {
            return apigw::error(413, "dossier too large (64 KB at most)");
        }
        Err(BadRequest::NotBase64) => return apigw::error(400, "body is not valid base64"),
        Err(BadRequest::Missing) => {
            return apigw::error(400, "missing body: send the dossier as JSON");
        }
    };
    let de = &mut serde_json::Deserializer::from_slice(&body);
    let dossier: Dossier = match serde_path_to_error::deserialize(de) {
        Ok(d) => d,
        Err(e) => {
            let at = e.path().to_string();
            let inner = e.into_inner();
            let what = if inner.is_data() || inner.is_eof() || inner.is_syntax() {
                inner.to_string()
            } else {
                "unreadable JSON".into()
            };
            return apigw::json(
                400,
                &json!({ "error": format!("invalid dossier: {what}"), "field": at }),
            );
        }
    };
    if &dossier.code != code {
        return apigw::error(
            400,
            "the code in the body differs from the code in the path",
        );
    }
    if let Err(e) = dossier.validate() {
        return apigw::json(
            422,
            &json!({ "error": format!("invalid dossier: {e}"), "field": e.field }),
        );
    }
    match app.data.dossiers.put_dossier(&dossier).await {
        Ok(w @ Written::Created) => apigw::json(201, &json!({ "result": w, "code": code })),
        Ok(w) => apigw::json(200, &json!({ "result": w, "code": code })),
        Err(StoreError::Conflict) => apigw::error(
            409,
            "a newer status is stored (or a different one with the same updated_at)",
        ),
        Err(e) => {
            tracing::error!(error = %e, "dossier push not stored");
            apigw::error(503, "the status could not be stored: retry")
        }
    }
}
