//! The `chatbot` command's contracts, as other tools rely on them.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn chatbot(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_chatbot"))
        .args(args)
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("chatbot starts");
    let mut input = child.stdin.take().expect("stdin");
    if let Some(s) = stdin {
        input.write_all(s.as_bytes()).expect("stdin written");
    }
    drop(input);
    child.wait_with_output().expect("chatbot finishes")
}

fn text(b: &[u8]) -> String {
    String::from_utf8(b.to_vec()).expect("UTF-8 output")
}

#[test]
fn search_jsonl_should_answer_one_line_per_query_in_order() {
    let queries = "đăng ký khai sinh\n\ngiá vàng hôm nay\nlam ho chieu o dau\n";
    let out = chatbot(&["search", "--jsonl"], Some(queries));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let lines: Vec<serde_json::Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect();
    assert_eq!(lines.len(), 4);
    for (line, q) in lines.iter().zip(queries.lines()) {
        assert_eq!(line["query"], q);
        let outcome = line["outcome"].as_str().expect("outcome");
        assert!(
            ["answer", "clarify", "none"].contains(&outcome),
            "{outcome}"
        );
        assert!(line["aspect"].is_null() || line["aspect"].is_string());
        let results = line["results"].as_array().expect("results");
        assert!(results.len() <= 5);
        for r in results {
            assert!(
                r["code"].is_string() && r["name"].is_string() && r["score"].is_number(),
                "{r}"
            );
        }
    }
    assert_eq!(lines[0]["results"][0]["code"], "1.001193");
    assert_ne!(lines[2]["outcome"], "answer");
    assert_eq!(lines[3]["aspect"], "place");
}

#[test]
fn ask_should_print_a_reply_in_vietnamese() {
    let out = chatbot(&["ask", "đăng ký khai sinh cần giấy tờ gì"], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let reply = text(&out.stdout);
    assert!(reply.contains("khai sinh"), "{reply}");
    assert!(reply.contains("https://dichvucong.gov.vn/"), "{reply}");
}

#[test]
fn ask_without_text_should_fail_with_a_message() {
    let out = chatbot(&["ask"], None);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("chatbot ask"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn eval_should_exit_non_zero_below_a_floor() {
    let out = chatbot(
        &["eval", "data/eval/queries.jsonl", "--min-top1", "1.01"],
        None,
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("overall"));
    assert!(text(&out.stderr).contains("below the floor"));
    let out = chatbot(
        &["eval", "data/eval/queries.jsonl", "--min-top1", "0.1"],
        None,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
}

#[test]
fn eval_with_slips_should_print_a_line_per_kind_and_hold_floors() {
    let out = chatbot(
        &[
            "eval",
            "data/eval/queries.jsonl",
            "--slip",
            "all",
            "--min-top1",
            "0.1",
        ],
        None,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let table = text(&out.stdout);
    for kind in ["fold", "tone-drop", "tone-swap", "typo", "sound"] {
        assert!(
            table.lines().any(|l| l.starts_with(kind)),
            "{kind}: {table}"
        );
    }
    let out = chatbot(
        &[
            "eval",
            "data/eval/queries.jsonl",
            "--slip",
            "typo",
            "--min-top1",
            "1.01",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("overall"));
    assert!(
        text(&out.stderr).contains("typo: top-1"),
        "{}",
        text(&out.stderr)
    );
    let out = chatbot(
        &["eval", "data/eval/queries.jsonl", "--slip", "typos"],
        None,
    );
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("tone-drop"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn bench_engine_should_run_on_a_tiny_input() {
    let dir = std::env::temp_dir().join(format!("chatbot-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let q = dir.join("q.txt");
    std::fs::write(&q, "đăng ký khai sinh\ncap lai cccd\n").unwrap();
    let out = chatbot(
        &[
            "bench",
            "engine",
            q.to_str().unwrap(),
            "--repeat",
            "2",
            "--builds",
            "1",
        ],
        None,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("query p99"));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn bench_handler_should_run_every_webhook_on_its_events() {
    for function in ["webhook-messenger", "webhook-zalo", "webhook-web"] {
        let out = chatbot(
            &[
                "bench",
                "handler",
                function,
                "--invocations",
                "40",
                "--warmup",
                "5",
            ],
            None,
        );
        assert!(out.status.success(), "{function}: {}", text(&out.stderr));
        let stdout = text(&out.stdout);
        assert!(
            stdout.contains("event in → reply handed over: p50"),
            "{function}: {stdout}"
        );
        assert!(stdout.contains(" 0 failures"), "{function}: {stdout}");
    }
    // A folder without events is an error, not an empty report.
    let empty = std::env::temp_dir().join(format!("chatbot-noevents-{}", std::process::id()));
    std::fs::create_dir_all(&empty).unwrap();
    let out = chatbot(
        &[
            "bench",
            "handler",
            "webhook-web",
            "--events",
            empty.to_str().unwrap(),
        ],
        None,
    );
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("no *.json event files"),
        "{}",
        text(&out.stderr)
    );
    std::fs::remove_dir_all(&empty).ok();
}

/// `chatbot bench retrieval` with the Rust engines on a tiny catalogue and
/// labelled set, writing into `out` and `chart`.
fn bench_retrieval(
    dir: &std::path::Path,
    out: &std::path::Path,
    chart: &std::path::Path,
) -> Output {
    let procs = &chatbot_tests::procedures()[..40];
    let catalogue = dir.join("catalogue.jsonl");
    let lines: Vec<String> = procs
        .iter()
        .map(|p| serde_json::to_string(p).unwrap())
        .collect();
    std::fs::write(&catalogue, lines.join("\n") + "\n").unwrap();
    let mut labelled: Vec<String> = procs[..4]
        .iter()
        .map(|p| {
            serde_json::json!({
                "q": p.name.to_lowercase(),
                "expect": [p.code.as_str()],
                "slice": "clean",
            })
            .to_string()
        })
        .collect();
    labelled.push(r#"{"q": "thời tiết hôm nay thế nào", "expect": [], "slice": "oos"}"#.into());
    let queries = dir.join("queries.jsonl");
    std::fs::write(&queries, labelled.join("\n") + "\n").unwrap();
    chatbot(
        &[
            "bench",
            "retrieval",
            "--engines",
            "ours,tantivy,tantivy-stock",
            "--repeat",
            "2",
            "--warmup",
            "1",
            "--catalogue",
            catalogue.to_str().unwrap(),
            "--queries",
            queries.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--chart",
            chart.to_str().unwrap(),
        ],
        None,
    )
}

#[test]
fn bench_retrieval_should_run_on_a_tiny_input_and_keep_the_rest_of_the_file() {
    let dir = temp_dir("bench-retrieval");
    let (out, chart) = (dir.join("B.md"), dir.join("c.png"));
    let run = bench_retrieval(&dir, &out, &chart);
    assert!(run.status.success(), "{}", text(&run.stderr));
    let md = std::fs::read_to_string(&out).unwrap();
    let (begin, end) = (
        "<!-- bench:retrieval:begin -->",
        "<!-- bench:retrieval:end -->",
    );
    assert!(md.contains(begin) && md.contains(end), "{md}");
    for engine in ["ours", "tantivy", "tantivy-stock"] {
        assert!(
            md.lines().any(|l| l.starts_with(&format!("| {engine} "))),
            "no row for {engine}: {md}"
        );
    }
    let png = std::fs::read(&chart).unwrap();
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");

    // Another command's text around the section survives a re-run.
    let before = "# Benchmarks\n\nWritten by hand.\n\n";
    let after = "\n<!-- bench:other:begin -->\nother figures\n<!-- bench:other:end -->\n";
    std::fs::write(&out, format!("{before}{md}{after}")).unwrap();
    let run = bench_retrieval(&dir, &out, &chart);
    assert!(run.status.success(), "{}", text(&run.stderr));
    let md = std::fs::read_to_string(&out).unwrap();
    assert!(md.starts_with(&format!("{before}{begin}")), "{md}");
    assert!(md.ends_with(&format!("{end}\n{after}")), "{md}");
    assert_eq!(md.matches(begin).count(), 1, "{md}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn bench_peer_should_take_its_turns_and_fail_when_they_stop_coming() {
    let dir = temp_dir("bench-peer-turns");
    let corpus = dir.join("corpus.jsonl");
    let entries: Vec<String> = chatbot_tests::procedures()[..20]
        .iter()
        .map(|p| serde_json::to_string(&chatbot::catalogue::Entry::from(p)).unwrap())
        .collect();
    std::fs::write(&corpus, entries.join("\n") + "\n").unwrap();
    let queries = dir.join("queries.jsonl");
    std::fs::write(
        &queries,
        "{\"q\": \"đăng ký khai sinh\"}\n{\"q\": \"hộ chiếu\"}\n",
    )
    .unwrap();
    let run = |turns: &str| {
        chatbot(
            &[
                "bench",
                "peer",
                "--engine",
                "ours",
                "--corpus",
                corpus.to_str().unwrap(),
                "--queries",
                queries.to_str().unwrap(),
                "--repeat",
                "2",
                "--warmup",
                "0",
                "--turns",
            ],
            Some(turns),
        )
    };

    let out = run("go\ngo\n");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines[..3], ["ready", "done", "done"], "{stdout}");
    let report: serde_json::Value = serde_json::from_str(lines[3]).unwrap();
    assert_eq!(report["latency_ns"].as_array().unwrap().len(), 2 * 2);
    assert_eq!(lines.len(), 4, "{stdout}");

    // One turn of two, then standard input closes.
    let out = run("go\n");
    assert!(!out.status.success());
    assert_eq!(text(&out.stdout), "ready\ndone\n");
    assert!(
        text(&out.stderr).contains("standard input closed before the last timed pass"),
        "{}",
        text(&out.stderr)
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn bench_retrieval_should_refuse_an_unknown_engine_naming_the_valid_ones() {
    let out = chatbot(&["bench", "retrieval", "--engines", "ours,lucene"], None);
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains("lucene"), "{err}");
    assert!(
        err.contains("ours, tantivy, tantivy-stock, tfidf, rapidfuzz"),
        "{err}"
    );
}

#[test]
fn catalogue_convert_should_convert_real_records_and_report() {
    let dir = std::env::temp_dir().join(format!("chatbot-convert-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out_file = dir.join("procedures.jsonl");
    let out = chatbot(
        &[
            "catalogue",
            "convert",
            "shared/tests/fixtures/raw_tricky.jsonl",
            "--out",
            out_file.to_str().unwrap(),
        ],
        None,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let written = std::fs::read_to_string(&out_file).unwrap();
    let procs = chatbot::catalogue::read_jsonl(written.as_bytes()).unwrap();
    assert_eq!(procs.len(), written.lines().count());
    assert!(!procs.is_empty());
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn missing_catalogue_should_fail_with_the_path() {
    let out = chatbot(
        &[
            "search",
            "khai sinh",
            "--catalogue",
            "/nonexistent/catalogue.jsonl",
        ],
        None,
    );
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("/nonexistent/catalogue.jsonl"),
        "{}",
        text(&out.stderr)
    );
}

fn chatbot_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_chatbot"))
        .args(args)
        .envs(env.iter().copied())
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .output()
        .expect("chatbot runs")
}

/// Three records of the shipped catalogue; with `break_second`, the second
/// one lacks its name.
fn sample_file(dir: &std::path::Path, name: &str, break_second: bool) -> std::path::PathBuf {
    let all = chatbot_tests::procedures();
    let mut lines: Vec<String> = all[..3]
        .iter()
        .map(|p| serde_json::to_string(p).unwrap())
        .collect();
    if break_second {
        lines[1] = lines[1].replacen("\"name\":", "\"nom\":", 1);
    }
    let path = dir.join(name);
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    path
}

fn temp_dir(test: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(chatbot_tests::unique_prefix(test));
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn import_should_refuse_an_invalid_file_naming_line_and_field() {
    let dir = temp_dir("import-invalid");
    let file = sample_file(&dir, "bad.jsonl", true);
    // No endpoint is reachable here: validation fails before any connection.
    let out = chatbot_env(
        &["import", "catalogue", file.to_str().unwrap()],
        &[("DYNAMODB_ENDPOINT", "http://127.0.0.1:9")],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("line 2, name: missing field `name`"), "{err}");
    assert!(err.contains("nothing was written"), "{err}");
}

#[test]
fn import_dry_run_should_validate_and_write_nothing() {
    let out = chatbot_env(
        &[
            "import",
            "catalogue",
            "data/procedures.jsonl.gz",
            "--dry-run",
        ],
        &[("DYNAMODB_ENDPOINT", "http://127.0.0.1:9")],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let said = text(&out.stdout);
    assert!(
        said.contains("procedures valid") && said.contains("dry run"),
        "{said}"
    );
}

#[test]
fn import_should_load_dynamodb_idempotently_and_skip_invalid_when_asked() {
    let Some(endpoint) = chatbot_tests::dynamodb_endpoint("import_should_load_dynamodb") else {
        return;
    };
    let dir = temp_dir("import-ddb");
    let table = format!("{}-data", chatbot_tests::unique_prefix("import"));
    let run = |file: &str, extra: &[&str]| {
        let mut args = vec![
            "import",
            "catalogue",
            file,
            "--table",
            &table,
            "--endpoint",
            &endpoint,
            "--create-tables",
        ];
        args.extend_from_slice(extra);
        chatbot_env(&args, &[])
    };
    let out = run("data/procedures.jsonl.gz", &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("now current"),
        "{}",
        text(&out.stdout)
    );
    let out = run("data/procedures.jsonl.gz", &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("already current"),
        "a re-run changes nothing: {}",
        text(&out.stdout)
    );

    let bad = sample_file(&dir, "mixed.jsonl", true);
    let out = run(bad.to_str().unwrap(), &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let out = run(bad.to_str().unwrap(), &["--skip-invalid"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let said = text(&out.stdout);
    assert!(said.contains("2 procedures"), "{said}");
    assert!(said.contains("2640 removed"), "{said}");
}

#[test]
fn import_dossiers_should_report_bad_lines_and_load_dynamodb_idempotently() {
    let dir = temp_dir("import-dossiers");
    let samples = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/samples/dossiers.jsonl"),
    )
    .unwrap();
    let mut lines: Vec<&str> = samples.lines().collect();
    let broken = lines[1].replacen("\"due\": \"2026-11-27\"", "\"due\": \"2026-11-19\"", 1);
    assert_ne!(
        broken, lines[1],
        "the sample's due date moved: update this test"
    );
    lines[1] = &broken;
    let bad = dir.join("bad.jsonl");
    std::fs::write(&bad, lines.join("\n") + "\nnot json\n").unwrap();
    let out = chatbot_env(
        &["import", "dossiers", bad.to_str().unwrap()],
        &[("DYNAMODB_ENDPOINT", "http://127.0.0.1:9")],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("line 2: due: is before the date received"),
        "{err}"
    );
    assert!(err.contains("line 9: "), "{err}");
    assert!(err.contains("nothing was written"), "{err}");

    let Some(endpoint) = chatbot_tests::dynamodb_endpoint("import_dossiers") else {
        return;
    };
    let table = format!("{}-data", chatbot_tests::unique_prefix("import-dossiers"));
    let run = |file: &str, extra: &[&str]| {
        let mut args = vec![
            "import",
            "dossiers",
            file,
            "--table",
            &table,
            "--endpoint",
            &endpoint,
            "--create-tables",
        ];
        args.extend_from_slice(extra);
        chatbot_env(&args, &[])
    };
    let out = run("data/samples/dossiers.jsonl", &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("8 created"),
        "{}",
        text(&out.stdout)
    );
    let out = run("data/samples/dossiers.jsonl", &[]);
    assert!(
        text(&out.stdout).contains("8 unchanged"),
        "{}",
        text(&out.stdout)
    );
    let out = run(bad.to_str().unwrap(), &["--skip-invalid"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let said = text(&out.stdout);
    assert!(said.contains("7 unchanged"), "the valid lines only: {said}");
}

#[test]
fn import_bus_and_notices_should_check_their_files_and_load_dynamodb_idempotently() {
    let dir = temp_dir("import-bus-notices");
    // A hand-edited network: its version no longer fingerprints its content.
    let network = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/bus/network.json"),
    )
    .unwrap();
    let edited = dir.join("network.json");
    std::fs::write(
        &edited,
        network.replacen("Nguyễn Văn Cừ", "Nguyen Van Cu", 1),
    )
    .unwrap();
    let offline = [("DYNAMODB_ENDPOINT", "http://127.0.0.1:9")];
    let out = chatbot_env(&["import", "bus", edited.to_str().unwrap()], &offline);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("fingerprint"),
        "{}",
        text(&out.stderr)
    );
    let bad = dir.join("notices.jsonl");
    let samples = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/samples/notices.jsonl"),
    )
    .unwrap();
    std::fs::write(
        &bad,
        samples.replacen("\"areas\":[\"", "\"areas\":[\"99999\",\"", 1),
    )
    .unwrap();
    let out = chatbot_env(&["import", "notices", bad.to_str().unwrap()], &offline);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("line 1") && err.contains("99999"), "{err}");

    let Some(endpoint) = chatbot_tests::dynamodb_endpoint("import_bus_and_notices") else {
        return;
    };
    let table = format!("{}-data", chatbot_tests::unique_prefix("import-bus"));
    let run = |kind: &str, file: &str| {
        chatbot_env(
            &[
                "import",
                kind,
                file,
                "--table",
                &table,
                "--endpoint",
                &endpoint,
                "--create-tables",
            ],
            &[],
        )
    };
    let out = run("bus", "data/bus/network.json");
    assert!(
        text(&out.stdout).contains("330 stops, 23 routes"),
        "{}",
        text(&out.stderr)
    );
    assert!(
        text(&out.stdout).contains("— published"),
        "{}",
        text(&out.stdout)
    );
    let out = run("bus", "data/bus/network.json");
    assert!(
        text(&out.stdout).contains("already current"),
        "{}",
        text(&out.stdout)
    );
    let out = run("notices", "data/samples/notices.jsonl");
    assert!(
        text(&out.stdout).contains("13 created"),
        "{}",
        text(&out.stderr)
    );
    let out = run("notices", "data/samples/notices.jsonl");
    assert!(
        text(&out.stdout).contains("13 unchanged"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn forget_should_delete_one_citizens_data_and_nothing_else() {
    use chatbot::dialogue::State;
    use chatbot::store::dynamo::{DynamoStore, Tables, Timeouts};
    use chatbot::store::{Channel, ConversationKey, ConversationStore, Event, EventLog};

    let Some(endpoint) = chatbot_tests::dynamodb_endpoint("forget") else {
        return;
    };
    let tables = Tables::with_prefix(&chatbot_tests::unique_prefix("forget"));
    let now = chatbot_adapters::now();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let store = rt.block_on(DynamoStore::connect(
        Some(&endpoint),
        tables.clone(),
        Timeouts::BATCH,
    ));
    let asked = ConversationKey::new(Channel::Messenger, "psid-forget-1");
    let other = ConversationKey::new(Channel::Messenger, "psid-keep-1");
    rt.block_on(async {
        store.create_tables().await.unwrap();
        for k in [&asked, &other] {
            store.save(k, &State::new(now), 0, now).await.unwrap();
            store
                .record(Event::Handover {
                    channel: Channel::Messenger,
                    conversation: k.log_tag(),
                    at: now - 60,
                })
                .await
                .unwrap();
        }
    });
    let forget = || {
        chatbot_env(
            &[
                "forget",
                "messenger",
                "psid-forget-1",
                "--endpoint",
                &endpoint,
                "--table",
                &tables.data,
            ],
            &[
                ("STATE_TABLE", &tables.state),
                ("EVENTS_TABLE", &tables.events),
            ],
        )
    };
    let out = forget();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let said = text(&out.stdout);
    assert!(said.contains("1 conversation state, 1 event(s)"), "{said}");
    assert!(
        !said.contains("psid-forget-1"),
        "the id is not echoed: {said}"
    );
    rt.block_on(async {
        assert_eq!(store.load(&asked, now).await.unwrap(), None);
        assert!(store.load(&other, now).await.unwrap().is_some());
        let left = store.list(now - 3600, now + 1).await.unwrap();
        assert_eq!(left.len(), 1, "the other citizen's handover stays");
    });
    let out = forget();
    assert!(text(&out.stdout).contains("0 conversation state, 0 event(s)"));
}
