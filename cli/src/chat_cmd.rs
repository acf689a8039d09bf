//! `chatbot chat`: the dialogue in the terminal, one line a message.

use std::io::{self, BufRead, Write};
use std::process::ExitCode;
use std::sync::Arc;

use chatbot::Error;
use chatbot::dialogue::Incoming;
use chatbot::store::{Channel, ConversationKey};
use chatbot_adapters::embedded::memory_service;
use chatbot_adapters::logging::LogNotifier;

use crate::CatalogueArg;

/// Reads messages from stdin and prints the replies. A line that is a
/// number picks the choice of that number from the last reply.
pub async fn chat(arg: &CatalogueArg) -> Result<ExitCode, Error> {
    let catalogue = crate::search_cmd::catalogue_of(arg)?;
    let (service, _stores) = memory_service(&catalogue, Arc::new(LogNotifier), None);
    let key = ConversationKey::new(Channel::Local, "terminal");
    let interactive = std::io::IsTerminal::is_terminal(&io::stdin());
    let mut last_choices: Vec<String> = Vec::new();
    let mut incoming = Some(Incoming::Start);
    let stdin = io::stdin();
    let mut lines = stdin.lock().lines();
    loop {
        if let Some(msg) = incoming.take() {
            let reply = service
                .handle(&key, &msg, chatbot_adapters::now())
                .await
                .map_err(|e| Error::Io(io::Error::other(e.to_string())))?;
            match reply {
                Some(r) => {
                    crate::say!("\n{}\n", r.render_plain());
                    last_choices = r.choices.iter().map(|c| c.payload.clone()).collect();
                }
                None => crate::say!(
                    "\n(… tổng đài viên đang tiếp nhận; gõ \"quay lại trợ lý ảo\" để quay lại)\n"
                ),
            }
        }
        if interactive {
            let mut out = io::stdout().lock();
            write!(out, "Anh/Chị> ")?;
            out.flush()?;
        }
        let Some(line) = lines.next() else {
            break;
        };
        let line = line?;
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        if matches!(line, "/quit" | "/exit" | "thoát") {
            break;
        }
        incoming = Some(
            match line
                .parse::<usize>()
                .ok()
                .and_then(|n| last_choices.get(n.wrapping_sub(1)))
            {
                Some(payload) => Incoming::Choice(payload.clone()),
                None => Incoming::Text(line.to_owned()),
            },
        );
    }
    Ok(ExitCode::SUCCESS)
}
