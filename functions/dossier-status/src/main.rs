//! Lambda entry point of `dossier-status`: wiring only.

use std::sync::Arc;

use aws_lambda_events::apigw::ApiGatewayV2httpRequest;
use chatbot_adapters::logging;
use chatbot_adapters::stores::data_from_env;
use dossier_status::{App, Config, handle};
use lambda_runtime::{Error, LambdaEvent, service_fn};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> Result<(), Error> {
    logging::init();
    let app = Arc::new(App {
        data: data_from_env().await?,
        config: Config::from_env()?,
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
