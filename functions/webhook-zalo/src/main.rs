//! Lambda entry point of `webhook-zalo`: wiring only.

use std::sync::Arc;

use chatbot_adapters::outbound::{HttpOutbound, Outbound, Outbox, RetryPolicy};
use chatbot_adapters::stores::backing_from_env;
use chatbot_adapters::{lambda, logging};
use lambda_runtime::Error;
use webhook_zalo::tokens::{OAUTH_URL, Tokens};
use webhook_zalo::{App, Config, handle};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> Result<(), Error> {
    logging::init();
    let config = Config::from_env()?;
    let backing = backing_from_env().await?;
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    // Deployed (DynamoDB and the app secret): the token lives in the state
    // table, seeded from the secret's pair, refreshed by one instance.
    let app_secret = env("ZALO_APP_SECRET");
    let keeps_tokens = backing.dynamo.is_some() && app_secret.is_some();
    let outbound: Arc<dyn Outbound> = if config.has_token() || keeps_tokens {
        Arc::new(HttpOutbound::new(RetryPolicy::default())?)
    } else {
        Arc::new(Outbox::default())
    };
    let tokens = match (backing.dynamo.clone(), app_secret) {
        (Some(store), Some(secret)) => Some(Arc::new(Tokens::new(
            Arc::new(store),
            outbound.clone(),
            config.app_id(),
            secret,
            env("ZALO_OAUTH_URL").unwrap_or_else(|| OAUTH_URL.to_owned()),
            env("ZALO_ACCESS_TOKEN").zip(env("ZALO_REFRESH_TOKEN")),
        ))),
        _ => None,
    };
    let app = App {
        service: backing.service,
        processed: backing.processed,
        outbound,
        config,
        tokens,
        clock: chatbot_adapters::now,
    };
    lambda::run(app, |app, req| async move { handle(&app, req).await }).await
}
