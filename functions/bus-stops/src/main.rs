//! Lambda entry point of `bus-stops`: wiring only.

use bus_stops::{App, handle};
use chatbot_adapters::stores::data_from_env;
use chatbot_adapters::{lambda, logging};
use lambda_runtime::Error;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> Result<(), Error> {
    logging::init();
    let app = App {
        data: data_from_env().await?,
        clock: chatbot_adapters::now,
    };
    lambda::run(app, |app, req| async move { handle(&app, req).await }).await
}
