//! `notices`: the city's notices for the web portal.
//!
//! `GET /notices?kind=&area=&from=&to=` → the notices in force at some
//! moment of the window, newest first (at most 50):
//! - `kind`: `power_cut`, `water_cut`, `storm`, `reception`, `policy` or
//!   `exam_results` (any when absent);
//! - `area`: a ward, commune or old district by name, with or without
//!   diacritics ("Hải Châu", "phuong Hoa Cuong Bac", "huyện Hòa Vang") or a
//!   ward code; notices for the whole city always match;
//! - `from`, `to`: local dates `YYYY-MM-DD`, both included (default: from
//!   now to 30 days ahead).

use aws_lambda_events::apigw::{ApiGatewayV2httpRequest, ApiGatewayV2httpResponse};
use chatbot::calendar::{DAY, Date};
use chatbot::lookup::{DataLookups, NOTICES_AHEAD, NoticeKind};
use chatbot::notices::Areas;
use chatbot_adapters::apigw;
use serde_json::json;

/// Notices answered at most.
pub const MAX_NOTICES: usize = 50;
/// The longest window asked, in days.
pub const MAX_WINDOW_DAYS: i64 = 366;

/// The function's dependencies, built once per cold start.
pub struct App {
    pub data: DataLookups,
    pub clock: fn() -> i64,
}

/// Handles one API Gateway event; never panics, every refusal says why.
pub async fn handle(app: &App, req: ApiGatewayV2httpRequest) -> ApiGatewayV2httpResponse {
    if req.raw_path.as_deref() != Some("/notices") {
        return apigw::error(404, "not found");
    }
    if apigw::method(&req) != "GET" {
        return apigw::error(405, "method not allowed");
    }
    let now = (app.clock)();
    let kind = match apigw::query(&req, "kind").filter(|k| !k.trim().is_empty()) {
        None => None,
        Some(k) => match NoticeKind::parse(&k) {
            Some(k) => Some(k),
            None => {
                return apigw::error(
                    400,
                    "kind must be power_cut, water_cut, storm, reception, policy or exam_results",
                );
            }
        },
    };
    let area = match apigw::query(&req, "area").filter(|a| !a.trim().is_empty()) {
        None => None,
        Some(a) if a.chars().count() > 100 => {
            return apigw::error(400, "area is too long (100 characters at most)");
        }
        Some(a) => match Areas::shared().map(|areas| areas.resolve(&a)) {
            Err(e) => {
                tracing::error!(error = %e, "the wards are unreadable");
                return apigw::error(503, "areas are unavailable");
            }
            Ok(resolved) => match resolved {
                Some(area) => Some(area),
                None => {
                    return apigw::error(404, "no ward, commune or old district has this name");
                }
            },
        },
    };
    let date = |name: &str| -> Result<Option<Date>, String> {
        match apigw::query(&req, name).filter(|d| !d.trim().is_empty()) {
            None => Ok(None),
            Some(d) => Date::parse(d.trim())
                .map(Some)
                .ok_or_else(|| format!("{name} must be a date YYYY-MM-DD")),
        }
    };
    let (from, to) = match (date("from"), date("to")) {
        (Err(message), _) | (_, Err(message)) => return apigw::error(400, &message),
        (Ok(f), Ok(t)) => (
            f.map_or(now, Date::local_midnight),
            t.map_or(now + NOTICES_AHEAD, |t| t.local_midnight() + DAY),
        ),
    };
    if to <= from {
        return apigw::error(400, "to must not be before from");
    }
    if to - from > MAX_WINDOW_DAYS * DAY {
        return apigw::error(400, "the window is longer than a year");
    }
    match app
        .data
        .notices_between(kind, area.as_ref(), from, to)
        .await
    {
        Ok(notices) => {
            let total = notices.len();
            let shown: Vec<_> = notices.into_iter().take(MAX_NOTICES).collect();
            apigw::json(
                200,
                &json!({
                    "area": area.map(|a| json!({ "label": a.label, "wards": a.wards })),
                    "from": from,
                    "to": to,
                    "total": total,
                    "notices": shown,
                }),
            )
        }
        Err(e) => {
            tracing::error!(error = %e, "notices unavailable");
            apigw::error(503, "notices are unavailable: try again shortly")
        }
    }
}
