//! `chatbot forget <channel> <user>`: deletes what is kept about one
//! citizen, when they ask for it (DynamoDB: a real table, or DynamoDB Local
//! through `--endpoint`).

use std::process::ExitCode;

use chatbot::Error;
use chatbot::store::dynamo::{DynamoStore, Timeouts};
use chatbot::store::{Channel, ConversationKey, forget_citizen};
use clap::{Args, ValueEnum};

use crate::import_cmd::Target;

/// Where the citizen talked with the bot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ChannelArg {
    Messenger,
    Zalo,
    /// The portal's chat widget.
    Web,
}

#[derive(Args, Debug)]
pub struct ForgetArgs {
    /// The channel.
    #[arg(value_enum)]
    channel: ChannelArg,
    /// The citizen's id there: the page-scoped id (PSID) on Messenger, the
    /// user id on Zalo, the widget's session id on the portal.
    user: String,
    #[command(flatten)]
    target: Target,
}

pub async fn forget(a: &ForgetArgs) -> Result<ExitCode, Error> {
    let user = a.user.trim();
    if user.is_empty() || user.len() > 128 || user.chars().any(char::is_control) {
        return Err(Error::Store(
            "the user id must be 1 to 128 characters, without control characters".into(),
        ));
    }
    let channel = match a.channel {
        ChannelArg::Messenger => Channel::Messenger,
        ChannelArg::Zalo => Channel::Zalo,
        ChannelArg::Web => Channel::Web,
    };
    let key = ConversationKey::new(channel, user);
    let store = DynamoStore::connect(
        a.target.endpoint().as_deref(),
        a.target.tables(),
        Timeouts::BATCH,
    )
    .await;
    let done = forget_citizen(&store, &store, &key, chatbot_adapters::now())
        .await
        .map_err(|e| Error::Store(e.to_string()))?;
    println!(
        "forgot conversation {} ({}): {} conversation state, {} event(s) naming it",
        key.log_tag(),
        channel.as_str(),
        done.conversations,
        done.events
    );
    println!(
        "nothing else kept leads to this citizen: unanswered questions are masked, \
         processed-event records expire within 72 h (docs/STORAGE.md, Retention)"
    );
    Ok(ExitCode::SUCCESS)
}
