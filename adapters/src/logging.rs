//! Structured logs. In Lambda (JSON, one object a line, for CloudWatch
//! queries) and locally (compact, readable). What is logged is decided at
//! each call site: ids are hashed, citizens' text is never logged.

use async_trait::async_trait;
use chatbot::store::{ConversationKey, OperatorNotifier, StoreError};
use tracing_subscriber::EnvFilter;

/// Installs the global subscriber once; later calls do nothing.
pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let in_lambda = std::env::var_os("AWS_LAMBDA_FUNCTION_NAME").is_some();
    let result = if in_lambda {
        tracing_subscriber::fmt()
            .json()
            .with_env_filter(filter)
            .with_current_span(false)
            .without_time()
            .try_init()
    } else {
        tracing_subscriber::fmt()
            .compact()
            .with_env_filter(filter)
            .try_init()
    };
    let _ = result;
}

/// The operators' desk of the local run: a log line per handover.
#[derive(Debug, Default, Clone, Copy)]
pub struct LogNotifier;

#[async_trait]
impl OperatorNotifier for LogNotifier {
    async fn notify(&self, key: &ConversationKey, _at: i64) -> Result<(), StoreError> {
        tracing::info!(conversation = %key.log_tag(), "handover requested: an operator should take over");
        Ok(())
    }
}
