//! Lambda entry point of `webhook-messenger`: wiring only.

use std::sync::Arc;

use aws_lambda_events::apigw::ApiGatewayV2httpRequest;
use chatbot_adapters::logging;
use chatbot_adapters::outbound::{HttpOutbound, Outbound, Outbox, RetryPolicy};
use chatbot_adapters::stores::backing_from_env;
use lambda_runtime::{Error, LambdaEvent, service_fn};
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
    let app = Arc::new(App {
        service: backing.service,
        processed: backing.processed,
        outbound,
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
