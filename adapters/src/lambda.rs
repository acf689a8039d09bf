//! Running a function on Lambda: the runtime loop around a handler.

use std::future::Future;
use std::sync::Arc;

use aws_lambda_events::apigw::{ApiGatewayV2httpRequest, ApiGatewayV2httpResponse};
use lambda_runtime::{LambdaEvent, service_fn};

/// Hands every API Gateway event to `handle` with the function's `app`
/// (built once, at the cold start). Handlers answer every request
/// themselves, errors included, so the runtime never sees one.
pub async fn run<A, H, F>(app: A, handle: H) -> Result<(), lambda_runtime::Error>
where
    A: Send + Sync + 'static,
    H: Fn(Arc<A>, ApiGatewayV2httpRequest) -> F + Send + Sync + 'static,
    F: Future<Output = ApiGatewayV2httpResponse> + Send + 'static,
{
    let app = Arc::new(app);
    let handle = Arc::new(handle);
    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<ApiGatewayV2httpRequest>| {
            let answer = handle(app.clone(), event.payload);
            async move { Ok::<_, lambda_runtime::Error>(answer.await) }
        },
    ))
    .await
}
