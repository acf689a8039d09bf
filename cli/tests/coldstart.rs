//! `chatbot coldstart --events`: a function binary served its events warm
//! through the stand-in Lambda Runtime API. The function binaries are
//! built here (same profile and target directory as `chatbot`), so these
//! tests never skip. Timings are printed, never asserted.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The directory `chatbot` was built in (target/debug, target/release, …).
fn profile_dir() -> PathBuf {
    Path::new(env!("CARGO_BIN_EXE_chatbot"))
        .parent()
        .expect("chatbot lives in a directory")
        .to_path_buf()
}

/// Builds the function binaries once, next to `chatbot`.
fn function(name: &str) -> PathBuf {
    static BUILT: OnceLock<()> = OnceLock::new();
    BUILT.get_or_init(|| {
        let dir = profile_dir();
        let profile = match dir.file_name().and_then(|n| n.to_str()) {
            Some("debug") | None => "dev".to_owned(),
            Some(other) => other.to_owned(),
        };
        let target_dir = dir.parent().expect("a target directory");
        let status = Command::new(env!("CARGO"))
            .args(["build", "-p", "webhook-web", "-p", "webhook-messenger"])
            .args(["--profile", &profile])
            .arg("--target-dir")
            .arg(target_dir)
            .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(".."))
            .status()
            .expect("cargo runs");
        assert!(status.success(), "cargo build of the functions failed");
    });
    let bin = profile_dir().join(name);
    assert!(bin.is_file(), "{} was not built", bin.display());
    bin
}

fn events(function: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../events")
        .join(function)
}

/// Runs `chatbot coldstart` on a function with its events; stdout.
fn warm_run(function_name: &str) -> String {
    coldstart(
        function_name,
        &["--runs", "2", "--invocations", "20"],
        &events(function_name),
    )
}

fn coldstart(function_name: &str, args: &[&str], events: &Path) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_chatbot"))
        .arg("coldstart")
        .arg(function(function_name))
        .args(args)
        .arg("--events")
        .arg(events)
        .output()
        .expect("chatbot runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    // Shown with --nocapture: the numbers of this (debug) build.
    println!("{stdout}");
    assert!(
        out.status.success(),
        "exit {:?}\nstdout:\n{stdout}\nstderr:\n{stderr}",
        out.status
    );
    stdout
}

/// The line of `out` holding `line_has`, and where `label` starts in it.
fn line_and_label<'a>(out: &'a str, line_has: &str, label: &str) -> (&'a str, usize) {
    let line = out
        .lines()
        .find(|l| l.contains(line_has))
        .unwrap_or_else(|| panic!("no line with {line_has:?} in:\n{out}"));
    let at = line
        .find(label)
        .unwrap_or_else(|| panic!("no {label:?} in {line:?}"));
    (line, at)
}

/// The number written just before `label` on the line holding `line_has`.
fn number_before(out: &str, line_has: &str, label: &str) -> u64 {
    let (line, at) = line_and_label(out, line_has, label);
    line[..at]
        .split(|c: char| !c.is_ascii_digit())
        .rfind(|s| !s.is_empty())
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no number before {label:?} in {line:?}"))
}

/// The number written just after `label` on the line holding `line_has`.
fn number_after(out: &str, line_has: &str, label: &str) -> u64 {
    let (line, at) = line_and_label(out, line_has, label);
    let at = at + label.len();
    line[at..]
        .split(|c: char| !c.is_ascii_digit())
        .find(|s| !s.is_empty())
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no number after {label:?} in {line:?}"))
}

fn assert_measured(out: &str) {
    assert!(out.contains("process start → ready"), "{out}");
    assert!(out.contains("warm invocation"), "{out}");
    assert!(out.contains("(n = 20, after 50 warm-up)"), "{out}");
    assert_eq!(
        number_before(out, "invocations answered", "invocations answered"),
        70,
        "{out}"
    );
    assert_eq!(number_before(out, "invocations answered", "failures"), 0);
    assert!(number_after(out, "peak VmHWM", "peak VmHWM") > 0, "{out}");
    assert!(number_after(out, "once ready", "VmRSS") > 0, "{out}");
}

#[test]
fn webhook_web_is_served_its_events_warm() {
    let out = warm_run("webhook-web");
    assert_measured(&out);
}

#[test]
fn webhook_messenger_deliveries_are_made_new_and_signed_again() {
    let out = warm_run("webhook-messenger");
    assert_measured(&out);
    assert!(out.contains("made new for every invocation"), "{out}");
    assert!(!out.contains("CANNOT"), "{out}");
    // The replies went through the HTTP client, to the loopback sink.
    assert!(
        number_after(&out, "sends received", "loopback sink:") > 0,
        "{out}"
    );
    // The same delivery, 20 times: each one new, each one answered (a
    // repeat would be skipped as redelivered, without a send).
    let out = coldstart(
        "webhook-messenger",
        &["--runs", "1", "--warmup", "0", "--invocations", "20"],
        &events("webhook-messenger").join("text.json"),
    );
    assert_eq!(
        number_before(&out, "invocations answered", "failures"),
        0,
        "{out}"
    );
    assert!(
        number_after(&out, "sends received", "loopback sink:") >= 20,
        "{out}"
    );
}
