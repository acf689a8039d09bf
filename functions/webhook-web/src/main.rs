//! Lambda entry point of `webhook-web`: wiring only.

use std::sync::Arc;

use aws_lambda_events::apigw::ApiGatewayV2httpRequest;
use chatbot_adapters::logging;
use chatbot_adapters::stores::backing_from_env;
use lambda_runtime::{Error, LambdaEvent, service_fn};
use webhook_web::{App, Config, handle};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> Result<(), Error> {
    logging::init();
    let config = Config::from_env()?;
    let backing = backing_from_env().await?;
    let app = Arc::new(App {
        service: backing.service,
        config,
        clock: chatbot_adapters::now,
    });
    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<ApiGatewayV2httpRequest>| {
            let app = app.clone();
            async move { Ok::<_, Error>(handle(&app, event.payload).await) }
        },
    ))
    .await
}
