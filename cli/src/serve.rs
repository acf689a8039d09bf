//! `chatbot serve`: one HTTP server on localhost that exposes every
//! function's routes and calls the same handlers the Lambdas run
//! (HTTP request → API Gateway v2 event → handler → HTTP response), on the
//! embedded default: the catalogue in `data/` and in-memory stores.
//!
//! Messenger and Zalo replies go to a local outbox (`GET /dev/outbox`)
//! unless real platform tokens are configured. `/` serves a demo of the
//! city portal with the chat widget.

use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::sync::Arc;

use aws_lambda_events::apigw::ApiGatewayV2httpResponse;
use aws_lambda_events::encodings::Body as ApiBody;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chatbot::Error;
use chatbot::store::dynamo::Tables;
use chatbot_adapters::embedded::{memory_data, memory_service};
use chatbot_adapters::logging::{self, LogNotifier};
use chatbot_adapters::outbound::{HttpOutbound, Outbound, Outbox, RetryPolicy};
use chatbot_adapters::stores::{self, Backend, backing};
use chatbot_adapters::{apigw, routes};
use clap::Args;

use crate::CatalogueArg;

#[derive(Args)]
pub struct ServeArgs {
    /// Port on 127.0.0.1.
    #[arg(long, default_value_t = 3000)]
    port: u16,
    /// Where the data lives: the embedded default (memory) or DynamoDB
    /// (the tables of $DATA_TABLE, $STATE_TABLE, $EVENTS_TABLE, else
    /// chatbot-data, chatbot-state, chatbot-events; fill them with
    /// `chatbot import catalogue … --create-tables`).
    #[arg(long, value_enum, default_value_t = StoreKind::Memory)]
    store: StoreKind,
    /// The DynamoDB endpoint, e.g. DynamoDB Local's (default:
    /// $DYNAMODB_ENDPOINT, else AWS).
    #[arg(long)]
    endpoint: Option<String>,
    #[command(flatten)]
    catalogue: CatalogueArg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StoreKind {
    Memory,
    Dynamodb,
}

/// Every function, wired as the Lambdas wire them, plus the outbox.
struct Functions {
    messenger: webhook_messenger::App,
    zalo: webhook_zalo::App,
    web: webhook_web::App,
    dossiers: dossier_status::App,
    bus: bus_stops::App,
    notices: notices::App,
    outbox: Arc<Outbox>,
}

/// The key status pushes carry: `DOSSIER_PUSH_KEY`, else the test key of
/// `events/README.md` (a local run only; in AWS pushes are IAM-authorised).
fn dossier_config() -> Result<dossier_status::Config, Error> {
    let mut c = dossier_status::Config::from_env().map_err(io_error)?;
    if c.push_key.is_none() {
        c.push_key = Some("test-dossier-push-key".into());
    }
    Ok(c)
}

fn io_error(e: impl std::fmt::Display) -> Error {
    Error::Io(std::io::Error::other(e.to_string()))
}

/// Real HTTP when a token is configured for the platform, else the outbox.
fn outbound(token: bool, outbox: &Arc<Outbox>) -> Result<Arc<dyn Outbound>, Error> {
    Ok(if token {
        Arc::new(HttpOutbound::new(RetryPolicy::default()).map_err(io_error)?)
    } else {
        outbox.clone()
    })
}

/// The portal origins: `PORTAL_ORIGIN` when set, else this server's own.
fn web_config(port: u16) -> Result<webhook_web::Config, Error> {
    if std::env::var_os("PORTAL_ORIGIN").is_some() {
        return webhook_web::Config::from_env().map_err(io_error);
    }
    Ok(webhook_web::Config {
        allowed_origins: vec![
            format!("http://localhost:{port}"),
            format!("http://127.0.0.1:{port}"),
        ],
    })
}

pub async fn serve(args: &ServeArgs) -> Result<ExitCode, Error> {
    logging::init();
    let (service, processed, data) = match args.store {
        StoreKind::Memory => {
            if args.endpoint.is_some() {
                return Err(Error::Store("--endpoint needs --store dynamodb".into()));
            }
            let catalogue = crate::search_cmd::catalogue_of(&args.catalogue)?;
            let data = memory_data()?;
            let (service, stores) = memory_service(
                &catalogue,
                Arc::new(LogNotifier),
                Some(Arc::new(data.clone())),
            );
            (service, stores.processed(), data)
        }
        StoreKind::Dynamodb => {
            if args.catalogue.catalogue.is_some() {
                return Err(Error::Store(
                    "--catalogue is for the memory store: with DynamoDB the catalogue is the one imported".into(),
                ));
            }
            let endpoint = args
                .endpoint
                .clone()
                .or_else(|| std::env::var("DYNAMODB_ENDPOINT").ok())
                .filter(|e| !e.trim().is_empty());
            let backend = Backend::Dynamo {
                endpoint,
                tables: Tables::from_env(),
            };
            let data = stores::data(&backend).await?;
            let b = backing(
                &backend,
                Arc::new(LogNotifier),
                Some(Arc::new(data.clone())),
                chatbot_adapters::now(),
            )
            .await?;
            (b.service, b.processed, data)
        }
    };
    let outbox = Arc::new(Outbox::default());
    let messenger_config = webhook_messenger::Config::from_env_or_local();
    let zalo_config = webhook_zalo::Config::from_env_or_local();
    let functions = Arc::new(Functions {
        messenger: webhook_messenger::App {
            service: service.clone(),
            processed: processed.clone(),
            outbound: outbound(messenger_config.has_token(), &outbox)?,
            config: messenger_config,
            clock: chatbot_adapters::now,
        },
        zalo: webhook_zalo::App {
            service: service.clone(),
            processed: processed.clone(),
            outbound: outbound(zalo_config.has_token(), &outbox)?,
            config: zalo_config,
            tokens: None,
            clock: chatbot_adapters::now,
        },
        web: webhook_web::App {
            service,
            config: web_config(args.port)?,
            clock: chatbot_adapters::now,
        },
        dossiers: dossier_status::App {
            data: data.clone(),
            config: dossier_config()?,
            clock: chatbot_adapters::now,
        },
        bus: bus_stops::App {
            data: data.clone(),
            clock: chatbot_adapters::now,
        },
        notices: notices::App {
            data,
            clock: chatbot_adapters::now,
        },
        outbox,
    });
    let app = Router::new()
        .route("/", get(portal))
        .route("/dev/outbox", get(outbox_list).delete(outbox_clear))
        .fallback(dispatch)
        .layer(DefaultBodyLimit::max(apigw::MAX_BODY_BYTES * 2))
        .with_state(functions);
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, args.port));
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| {
        Error::Io(std::io::Error::new(
            e.kind(),
            format!("cannot listen on {addr}: {e}"),
        ))
    })?;
    tracing::info!("Tổng đài 1022 đang chạy: http://localhost:{}", args.port);
    for r in routes::ROUTES {
        tracing::info!(function = r.function, "{} {}", r.method, r.path);
    }
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(ExitCode::SUCCESS)
}

async fn portal() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        webhook_web::PORTAL_HTML,
    )
}

async fn outbox_list(State(f): State<Arc<Functions>>) -> impl IntoResponse {
    axum::Json(f.outbox.items())
}

async fn outbox_clear(State(f): State<Arc<Functions>>) -> StatusCode {
    f.outbox.clear();
    StatusCode::NO_CONTENT
}

/// Any other request: found in the route table, turned into the event API
/// Gateway would send, handled by the function's own handler.
async fn dispatch(
    State(f): State<Arc<Functions>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path();
    let Some((route, params)) = routes::find(method.as_str(), path) else {
        let known = routes::ROUTES.iter().any(|r| r.path == path);
        let status = if known {
            StatusCode::METHOD_NOT_ALLOWED
        } else {
            StatusCode::NOT_FOUND
        };
        return (
            status,
            axum::Json(serde_json::json!({ "error": status.canonical_reason() })),
        )
            .into_response();
    };
    let header_pairs: Vec<(&str, &str)> = headers
        .iter()
        .filter_map(|(k, v)| v.to_str().ok().map(|v| (k.as_str(), v)))
        .collect();
    let mut req = apigw::request(
        method.as_str(),
        path,
        uri.query().unwrap_or(""),
        &header_pairs,
        (!body.is_empty()).then_some(&body[..]),
    );
    req.route_key = Some(format!("{} {}", route.method, route.path));
    req.path_parameters = params.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
    let resp = match route.function {
        "webhook-messenger" => webhook_messenger::handle(&f.messenger, req).await,
        "webhook-zalo" => webhook_zalo::handle(&f.zalo, req).await,
        "webhook-web" => webhook_web::handle(&f.web, req).await,
        "dossier-status" => dossier_status::handle(&f.dossiers, req).await,
        "bus-stops" => bus_stops::handle(&f.bus, req).await,
        "notices" => notices::handle(&f.notices, req).await,
        other => apigw::error(500, &format!("no handler for {other}")),
    };
    to_http(resp)
}

fn to_http(r: ApiGatewayV2httpResponse) -> Response {
    let status = u16::try_from(r.status_code)
        .ok()
        .and_then(|s| StatusCode::from_u16(s).ok())
        .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = match r.body {
        Some(ApiBody::Text(t)) => t.into_bytes(),
        Some(ApiBody::Binary(b)) => b,
        _ => Vec::new(),
    };
    let mut out = (status, body).into_response();
    // The handler's headers replace the defaults (content type); repeated
    // ones are kept.
    out.headers_mut().remove(header::CONTENT_TYPE);
    for (k, v) in r.headers.iter().chain(r.multi_value_headers.iter()) {
        if let (Ok(k), Ok(v)) = (
            HeaderName::try_from(k.as_str()),
            HeaderValue::try_from(v.as_bytes()),
        ) {
            out.headers_mut().append(k, v);
        }
    }
    out
}
