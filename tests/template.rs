//! `template.yaml` (AWS SAM) against the code it deploys: one function per
//! `functions/*` crate and `events/*` folder, exactly the routes of
//! `chatbot_adapters::routes::ROUTES`, the runtime, secrets only through
//! dynamic references, the tables' durability, least-privilege policies.
//!
//! Every check returns the problems it finds; each test asserts there are
//! none, and `every_check_notices_the_breakage_it_guards_against` breaks the
//! template in memory to prove each check can fail.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;

use chatbot_adapters::routes::{ROUTES, Route};
use chatbot_tests::root;
use serde_norway::{Mapping, Value};

/// The tables functions may be granted actions on.
const TABLES: &[&str] = &["DataTable", "StateTable", "EventsTable"];

/// Exactly what each function may do on each table (least privilege): the
/// webhooks run the whole conversation service and its lookups; the query
/// functions read what they answer from (and the dossier function stores
/// the one-stop system's pushes and counts lookups per client).
fn grants(binary: &str) -> Option<BTreeMap<&'static str, BTreeSet<&'static str>>> {
    let set = |actions: &[&'static str]| actions.iter().copied().collect::<BTreeSet<_>>();
    let g: Vec<(&'static str, BTreeSet<&'static str>)> = if binary.starts_with("webhook-") {
        vec![
            (
                "DataTable",
                set(&[
                    "dynamodb:GetItem",
                    "dynamodb:BatchGetItem",
                    "dynamodb:Query",
                ]),
            ),
            (
                "StateTable",
                set(&[
                    "dynamodb:GetItem",
                    "dynamodb:PutItem",
                    "dynamodb:UpdateItem",
                    "dynamodb:DeleteItem",
                ]),
            ),
            ("EventsTable", set(&["dynamodb:PutItem"])),
        ]
    } else {
        match binary {
            "dossier-status" => vec![
                ("DataTable", set(&["dynamodb:GetItem", "dynamodb:PutItem"])),
                ("StateTable", set(&["dynamodb:UpdateItem"])),
            ],
            "bus-stops" => vec![("DataTable", set(&["dynamodb:GetItem"]))],
            "notices" => vec![("DataTable", set(&["dynamodb:Query"]))],
            _ => return None,
        }
    };
    Some(g.into_iter().collect())
}

/// The outputs docs/DEPLOY.md refers to.
const OUTPUTS: &[&str] = &[
    "ApiUrl",
    "MessengerWebhookUrl",
    "ZaloWebhookUrl",
    "WebChatUrl",
    "WidgetUrl",
    "DataTableName",
    "StateTableName",
    "EventsTableName",
];

// ---------------------------------------------------------------------------
// Reading the template and the repository

fn template_text() -> String {
    fs::read_to_string(root().join("template.yaml")).expect("template.yaml is readable")
}

fn parse(text: &str) -> Value {
    serde_norway::from_str(text).expect("template.yaml is YAML")
}

fn template() -> Value {
    parse(&template_text())
}

/// The folders under `dir` of the repository.
fn folders(dir: &str) -> BTreeSet<String> {
    fs::read_dir(root().join(dir))
        .unwrap_or_else(|e| panic!("{dir}/ is readable: {e}"))
        .map(|e| e.expect("a directory entry"))
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect()
}

/// The `[package] name` of a Cargo.toml.
fn package_name(manifest: &str) -> Option<String> {
    let mut in_package = false;
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            in_package = line == "[package]";
        } else if in_package
            && let Some((key, value)) = line.split_once('=')
            && key.trim() == "name"
        {
            return Some(value.trim().trim_matches('"').to_owned());
        }
    }
    None
}

/// The function crates: `functions/<name>/Cargo.toml` with package `<name>`.
fn function_crates() -> BTreeSet<String> {
    folders("functions")
        .into_iter()
        .filter_map(|dir| {
            let manifest =
                fs::read_to_string(root().join("functions").join(&dir).join("Cargo.toml")).ok()?;
            let name = package_name(&manifest)
                .unwrap_or_else(|| panic!("functions/{dir}/Cargo.toml names its package"));
            assert_eq!(
                name, dir,
                "the crate of functions/{dir}/ is named like its folder"
            );
            Some(name)
        })
        .collect()
}

// ---------------------------------------------------------------------------
// CloudFormation values

/// A plain string scalar (not an intrinsic function).
fn plain(v: &Value) -> Option<&str> {
    match v {
        Value::String(s) => Some(s),
        _ => None,
    }
}

fn get<'a>(v: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter().try_fold(v, |v, key| match v {
        Value::Mapping(m) => m.get(*key),
        _ => None,
    })
}

fn plain_at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    get(v, path).and_then(plain)
}

/// The argument of the intrinsic function `name` (`Ref`, `Sub`, `GetAtt`),
/// written short (`!Sub x`) or long (`Fn::Sub: x`).
fn intrinsic<'a>(v: &'a Value, name: &str) -> Option<&'a Value> {
    match v {
        Value::Tagged(t) if t.tag == name => Some(&t.value),
        Value::Mapping(m) if m.len() == 1 => {
            let (key, arg) = m.iter().next()?;
            let long = if name == "Ref" {
                "Ref".to_owned()
            } else {
                format!("Fn::{name}")
            };
            (plain(key)? == long).then_some(arg)
        }
        _ => None,
    }
}

/// The logical id or parameter a `Ref` names.
fn ref_target(v: &Value) -> Option<&str> {
    plain(intrinsic(v, "Ref")?)
}

/// The string of a `Sub` (alone or with its variable map).
fn sub_string(v: &Value) -> Option<&str> {
    match intrinsic(v, "Sub")? {
        Value::String(s) => Some(s),
        Value::Sequence(s) => s.first().and_then(plain),
        _ => None,
    }
}

/// The logical id whose ARN `v` is: `!GetAtt X.Arn`, `[X, Arn]` or `!Sub ${X.Arn}`.
fn arn_of(v: &Value) -> Option<&str> {
    if let Some(arg) = intrinsic(v, "GetAtt") {
        return match arg {
            Value::String(s) => s.strip_suffix(".Arn"),
            Value::Sequence(s) if s.len() == 2 && plain(&s[1]) == Some("Arn") => plain(&s[0]),
            _ => None,
        };
    }
    let id = sub_string(v)?.strip_prefix("${")?.strip_suffix(".Arn}")?;
    (!id.contains(['$', '{', '}', '/', ':'])).then_some(id)
}

/// One value or a list of them.
fn one_or_many(v: &Value) -> Vec<&Value> {
    match v {
        Value::Sequence(s) => s.iter().collect(),
        other => vec![other],
    }
}

/// The resources of a type, by logical id.
fn resources<'a>(t: &'a Value, ty: &str) -> Vec<(&'a str, &'a Value)> {
    let Some(Value::Mapping(all)) = t.get("Resources") else {
        return Vec::new();
    };
    all.iter()
        .filter(|(_, r)| plain_at(r, &["Type"]) == Some(ty))
        .filter_map(|(id, r)| Some((plain(id)?, r)))
        .collect()
}

/// The serverless functions by crate (their `Binary` build property), with
/// their logical ids.
fn functions(t: &Value) -> BTreeMap<String, (&str, &Value)> {
    resources(t, "AWS::Serverless::Function")
        .into_iter()
        .map(|(id, f)| {
            let binary = plain_at(f, &["Metadata", "BuildProperties", "Binary"])
                .map_or_else(|| format!("<{id} has no Binary>"), str::to_owned);
            (binary, (id, f))
        })
        .collect()
}

/// Every `Environment: {Variables: {...}}` in the template, with where it is.
fn environments(t: &Value) -> Vec<(String, &Mapping)> {
    fn walk<'a>(v: &'a Value, at: String, out: &mut Vec<(String, &'a Mapping)>) {
        match v {
            Value::Mapping(m) => {
                for (k, child) in m {
                    let key = plain(k).unwrap_or("?");
                    if key == "Environment"
                        && let Some(Value::Mapping(vars)) = child.get("Variables")
                    {
                        out.push((at.clone(), vars));
                    }
                    walk(child, format!("{at}.{key}"), out);
                }
            }
            Value::Sequence(s) => {
                for (i, child) in s.iter().enumerate() {
                    walk(child, format!("{at}[{i}]"), out);
                }
            }
            Value::Tagged(tagged) => walk(&tagged.value, at, out),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(t, "template".to_owned(), &mut out);
    out
}

/// Whether a variable or parameter name looks like it holds a secret.
fn secret_looking(name: &str) -> bool {
    let upper = name.to_uppercase();
    ["SECRET", "TOKEN", "PASSWORD", "CREDENTIAL", "PRIVATE"]
        .iter()
        .any(|w| upper.contains(w))
        || upper.split('_').any(|w| w == "KEY")
        || name.contains("Key")
}

/// Exactly one dynamic reference into Secrets Manager or SSM.
fn is_dynamic_reference(s: &str) -> bool {
    (s.starts_with("{{resolve:secretsmanager:") || s.starts_with("{{resolve:ssm"))
        && s.ends_with("}}")
        && s.matches("{{").count() == 1
}

// ---------------------------------------------------------------------------
// The checks

/// Functions ↔ `functions/*` crates ↔ `events/*` folders, and how each is built.
fn check_functions(t: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let all = resources(t, "AWS::Serverless::Function");
    let by_binary = functions(t);
    if by_binary.len() != all.len() {
        problems.push("two functions build the same Binary".to_owned());
    }
    for (binary, (id, f)) in &by_binary {
        if plain_at(f, &["Metadata", "BuildMethod"]) != Some("rust-cargolambda") {
            problems.push(format!(
                "{id}: Metadata.BuildMethod is not rust-cargolambda"
            ));
        }
        if plain_at(f, &["Properties", "CodeUri"]) != Some("./") {
            problems.push(format!(
                "{id} ({binary}): CodeUri is not ./ (cargo lambda builds the workspace)"
            ));
        }
    }
    let in_template: BTreeSet<String> = by_binary.keys().cloned().collect();
    let crates = function_crates();
    let events = folders("events");
    if in_template != crates {
        problems.push(format!(
            "template functions {in_template:?} != functions/ crates {crates:?}"
        ));
    }
    if events != crates {
        problems.push(format!(
            "events/ folders {events:?} != functions/ crates {crates:?}"
        ));
    }
    problems
}

/// Each function's HTTP API events are exactly its routes in `ROUTES`.
fn check_routes(t: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let apis: BTreeSet<&str> = resources(t, "AWS::Serverless::HttpApi")
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    let mut declared: BTreeSet<(String, String, String)> = BTreeSet::new();
    for (binary, (id, f)) in functions(t) {
        let Some(Value::Mapping(events)) = get(f, &["Properties", "Events"]) else {
            continue;
        };
        for (name, event) in events {
            let name = plain(name).unwrap_or("?");
            match plain_at(event, &["Type"]) {
                Some("HttpApi") => {}
                Some("Api") => {
                    problems.push(format!(
                        "{id}.{name}: a REST API event; the routes are HTTP API routes"
                    ));
                    continue;
                }
                _ => continue,
            }
            let api = get(event, &["Properties", "ApiId"]).and_then(ref_target);
            if !api.is_some_and(|a| apis.contains(a)) {
                problems.push(format!(
                    "{id}.{name}: ApiId is not a !Ref to the template's HttpApi (SAM would create another API)"
                ));
            }
            let method = plain_at(event, &["Properties", "Method"]).unwrap_or("<none>");
            let path = plain_at(event, &["Properties", "Path"]).unwrap_or("<none>");
            if !declared.insert((binary.clone(), method.to_uppercase(), path.to_owned())) {
                problems.push(format!("{id}: {method} {path} is declared twice"));
            }
        }
    }
    let table: BTreeSet<(String, String, String)> = ROUTES
        .iter()
        .map(|r: &Route| {
            (
                r.function.to_owned(),
                r.method.to_uppercase(),
                r.path.to_owned(),
            )
        })
        .collect();
    for (function, method, path) in declared.difference(&table) {
        problems.push(format!(
            "{function}: {method} {path} is in the template, not in the route table"
        ));
    }
    for (function, method, path) in table.difference(&declared) {
        problems.push(format!(
            "{function}: {method} {path} is in the route table, not in the template"
        ));
    }
    problems
}

/// One HTTP API, on the `$default` stage (the handlers route on `rawPath`,
/// which a named stage would prefix), without API-level CORS.
fn check_api(t: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let apis = resources(t, "AWS::Serverless::HttpApi");
    if apis.len() != 1 {
        problems.push(format!("{} HttpApi resources, expected one", apis.len()));
    }
    for (id, api) in apis {
        match get(api, &["Properties", "StageName"]) {
            None => {}
            Some(v) if plain(v) == Some("$default") => {}
            Some(_) => problems.push(format!(
                "{id}: StageName is not $default: a named stage prefixes rawPath and the handlers would answer 404"
            )),
        }
        if get(api, &["Properties", "CorsConfiguration"]).is_some() {
            problems.push(format!(
                "{id}: API-level CORS; webhook-web answers OPTIONS /chat for the allowed origins itself"
            ));
        }
    }
    problems
}

/// Rust on arm64, for every function, against the stack's tables.
fn check_globals(t: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let expected = [
        ("Runtime", Value::String("provided.al2023".into())),
        ("Handler", Value::String("bootstrap".into())),
        (
            "Architectures",
            Value::Sequence(vec![Value::String("arm64".into())]),
        ),
    ];
    for (key, want) in &expected {
        if get(t, &["Globals", "Function", key]) != Some(want) {
            problems.push(format!("Globals.Function.{key} is not {want:?}"));
        }
        for (_, (id, f)) in functions(t) {
            if let Some(v) = get(f, &["Properties", key])
                && v != want
            {
                problems.push(format!("{id} overrides {key} with {v:?}"));
            }
        }
    }
    let vars = get(t, &["Globals", "Function", "Environment", "Variables"]).unwrap_or(&Value::Null);
    if plain_at(vars, &["CHATBOT_STORE"]) != Some("dynamodb") {
        problems.push("Globals: CHATBOT_STORE is not dynamodb".to_owned());
    }
    for (var, table) in [
        ("DATA_TABLE", "DataTable"),
        ("STATE_TABLE", "StateTable"),
        ("EVENTS_TABLE", "EventsTable"),
    ] {
        if get(vars, &[var]).and_then(ref_target) != Some(table) {
            problems.push(format!("Globals: {var} is not !Ref {table}"));
        }
    }
    // Lazily committed allocator arenas: the webhooks' memory target
    // (BENCHMARKS.md) depends on it.
    if plain_at(vars, &["MIMALLOC_ARENA_EAGER_COMMIT"]) != Some("0") {
        problems.push("Globals: MIMALLOC_ARENA_EAGER_COMMIT is not \"0\"".to_owned());
    }
    for var in ["CITY_NAME", "HOTLINE", "HOTLINE_DIAL", "RUST_LOG"] {
        if get(vars, &[var]).is_none() {
            problems.push(format!("Globals: {var} is not set"));
        }
    }
    problems
}

/// Secret-looking variables only from dynamic references; no parameter
/// carries a secret.
fn check_secrets(t: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    for (at, vars) in environments(t) {
        for (name, value) in vars {
            let name = plain(name).unwrap_or("?");
            if !secret_looking(name) {
                continue;
            }
            let reference = plain(value).or_else(|| sub_string(value));
            if !reference.is_some_and(is_dynamic_reference) {
                problems.push(format!(
                    "{at}: {name} is not a {{{{resolve:secretsmanager:…}}}} dynamic reference: {value:?}"
                ));
            }
        }
    }
    if let Some(Value::Mapping(params)) = t.get("Parameters") {
        for (name, p) in params {
            let name = plain(name).unwrap_or("?");
            if get(p, &["NoEcho"]).is_some() {
                problems.push(format!(
                    "parameter {name} is NoEcho: secrets go in Secrets Manager, not in parameters"
                ));
            }
            // A parameter may name where a secret lives, never hold it.
            if secret_looking(name) && !(name.ends_with("Name") || name.ends_with("Arn")) {
                problems.push(format!(
                    "parameter {name} looks like it holds a secret (only a secret's Name or Arn may be a parameter)"
                ));
            }
        }
    }
    problems
}

/// The three tables: retained, on demand, recoverable, encrypted; the state
/// and events expire through `expires_at`, the reference data never does.
fn check_tables(t: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let tables: BTreeMap<&str, &Value> = resources(t, "AWS::DynamoDB::Table").into_iter().collect();
    let expected: BTreeSet<&str> = TABLES.iter().copied().collect();
    let found: BTreeSet<&str> = tables.keys().copied().collect();
    if found != expected {
        problems.push(format!("tables {found:?}, expected {expected:?}"));
    }
    for (id, table) in &tables {
        for policy in ["DeletionPolicy", "UpdateReplacePolicy"] {
            if plain_at(table, &[policy]) != Some("Retain") {
                problems.push(format!("{id}: {policy} is not Retain"));
            }
        }
        let props = table.get("Properties").unwrap_or(&Value::Null);
        let p = |path: &[&str]| get(props, path).cloned();
        if p(&["BillingMode"]) != Some(Value::String("PAY_PER_REQUEST".into())) {
            problems.push(format!("{id}: BillingMode is not PAY_PER_REQUEST"));
        }
        if p(&[
            "PointInTimeRecoverySpecification",
            "PointInTimeRecoveryEnabled",
        ]) != Some(Value::Bool(true))
        {
            problems.push(format!("{id}: point-in-time recovery is not enabled"));
        }
        if p(&["SSESpecification", "SSEEnabled"]) != Some(Value::Bool(true)) {
            problems.push(format!("{id}: SSE is not enabled"));
        }
        let ttl = (
            p(&["TimeToLiveSpecification", "AttributeName"]),
            p(&["TimeToLiveSpecification", "Enabled"]),
        );
        let expiring = (
            Some(Value::String("expires_at".into())),
            Some(Value::Bool(true)),
        );
        match *id {
            "DataTable" if ttl.0.is_some() => {
                problems.push(format!("{id}: reference data must not expire"));
            }
            "StateTable" | "EventsTable" if ttl != expiring => {
                problems.push(format!("{id}: TTL is not enabled on expires_at"));
            }
            _ => {}
        }
        let keys: Vec<(String, String)> = p(&["KeySchema"])
            .as_ref()
            .and_then(Value::as_sequence)
            .map(|s| {
                s.iter()
                    .map(|k| {
                        let f = |n| plain_at(k, &[n]).unwrap_or("?").to_owned();
                        (f("AttributeName"), f("KeyType"))
                    })
                    .collect()
            })
            .unwrap_or_default();
        let hash = ("pk".to_owned(), "HASH".to_owned());
        let range = ("sk".to_owned(), "RANGE".to_owned());
        let want = if *id == "StateTable" {
            vec![hash]
        } else {
            vec![hash, range]
        };
        if keys != want {
            problems.push(format!("{id}: key schema {keys:?}, expected {want:?}"));
        }
    }
    problems
}

/// Every function's policies: inline statements on the tables' ARNs, with
/// only the actions `grants` lists for it, and all of them.
fn check_policies(t: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    for (binary, (id, f)) in functions(t) {
        let Some(wanted) = grants(&binary) else {
            problems.push(format!(
                "{id}: no grants are defined for {binary} in tests/template.rs"
            ));
            continue;
        };
        if get(f, &["Properties", "Role"]).is_some() {
            problems.push(format!(
                "{id}: a Role of its own escapes these checks; use Policies"
            ));
        }
        let mut granted: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let policies = get(f, &["Properties", "Policies"])
            .map(one_or_many)
            .unwrap_or_default();
        for policy in policies {
            let Some(statements) = policy.get("Statement") else {
                problems.push(format!(
                    "{id}: policy {policy:?} is not an inline policy document (managed policies and SAM policy templates grant more than needed)"
                ));
                continue;
            };
            for st in one_or_many(statements) {
                if st.get("NotAction").is_some() || st.get("NotResource").is_some() {
                    problems.push(format!("{id}: NotAction/NotResource grants too much"));
                }
                if plain_at(st, &["Effect"]) != Some("Allow") {
                    continue;
                }
                let actions: Vec<&str> = st
                    .get("Action")
                    .map(one_or_many)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|a| plain(a).unwrap_or("<not a string>"))
                    .collect();
                for resource in st.get("Resource").map(one_or_many).unwrap_or_default() {
                    let Some(table) = arn_of(resource).filter(|t| TABLES.contains(t)) else {
                        problems.push(format!(
                            "{id}: a statement on {resource:?}, not on a table's ARN"
                        ));
                        continue;
                    };
                    for action in &actions {
                        granted
                            .entry(table.to_owned())
                            .or_default()
                            .insert((*action).to_owned());
                    }
                }
            }
        }
        for table in TABLES {
            let have = granted.remove(*table).unwrap_or_default();
            let want: BTreeSet<String> = wanted
                .get(table)
                .map(|w| w.iter().map(|a| (*a).to_owned()).collect())
                .unwrap_or_default();
            for extra in have.difference(&want) {
                problems.push(format!("{id}: {extra} on {table} is not allowed"));
            }
            for missing in want.difference(&have) {
                problems.push(format!("{id}: needs {missing} on {table}"));
            }
        }
    }
    problems
}

/// The outputs: the API's URL, one per route, and the table names.
fn check_outputs(t: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let Some(Value::Mapping(outputs)) = t.get("Outputs") else {
        return vec!["no Outputs".to_owned()];
    };
    let names: BTreeSet<&str> = outputs.keys().filter_map(plain).collect();
    for name in OUTPUTS {
        if !names.contains(name) {
            problems.push(format!("output {name} is missing"));
        }
    }
    let apis: Vec<&str> = resources(t, "AWS::Serverless::HttpApi")
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    let paths: BTreeSet<&str> = ROUTES
        .iter()
        .map(|r| r.path)
        .filter(|p| !p.contains('{'))
        .collect();
    for (name, output) in outputs {
        let name = plain(name).unwrap_or("?");
        let value = get(output, &["Value"]).unwrap_or(&Value::Null);
        if name.ends_with("Url") {
            let tail = sub_string(value).and_then(|s| {
                apis.iter().find_map(|api| {
                    s.strip_prefix(&format!(
                        "https://${{{api}}}.execute-api.${{AWS::Region}}.${{AWS::URLSuffix}}"
                    ))
                })
            });
            match tail {
                Some("") if name == "ApiUrl" => {}
                Some(path) if paths.contains(path) => {}
                _ => problems.push(format!(
                    "output {name}: {value:?} is not the API's URL followed by a route's path"
                )),
            }
        }
        if let Some(table) = name.strip_suffix("Name")
            && TABLES.contains(&table)
            && ref_target(value) != Some(table)
        {
            problems.push(format!("output {name} is not !Ref {table}"));
        }
    }
    problems
}

fn assert_none(check: &str, problems: Vec<String>) {
    assert!(problems.is_empty(), "{check}:\n  {}", problems.join("\n  "));
}

// ---------------------------------------------------------------------------
// The tests

#[test]
fn functions_are_the_function_crates_and_the_event_folders() {
    assert_none("functions", check_functions(&template()));
}

#[test]
fn function_routes_are_exactly_the_route_table() {
    assert_none("routes", check_routes(&template()));
}

#[test]
fn one_http_api_on_the_default_stage_without_api_cors() {
    assert_none("api", check_api(&template()));
}

#[test]
fn globals_run_rust_on_arm64_against_the_stacks_tables() {
    assert_none("globals", check_globals(&template()));
}

#[test]
fn secrets_come_only_from_dynamic_references() {
    assert_none("secrets", check_secrets(&template()));
}

#[test]
fn tables_are_retained_on_demand_recoverable_and_expire_only_state_and_events() {
    assert_none("tables", check_tables(&template()));
}

#[test]
fn functions_are_granted_only_their_table_actions() {
    assert_none("policies", check_policies(&template()));
}

#[test]
fn outputs_are_the_routes_urls_and_the_table_names() {
    assert_none("outputs", check_outputs(&template()));
}

type Check = fn(&Value) -> Vec<String>;

/// (what is broken, text to replace, replacement, the check that must notice).
const BREAKAGES: &[(&str, &str, &str, Check)] = &[
    (
        "a Binary that is no crate",
        "Binary: webhook-zalo",
        "Binary: webhook-zalo-v2",
        check_functions,
    ),
    (
        "a CodeUri other than ./",
        "CodeUri: ./",
        "CodeUri: functions/webhook-messenger",
        check_functions,
    ),
    (
        "another BuildMethod",
        "BuildMethod: rust-cargolambda",
        "BuildMethod: makefile",
        check_functions,
    ),
    (
        "a route's method changed",
        "Method: OPTIONS",
        "Method: PATCH",
        check_routes,
    ),
    (
        "a route's path changed",
        "Path: /widget.js",
        "Path: /widget",
        check_routes,
    ),
    (
        "a route removed",
        "Path: /webhooks/zalo",
        "Path: /webhooks/messenger",
        check_routes,
    ),
    (
        "an event on an implicit API",
        "            ApiId: !Ref ChatbotApi\n            Method: GET\n            Path: /widget.js",
        "            Method: GET\n            Path: /widget.js",
        check_routes,
    ),
    (
        "a named stage",
        "StageName: $default",
        "StageName: !Ref Stage",
        check_api,
    ),
    (
        "API-level CORS",
        "StageName: $default\n",
        "StageName: $default\n      CorsConfiguration:\n        AllowOrigins: ['*']\n",
        check_api,
    ),
    (
        "another runtime",
        "Runtime: provided.al2023",
        "Runtime: provided.al2",
        check_globals,
    ),
    (
        "another handler",
        "Handler: bootstrap",
        "Handler: main",
        check_globals,
    ),
    (
        "x86_64",
        "Architectures: [arm64]",
        "Architectures: [x86_64]",
        check_globals,
    ),
    (
        "a function overriding the runtime",
        "      CodeUri: ./\n",
        "      CodeUri: ./\n      Runtime: provided.al2\n",
        check_globals,
    ),
    (
        "the memory store",
        "CHATBOT_STORE: dynamodb",
        "CHATBOT_STORE: memory",
        check_globals,
    ),
    (
        "eager allocator arenas",
        "MIMALLOC_ARENA_EAGER_COMMIT: \"0\"",
        "MIMALLOC_ARENA_EAGER_COMMIT: \"1\"",
        check_globals,
    ),
    (
        "a table name by hand",
        "DATA_TABLE: !Ref DataTable",
        "DATA_TABLE: chatbot-data",
        check_globals,
    ),
    (
        "a literal token",
        r#"MESSENGER_PAGE_TOKEN: !Sub "{{resolve:secretsmanager:${SecretName}:SecretString:messenger_page_token}}""#,
        "MESSENGER_PAGE_TOKEN: EAAB-not-a-reference",
        check_secrets,
    ),
    (
        "a secret from a parameter",
        r#"ZALO_OA_SECRET_KEY: !Sub "{{resolve:secretsmanager:${SecretName}:SecretString:zalo_oa_secret_key}}""#,
        "ZALO_OA_SECRET_KEY: !Ref SecretName",
        check_secrets,
    ),
    (
        "a secret parameter",
        "  LogLevel:\n",
        "  ZaloOaSecretKey:\n    Type: String\n  LogLevel:\n",
        check_secrets,
    ),
    (
        "a NoEcho parameter",
        "  LogLevel:\n",
        "  ZaloCredential:\n    Type: String\n    NoEcho: true\n  LogLevel:\n",
        check_secrets,
    ),
    (
        "a deletable table",
        "DeletionPolicy: Retain",
        "DeletionPolicy: Delete",
        check_tables,
    ),
    (
        "a replaceable table",
        "UpdateReplacePolicy: Retain",
        "UpdateReplacePolicy: Delete",
        check_tables,
    ),
    (
        "provisioned capacity",
        "BillingMode: PAY_PER_REQUEST",
        "BillingMode: PROVISIONED",
        check_tables,
    ),
    (
        "no point-in-time recovery",
        "PointInTimeRecoveryEnabled: true",
        "PointInTimeRecoveryEnabled: false",
        check_tables,
    ),
    (
        "TTL on another attribute",
        "AttributeName: expires_at",
        "AttributeName: ttl",
        check_tables,
    ),
    (
        "TTL disabled",
        "AttributeName: expires_at\n        Enabled: true",
        "AttributeName: expires_at\n        Enabled: false",
        check_tables,
    ),
    (
        "a scan",
        "Action: [dynamodb:PutItem]",
        "Action: [dynamodb:PutItem, dynamodb:Scan]",
        check_policies,
    ),
    (
        "every action",
        "Action: [dynamodb:PutItem]",
        "Action: 'dynamodb:*'",
        check_policies,
    ),
    (
        "writing the reference data",
        "Action: [dynamodb:GetItem, dynamodb:BatchGetItem, dynamodb:Query]",
        "Action: [dynamodb:GetItem, dynamodb:BatchGetItem, dynamodb:Query, dynamodb:PutItem]",
        check_policies,
    ),
    (
        "a query function writing conversations",
        "Action: [dynamodb:UpdateItem]",
        "Action: [dynamodb:UpdateItem, dynamodb:PutItem]",
        check_policies,
    ),
    (
        "any resource",
        "Resource: !GetAtt EventsTable.Arn",
        "Resource: '*'",
        check_policies,
    ),
    (
        "a managed policy",
        "      Policies:\n",
        "      Policies:\n        - AmazonDynamoDBFullAccess\n",
        check_policies,
    ),
    (
        "a missing action",
        "dynamodb:UpdateItem, dynamodb:DeleteItem]",
        "dynamodb:UpdateItem]",
        check_policies,
    ),
    (
        "an output to no route",
        "${AWS::URLSuffix}/widget.js",
        "${AWS::URLSuffix}/widget.jsx",
        check_outputs,
    ),
    (
        "an output missing",
        "  DataTableName:",
        "  ReferenceTableName:",
        check_outputs,
    ),
];

#[test]
fn every_check_notices_the_breakage_it_guards_against() {
    let text = template_text();
    for (what, from, to, check) in BREAKAGES {
        assert!(
            text.contains(from),
            "{what}: template.yaml no longer contains {from:?}; update this breakage"
        );
        let broken = parse(&text.replacen(from, to, 1));
        assert!(
            !check(&broken).is_empty(),
            "{what}: the check did not notice {from:?} → {to:?}"
        );
    }
}
