//! `bus-stops`: the bus network for the city's web portal.
//!
//! - `GET /bus/stops/{code}` → a stop and the routes calling at it;
//! - `GET /bus/stops/nearby?lat=&lng=&radius=` → the nearest stops (at most
//!   10, radius in metres, default 500, at most 2,000), with walking
//!   distance;
//! - `GET /bus/stops?q=` → stops on or near an address, a street or a place;
//! - `GET /bus/routes/{number}` → a route (a former number finds the route
//!   that replaced it), with hours, headway, fare and status.
//!
//! Stop codes are the project's own (see `data/bus/README.md`).

use aws_lambda_events::apigw::{ApiGatewayV2httpRequest, ApiGatewayV2httpResponse};
use chatbot::bus::{DEFAULT_RADIUS_M, MAX_RADIUS_M};
use chatbot::lookup::{DataLookups, Looked};
use chatbot::store::StoreError;
use chatbot_adapters::apigw;
use serde_json::json;

/// Stops answered at most for a point or a search.
pub const MAX_STOPS: usize = 10;
/// The longest search text accepted.
pub const MAX_QUERY_CHARS: usize = 200;

/// The function's dependencies, built once per cold start.
pub struct App {
    pub data: DataLookups,
    pub clock: fn() -> i64,
}

fn unavailable(e: &StoreError) -> ApiGatewayV2httpResponse {
    tracing::error!(error = %e, "bus network unavailable");
    apigw::error(503, "the bus network is unavailable: try again shortly")
}

/// Handles one API Gateway event; never panics, every refusal says why.
pub async fn handle(app: &App, req: ApiGatewayV2httpRequest) -> ApiGatewayV2httpResponse {
    if apigw::method(&req) != "GET" {
        return apigw::error(405, "method not allowed");
    }
    let path = req.raw_path.clone().unwrap_or_default();
    let now = (app.clock)();
    let param = |name: &str, raw: &str| {
        req.path_parameters
            .get(name)
            .cloned()
            .unwrap_or_else(|| apigw::percent_decode(raw))
    };
    let looked = if path == "/bus/stops/nearby" {
        match point(&req) {
            Ok((lat, lng, radius)) => {
                app.data
                    .nearby(lat, lng, radius, MAX_STOPS, false, now)
                    .await
            }
            Err(message) => return apigw::error(400, &message),
        }
    } else if path == "/bus/stops" {
        match apigw::query(&req, "q").map(|q| q.trim().to_owned()) {
            Some(q) if !q.is_empty() && q.chars().count() <= MAX_QUERY_CHARS => {
                app.data.stops(&q, MAX_STOPS, false, now).await
            }
            Some(q) if !q.is_empty() => {
                return apigw::error(400, "q is too long (200 characters at most)");
            }
            _ => return apigw::error(400, "q is required: an address, a street or a place"),
        }
    } else if let Some(raw) = path.strip_prefix("/bus/stops/") {
        let code = param("code", raw);
        if !chatbot::bus::is_stop_code(&code) {
            return apigw::error(400, "a stop code is 1 to 8 letters or digits, e.g. 101");
        }
        app.data.stop(&code, now).await
    } else if let Some(raw) = path.strip_prefix("/bus/routes/") {
        let number = param("number", raw);
        if number.trim().is_empty() || number.chars().count() > 20 {
            return apigw::error(400, "a route number is 1 to 20 characters, e.g. 05 or LK01");
        }
        match app.data.route(&number, now).await {
            Ok(Some(route)) => return apigw::json(200, &public_route(&route)),
            Ok(None) => return apigw::error(404, "no route has this number"),
            Err(e) => return unavailable(&e),
        }
    } else {
        return apigw::error(404, "not found");
    };
    match looked {
        Ok(Looked::Stop(stop)) => apigw::json(200, &stop),
        Ok(Looked::NoStop { .. }) => apigw::error(404, "no stop has this code"),
        Ok(Looked::Nearby { stops, radius_m }) => {
            apigw::json(200, &json!({ "radius_m": radius_m, "stops": stops }))
        }
        Ok(Looked::Stops(stops)) => apigw::json(200, &json!({ "stops": stops })),
        Ok(Looked::Unavailable) => apigw::error(503, "no bus network has been published yet"),
        Ok(_) => apigw::error(500, "unexpected lookup result"),
        Err(e) => unavailable(&e),
    }
}

/// `lat`, `lng` (WGS 84 degrees) and `radius` (metres) of a nearby query.
fn point(req: &ApiGatewayV2httpRequest) -> Result<(f64, f64, f64), String> {
    let number = |name: &str| -> Result<Option<f64>, String> {
        match apigw::query(req, name) {
            None => Ok(None),
            Some(v) => v
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|x| x.is_finite())
                .map(Some)
                .ok_or_else(|| format!("{name} must be a number")),
        }
    };
    let lat = number("lat")?.ok_or("lat is required")?;
    let lng = number("lng")?.ok_or("lng is required")?;
    if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lng) {
        return Err("lat must be within ±90 and lng within ±180".into());
    }
    let radius = number("radius")?.unwrap_or(DEFAULT_RADIUS_M);
    if !(1.0..=MAX_RADIUS_M).contains(&radius) {
        return Err(format!(
            "radius must be between 1 and {MAX_RADIUS_M} metres"
        ));
    }
    Ok((lat, lng, radius))
}

/// A route as the portal shows it: without the maintainers' remark on the
/// source data.
fn public_route(route: &chatbot::bus::Route) -> serde_json::Value {
    let mut v = serde_json::to_value(route).unwrap_or(serde_json::Value::Null);
    if let serde_json::Value::Object(m) = &mut v {
        m.remove("source_note");
    }
    v
}
