//! Lambda entry point of `webhook-web`: wiring only.

use chatbot_adapters::stores::backing_from_env;
use chatbot_adapters::{lambda, logging};
use lambda_runtime::Error;
use webhook_web::{App, Config, handle};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> Result<(), Error> {
    logging::init();
    let config = Config::from_env()?;
    let backing = backing_from_env().await?;
    let app = App {
        service: backing.service,
        config,
        clock: chatbot_adapters::now,
    };
    lambda::run(app, |app, req| async move { handle(&app, req).await }).await
}
