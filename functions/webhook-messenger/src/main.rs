//! Lambda entry point of `webhook-messenger`: wiring only.

use std::sync::Arc;

use chatbot_adapters::outbound::{HttpOutbound, Outbound, Outbox, RetryPolicy};
use chatbot_adapters::stores::backing_from_env;
use chatbot_adapters::{lambda, logging};
use lambda_runtime::Error;
use webhook_messenger::{App, Config, handle};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> Result<(), Error> {
    logging::init();
    let config = Config::from_env()?;
    let backing = backing_from_env().await?;
    let outbound: Arc<dyn Outbound> = if config.has_token() {
        Arc::new(HttpOutbound::new(RetryPolicy::default())?)
    } else {
        Arc::new(Outbox::default())
    };
    let app = App {
        service: backing.service,
        processed: backing.processed,
        outbound,
        config,
        clock: chatbot_adapters::now,
    };
    lambda::run(app, |app, req| async move { handle(&app, req).await }).await
}
