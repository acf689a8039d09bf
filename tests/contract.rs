//! One contract for every store port, run against the memory stores and
//! against DynamoDB Local (`DYNAMODB_ENDPOINT`, started by `scripts/test`):
//! the same behaviour, concurrency included.
//!
//! Without `DYNAMODB_ENDPOINT` the DynamoDB half is skipped with a loud
//! message — except under `CI=true`, where that is a failure.

use std::sync::Arc;

use chatbot::catalogue::{Entry, Procedure, ProcedureCode};
use chatbot::dialogue::{Incoming, State, Texts};
use chatbot::dossier::{Dossier, Status};
use chatbot::lookup::NotYetAvailable;
use chatbot::lookup::{BUS_CHECK_INTERVAL, BusData, NoticeKind};
use chatbot::notices::Areas;
use chatbot::service::{CATALOGUE_CHECK_INTERVAL, LiveDialogue, Service};
use chatbot::store::dynamo::{DynamoStore, Tables, Timeouts, catalogue_version};
use chatbot::store::memory::{
    MemoryBus, MemoryCatalogue, MemoryConversations, MemoryDossiers, MemoryEventLog, MemoryNotices,
    MemoryNotifier, MemoryProcedures, MemoryProcessedEvents, MemoryRateLimiter, MemoryTokens,
};
use chatbot::store::{
    BusSource, CLAIM_LEASE, CatalogueSource, Channel, Claim, ConversationKey, ConversationStore,
    DossierStore, Event, EventLog, Forgotten, NoticeStore, PlatformToken, ProcedureStore,
    ProcessedEvents, RateLimiter, Snapshot, StoreError, TokenStore, Written, forget_citizen,
    within_rate,
};
use chatbot_tests::procedures;

/// The tests' clock: 2100-01-01. It must stay ahead of the real one: the
/// stores are given `now` explicitly, but DynamoDB Local's TTL sweeper
/// deletes items whose `expires_at` has passed on the real clock, at
/// moments of its own choosing — a past `NOW` made items vanish mid-test.
const NOW: i64 = 4_102_444_800;

/// The ports of one backend, and how to publish a catalogue to it.
struct Harness {
    procedures: Arc<dyn ProcedureStore>,
    conversations: Arc<dyn ConversationStore>,
    processed: Arc<dyn ProcessedEvents>,
    events: Arc<dyn EventLog>,
    catalogue: Arc<dyn CatalogueSource>,
    tokens: Arc<dyn TokenStore>,
    dossiers: Arc<dyn DossierStore>,
    limiter: Arc<dyn RateLimiter>,
    bus: Arc<dyn BusSource>,
    notices: Arc<dyn NoticeStore>,
    publisher: Publisher,
}

enum Publisher {
    Memory(Arc<MemoryProcedures>, Arc<MemoryCatalogue>),
    Dynamo(DynamoStore),
}

impl Harness {
    fn memory() -> Self {
        let procs = Arc::new(MemoryProcedures::default());
        let cat = Arc::new(MemoryCatalogue::default());
        Self {
            procedures: procs.clone(),
            conversations: Arc::new(MemoryConversations::default()),
            processed: Arc::new(MemoryProcessedEvents::default()),
            events: Arc::new(MemoryEventLog::default()),
            catalogue: cat.clone(),
            tokens: Arc::new(MemoryTokens::default()),
            dossiers: Arc::new(MemoryDossiers::default()),
            limiter: Arc::new(MemoryRateLimiter::default()),
            bus: Arc::new(MemoryBus::default()),
            notices: Arc::new(MemoryNotices::default()),
            publisher: Publisher::Memory(procs, cat),
        }
    }

    /// Fresh tables on DynamoDB Local, or `None` (skipped) without it.
    async fn dynamo(test: &str) -> Option<Self> {
        let store = dynamo_store(test, 2).await?;
        let shared = Arc::new(store.clone());
        Some(Self {
            procedures: shared.clone(),
            conversations: shared.clone(),
            processed: shared.clone(),
            events: shared.clone(),
            catalogue: shared.clone(),
            tokens: shared.clone(),
            dossiers: shared.clone(),
            limiter: shared.clone(),
            bus: shared.clone(),
            notices: shared,
            publisher: Publisher::Dynamo(store),
        })
    }

    /// A service over these stores.
    fn service(&self, live: LiveDialogue) -> Service {
        Service {
            dialogue: Arc::new(live),
            procedures: self.procedures.clone(),
            conversations: self.conversations.clone(),
            events: self.events.clone(),
            notifier: Arc::new(MemoryNotifier::default()),
            lookups: Arc::new(NotYetAvailable),
        }
    }

    async fn publish(&self, procedures: &[Procedure]) -> String {
        match &self.publisher {
            Publisher::Memory(procs, cat) => {
                let version = catalogue_version(procedures).unwrap();
                procs.replace(procedures.iter().cloned());
                cat.publish(
                    Snapshot::new(
                        version.clone(),
                        procedures.iter().map(Entry::from).collect(),
                    )
                    .unwrap(),
                );
                version
            }
            Publisher::Dynamo(store) => {
                store
                    .publish_catalogue(procedures, &|_| {})
                    .await
                    .expect("publish")
                    .version
            }
        }
    }
}

/// A DynamoDB store on fresh tables named after the test, with a small
/// query page so that pagination is exercised.
pub async fn dynamo_store(test: &str, page: i32) -> Option<DynamoStore> {
    let endpoint = chatbot_tests::dynamodb_endpoint(test)?;
    let prefix = chatbot_tests::unique_prefix(test);
    let store = DynamoStore::connect(
        Some(&endpoint),
        Tables::with_prefix(&prefix),
        Timeouts::BATCH,
    )
    .await
    .with_page_size(page);
    store.create_tables().await.expect("create tables");
    Some(store)
}

fn key(user: &str) -> ConversationKey {
    ConversationKey::new(Channel::Messenger, user)
}

fn state(expires_at: i64, topic: Option<&str>) -> State {
    State {
        topic: topic.map(|t| ProcedureCode::parse(t).unwrap()),
        expires_at,
        updated_at: NOW,
        ..State::new(NOW)
    }
}

async fn conversations_should_save_with_versions(h: Harness) {
    let c = &h.conversations;
    let k = key("user-1");
    assert_eq!(c.load(&k, NOW).await.unwrap(), None);
    let s1 = state(NOW + 3600, Some("1.001193"));
    c.save(&k, &s1, 0, NOW).await.unwrap();
    let loaded = c.load(&k, NOW).await.unwrap().unwrap();
    assert_eq!(loaded.version, 1);
    assert_eq!(loaded.topic, s1.topic);
    assert_eq!(
        c.save(&k, &s1, 0, NOW).await,
        Err(StoreError::Conflict),
        "a second first save conflicts"
    );
    c.save(&k, &loaded, 1, NOW).await.unwrap();
    assert_eq!(c.load(&k, NOW).await.unwrap().unwrap().version, 2);
    assert_eq!(
        c.save(&k, &loaded, 1, NOW).await,
        Err(StoreError::Conflict),
        "a stale version conflicts"
    );
    // Other conversations are separate.
    assert_eq!(c.load(&key("user-2"), NOW).await.unwrap(), None);
    assert_eq!(
        c.load(&ConversationKey::new(Channel::Zalo, "user-1"), NOW)
            .await
            .unwrap(),
        None
    );
    c.delete(&k).await.unwrap();
    assert_eq!(c.load(&k, NOW).await.unwrap(), None);
    c.delete(&k).await.unwrap();
}

async fn conversations_should_expire(h: Harness) {
    let c = &h.conversations;
    let k = key("user-exp");
    c.save(&k, &state(NOW + 10, None), 0, NOW).await.unwrap();
    assert!(c.load(&k, NOW + 9).await.unwrap().is_some());
    assert_eq!(
        c.load(&k, NOW + 10).await.unwrap(),
        None,
        "expired at its time"
    );
    // An expired conversation counts as none: a fresh one starts at 0.
    c.save(&k, &state(NOW + 100, None), 0, NOW + 20)
        .await
        .unwrap();
    assert_eq!(c.load(&k, NOW + 20).await.unwrap().unwrap().version, 1);
}

async fn concurrent_saves_should_let_one_writer_win(h: Harness) {
    let c = &h.conversations;
    let k = key("user-race");
    c.save(&k, &state(NOW + 3600, None), 0, NOW).await.unwrap();
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let c = c.clone();
            let k = k.clone();
            tokio::spawn(async move {
                let s = state(NOW + 3600 + i, None);
                c.save(&k, &s, 1, NOW).await
            })
        })
        .collect();
    let mut won = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(()) => won += 1,
            Err(StoreError::Conflict) => {}
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(won, 1);
    assert_eq!(c.load(&k, NOW).await.unwrap().unwrap().version, 2);
}

async fn processed_events_should_let_the_first_writer_win(h: Harness) {
    let p = &h.processed;
    let lease = CLAIM_LEASE;
    assert_eq!(
        p.claim("messenger:m1", NOW, NOW + 1000).await.unwrap(),
        Claim::New
    );
    // Claimed by a live invocation: a redelivery is to come back later.
    assert_eq!(
        p.claim("messenger:m1", NOW + 1, NOW + 1001).await.unwrap(),
        Claim::Busy
    );
    assert_eq!(
        p.claim("zalo:m1", NOW, NOW + 1000).await.unwrap(),
        Claim::New
    );
    // Done: skipped until the record expires, then new (TTL deletion is lazy).
    p.done("messenger:m1").await.unwrap();
    assert_eq!(
        p.claim("messenger:m1", NOW + lease + 5, NOW + 2000)
            .await
            .unwrap(),
        Claim::Done
    );
    assert_eq!(
        p.claim("messenger:m1", NOW + 1000, NOW + 3000)
            .await
            .unwrap(),
        Claim::New
    );
    assert_eq!(
        p.claim("messenger:m1", NOW + 1001, NOW + 3001)
            .await
            .unwrap(),
        Claim::Busy
    );

    // Released after a failure before any reply: the retry handles it anew.
    p.release("messenger:m1").await.unwrap();
    assert_eq!(
        p.claim("messenger:m1", NOW + 1002, NOW + 3002)
            .await
            .unwrap(),
        Claim::New
    );
    // A holder that died without releasing: its claim lapses.
    assert_eq!(
        p.claim("messenger:m1", NOW + 1002 + lease - 1, NOW + 3003)
            .await
            .unwrap(),
        Claim::Busy
    );
    assert_eq!(
        p.claim("messenger:m1", NOW + 1002 + lease, NOW + 3004)
            .await
            .unwrap(),
        Claim::New
    );

    // A reply cut short resumes where it stopped, with the same parts.
    let parts = vec![
        r#"{"text":"một"}"#.to_owned(),
        r#"{"text":"hai"}"#.to_owned(),
    ];
    assert_eq!(
        p.claim("messenger:m2", NOW, NOW + 1000).await.unwrap(),
        Claim::New
    );
    p.replying("messenger:m2", &parts).await.unwrap();
    p.sent("messenger:m2", 1).await.unwrap();
    p.release("messenger:m2").await.unwrap();
    assert_eq!(
        p.claim("messenger:m2", NOW + 10, NOW + 1000).await.unwrap(),
        Claim::Resume {
            parts: parts.clone(),
            sent: 1
        }
    );
    // Still resumable after the resumer dies in turn, then done for good.
    assert_eq!(
        p.claim("messenger:m2", NOW + 10 + lease, NOW + 1000)
            .await
            .unwrap(),
        Claim::Resume {
            parts: parts.clone(),
            sent: 1
        }
    );
    p.done("messenger:m2").await.unwrap();
    assert_eq!(
        p.claim("messenger:m2", NOW + 20 + 2 * lease, NOW + 1000)
            .await
            .unwrap(),
        Claim::Done
    );
    // Expired with a reply kept: a new event under an old id starts afresh.
    assert_eq!(
        p.claim("messenger:m3", NOW, NOW + 100).await.unwrap(),
        Claim::New
    );
    p.replying("messenger:m3", &parts).await.unwrap();
    assert_eq!(
        p.claim("messenger:m3", NOW + 100, NOW + 200).await.unwrap(),
        Claim::New
    );
    p.release("messenger:m3").await.unwrap();
    assert_eq!(
        p.claim("messenger:m3", NOW + 101, NOW + 200).await.unwrap(),
        Claim::New
    );

    // Updates of a record that is gone change nothing and do not fail.
    p.release("never-seen").await.unwrap();
    p.done("never-seen").await.unwrap();
    p.sent("never-seen", 1).await.unwrap();
    p.replying("never-seen", &parts).await.unwrap();
    assert_eq!(
        p.claim("never-seen", NOW, NOW + 100).await.unwrap(),
        Claim::New
    );

    let tasks: Vec<_> = (0..12)
        .map(|_| {
            let p = p.clone();
            tokio::spawn(async move { p.claim("messenger:burst", NOW, NOW + 100).await })
        })
        .collect();
    let mut first = 0;
    for t in tasks {
        first += usize::from(t.await.unwrap().unwrap() == Claim::New);
    }
    assert_eq!(
        first, 1,
        "exactly one of twelve concurrent deliveries is handled"
    );
}

async fn one_citizen_should_be_forgotten_on_request(h: Harness) {
    let day = 86_400;
    let (a, b) = (key("citizen-a"), key("citizen-b"));
    for k in [&a, &b] {
        h.conversations
            .save(k, &state(NOW + 3600, Some("1.001193")), 0, NOW)
            .await
            .unwrap();
    }
    let handover = |k: &ConversationKey, at: i64| Event::Handover {
        channel: Channel::Messenger,
        conversation: k.log_tag(),
        at,
    };
    for e in [
        handover(&a, NOW - 3600),
        handover(&a, NOW - 10 * day),
        handover(&b, NOW - 3600),
        Event::Unanswered {
            channel: Channel::Messenger,
            query: "xyz ***".into(),
            at: NOW - 3600,
        },
    ] {
        h.events.record(e).await.unwrap();
    }
    let done = forget_citizen(h.conversations.as_ref(), h.events.as_ref(), &a, NOW)
        .await
        .unwrap();
    assert_eq!(
        done,
        Forgotten {
            conversations: 1,
            events: 2
        }
    );
    assert_eq!(h.conversations.load(&a, NOW).await.unwrap(), None);
    assert!(h.conversations.load(&b, NOW).await.unwrap().is_some());
    let left = h.events.list(NOW - 30 * day, NOW + 1).await.unwrap();
    assert_eq!(left.len(), 2, "{left:?}");
    assert!(left.contains(&handover(&b, NOW - 3600)));
    // Asked twice: nothing more to delete.
    let again = forget_citizen(h.conversations.as_ref(), h.events.as_ref(), &a, NOW)
        .await
        .unwrap();
    assert_eq!(again, Forgotten::default());
}

async fn events_should_list_by_time(h: Harness) {
    let e = &h.events;
    let day = 86_400;
    let evs = [
        Event::Unanswered {
            channel: Channel::Zalo,
            query: "xin giấy ***".into(),
            at: NOW - day,
        },
        Event::Feedback {
            channel: Channel::Messenger,
            procedure: ProcedureCode::parse("1.001193").unwrap(),
            helpful: true,
            at: NOW,
        },
        Event::Handover {
            channel: Channel::Web,
            conversation: "web:0badc0de".into(),
            at: NOW,
        },
        Event::Unanswered {
            channel: Channel::Web,
            query: "a".into(),
            at: NOW + 5,
        },
        Event::Unanswered {
            channel: Channel::Web,
            query: "b".into(),
            at: NOW + day,
        },
    ];
    for ev in evs.iter().rev() {
        e.record(ev.clone()).await.unwrap();
    }
    let all = e.list(NOW - 2 * day, NOW + 2 * day).await.unwrap();
    assert_eq!(all.len(), 5);
    assert!(
        all.windows(2).all(|w| w[0].at() <= w[1].at()),
        "oldest first"
    );
    let today = e.list(NOW, NOW + 6).await.unwrap();
    assert_eq!(today.len(), 3);
    assert!(today.contains(&evs[1]) && today.contains(&evs[2]) && today.contains(&evs[3]));
    assert_eq!(
        e.list(NOW, NOW + 5).await.unwrap().len(),
        2,
        "`to` is exclusive"
    );
    assert!(e.list(NOW + 6, NOW + 7).await.unwrap().is_empty());
    assert!(e.list(NOW, NOW).await.unwrap().is_empty());
}

async fn catalogue_should_publish_versions(h: Harness) {
    let all = procedures();
    let first: Vec<Procedure> = all[..40].to_vec();
    let second: Vec<Procedure> = all[20..60].to_vec();
    assert_eq!(h.catalogue.current_version().await.unwrap(), None);
    assert_eq!(h.catalogue.snapshot().await.unwrap(), None);

    let v1 = h.publish(&first).await;
    assert_eq!(
        h.catalogue.current_version().await.unwrap().as_ref(),
        Some(&v1)
    );
    let snap = h.catalogue.snapshot().await.unwrap().unwrap();
    assert_eq!(snap.version, v1);
    assert_eq!(
        snap.entries(),
        first.iter().map(Entry::from).collect::<Vec<_>>()
    );
    assert_eq!(
        h.procedures
            .procedure(&first[3].code)
            .await
            .unwrap()
            .as_ref(),
        Some(&first[3])
    );
    assert_eq!(h.procedures.procedure(&all[100].code).await.unwrap(), None);

    // Re-publishing the same catalogue is the same version.
    assert_eq!(h.publish(&first).await, v1);

    let v2 = h.publish(&second).await;
    assert_ne!(v1, v2);
    assert_eq!(
        h.catalogue.current_version().await.unwrap(),
        Some(v2.clone())
    );
    assert_eq!(current_entries(&h).await, 40);
    assert_eq!(
        h.procedures.procedure(&first[0].code).await.unwrap(),
        None,
        "procedures dropped from the catalogue are gone"
    );
    assert_eq!(
        h.procedures
            .procedure(&second[39].code)
            .await
            .unwrap()
            .as_ref(),
        Some(&second[39])
    );

    // A third version: the oldest snapshot may go, the current one stays whole.
    let v3 = h.publish(&first).await;
    assert_eq!(v3, v1);
    assert_eq!(current_entries(&h).await, 40);
}

/// How many procedures the current snapshot holds.
async fn current_entries(h: &Harness) -> usize {
    h.catalogue
        .snapshot()
        .await
        .unwrap()
        .expect("a current snapshot")
        .entries()
        .len()
}

/// Warm functions answer from a newly published catalogue within a minute.
async fn live_dialogue_should_follow_new_versions(h: Harness) {
    let all = procedures();
    let name = "1.001193";
    let without: Vec<Procedure> = all
        .iter()
        .filter(|p| p.code.as_str() != name)
        .take(200)
        .cloned()
        .collect();
    let mut with = without.clone();
    with.push(chatbot_tests::procedure(name).clone());

    h.publish(&without).await;
    let live = LiveDialogue::load(h.catalogue.clone(), Texts::default(), NOW)
        .await
        .unwrap();
    let v1 = live.version();
    let has = |live: &LiveDialogue| {
        live.get()
            .engine()
            .entry(&ProcedureCode::parse(name).unwrap())
            .is_some()
    };
    assert!(!has(&live));

    let v2 = h.publish(&with).await;
    live.refresh_if_due(NOW + CATALOGUE_CHECK_INTERVAL - 1)
        .await;
    assert_eq!(live.version(), v1, "not checked before the interval");
    live.refresh_if_due(NOW + CATALOGUE_CHECK_INTERVAL).await;
    assert_eq!(*live.version(), v2);
    assert!(has(&live), "the new version is answered from");

    // A service on these stores answers end to end.
    let service = h.service(live);
    let k = key("asker");
    let reply = service
        .handle(&k, &Incoming::Text("đăng ký khai sinh".into()), NOW + 61)
        .await
        .unwrap()
        .unwrap();
    assert!(reply.render_plain().contains("khai sinh"), "{reply:?}");
    assert_eq!(
        h.conversations
            .load(&k, NOW + 61)
            .await
            .unwrap()
            .unwrap()
            .topic
            .map(|c| c.to_string()),
        Some(name.to_owned())
    );
}

/// Messages of one citizen arriving together are all answered and all
/// saved: conflicts are retried, none is lost.
async fn service_should_serialise_concurrent_messages(h: Harness) {
    h.publish(&procedures()[..300]).await;
    let live = LiveDialogue::load(h.catalogue.clone(), Texts::default(), NOW)
        .await
        .unwrap();
    let service = h.service(live);
    let k = key("busy");
    let tasks: Vec<_> = ["xin chào", "cảm ơn", "lệ phí", "bao lâu"]
        .into_iter()
        .map(|text| {
            let service = service.clone();
            let k = k.clone();
            tokio::spawn(async move { service.handle(&k, &Incoming::Text(text.into()), NOW).await })
        })
        .collect();
    for t in tasks {
        assert!(t.await.unwrap().unwrap().is_some());
    }
    assert_eq!(
        h.conversations
            .load(&k, NOW)
            .await
            .unwrap()
            .unwrap()
            .version,
        4,
        "every message saved once"
    );
}

/// Of many instances finding the token due for refresh, exactly one gets
/// to spend the refresh token.
async fn tokens_should_be_refreshed_by_one_instance(h: Harness) {
    let t = &h.tokens;
    let first = PlatformToken {
        access: "a1".into(),
        refresh: "r1".into(),
        valid_until: NOW + 3600,
        version: 0,
    };
    assert_eq!(t.token("zalo").await.unwrap(), None);
    assert!(t.seed("zalo", &first).await.unwrap());
    assert!(!t.seed("zalo", &first).await.unwrap(), "seeded once");
    let stored = t.token("zalo").await.unwrap().unwrap();
    assert_eq!((stored.access.as_str(), stored.version), ("a1", 1));

    let tasks: Vec<_> = (0..10)
        .map(|_| {
            let t = t.clone();
            tokio::spawn(async move { t.lease("zalo", 1, NOW, NOW + 30).await })
        })
        .collect();
    let mut won = 0;
    for task in tasks {
        won += usize::from(task.await.unwrap().unwrap());
    }
    assert_eq!(won, 1, "one lease among ten instances");
    assert!(
        !t.lease("zalo", 1, NOW + 29, NOW + 59).await.unwrap(),
        "held"
    );
    assert!(
        t.lease("zalo", 1, NOW + 31, NOW + 61).await.unwrap(),
        "a lapsed lease (the holder died) can be taken over"
    );
    assert!(
        !t.lease("other", 1, NOW, NOW + 30).await.unwrap(),
        "no token, no lease"
    );

    let next = PlatformToken {
        access: "a2".into(),
        refresh: "r2".into(),
        valid_until: NOW + 90_000,
        version: 0,
    };
    t.replace("zalo", &next, 1).await.unwrap();
    assert_eq!(
        t.replace("zalo", &next, 1).await,
        Err(StoreError::Conflict),
        "a second refresh of the same version is refused"
    );
    let stored = t.token("zalo").await.unwrap().unwrap();
    assert_eq!((stored.access.as_str(), stored.version), ("a2", 2));
    assert!(
        !t.lease("zalo", 1, NOW + 100, NOW + 130).await.unwrap(),
        "stale version"
    );
    assert!(
        t.lease("zalo", 2, NOW + 40, NOW + 70).await.unwrap(),
        "the new version is free to refresh"
    );
}

fn dossier(updated_at: i64, status: Status) -> Dossier {
    let mut d: Dossier = serde_json::from_value(serde_json::json!({
        "code": "000.00.17.H17-261120-0012",
        "procedure": "Đăng ký khai sinh",
        "agency": "UBND phường Hải Châu",
        "received": "2026-11-20",
        "due": "2026-11-25",
        "status": "processing",
        "delivery": "Trực tiếp tại Bộ phận một cửa",
        "updated_at": updated_at,
    }))
    .unwrap();
    d.status = status;
    d
}

/// The newest push wins; a redelivered push changes nothing; an older or
/// contradicting push is refused, also when pushes race.
async fn dossiers_should_keep_the_newest_push(h: Harness) {
    let d = &h.dossiers;
    let first = dossier(NOW, Status::Processing);
    assert_eq!(d.dossier(&first.code).await.unwrap(), None);
    assert_eq!(d.put_dossier(&first).await.unwrap(), Written::Created);
    assert_eq!(d.put_dossier(&first).await.unwrap(), Written::Unchanged);
    let later = dossier(NOW + 60, Status::ResultReady);
    assert_eq!(d.put_dossier(&later).await.unwrap(), Written::Updated);
    assert_eq!(
        d.put_dossier(&first).await,
        Err(StoreError::Conflict),
        "older"
    );
    let contradicting = dossier(NOW + 60, Status::Rejected);
    assert_eq!(
        d.put_dossier(&contradicting).await,
        Err(StoreError::Conflict),
        "same time, other content"
    );
    assert_eq!(d.dossier(&first.code).await.unwrap(), Some(later));

    let tasks: Vec<_> = (1..=8)
        .map(|i| {
            let d = d.clone();
            tokio::spawn(async move {
                d.put_dossier(&dossier(NOW + 100 * i, Status::Processing))
                    .await
            })
        })
        .collect();
    for t in tasks {
        let r = t.await.unwrap();
        assert!(
            matches!(r, Ok(Written::Updated) | Err(StoreError::Conflict)),
            "{r:?}"
        );
    }
    let code = dossier(NOW, Status::Processing).code;
    assert_eq!(
        d.dossier(&code).await.unwrap().unwrap().updated_at,
        NOW + 800,
        "the newest of racing pushes is kept"
    );
}

/// A limit holds across concurrent requests, per key and per minute.
async fn rate_limits_should_hold_under_concurrency(h: Harness) {
    let tasks: Vec<_> = (0..12)
        .map(|_| {
            let l = h.limiter.clone();
            tokio::spawn(
                async move { within_rate(l.as_ref(), "dossier", "messenger#1", 5, NOW).await },
            )
        })
        .collect();
    let mut allowed = 0;
    for t in tasks {
        allowed += usize::from(t.await.unwrap().unwrap());
    }
    assert_eq!(allowed, 5);
    let l = h.limiter.as_ref();
    assert!(
        within_rate(l, "dossier", "messenger#2", 5, NOW)
            .await
            .unwrap(),
        "another citizen"
    );
    let next_minute = (NOW.div_euclid(60) + 1) * 60;
    assert!(
        within_rate(l, "dossier", "messenger#1", 5, next_minute)
            .await
            .unwrap(),
        "next minute"
    );
    assert!(
        within_rate(l, "bus", "messenger#1", 5, NOW).await.unwrap(),
        "another kind"
    );
}

/// The network is published whole, by version; functions pick up a new
/// version within [`BUS_CHECK_INTERVAL`].
async fn bus_network_should_publish_versions(h: Harness) {
    let b = &h.bus;
    assert_eq!(b.network().await.unwrap(), None);
    let data = BusData::new(b.clone());
    assert!(
        data.index(NOW).await.unwrap().is_none(),
        "nothing published"
    );
    let first = chatbot::bus::embedded().unwrap();
    assert_eq!(b.publish_network(&first).await.unwrap(), Written::Created);
    assert_eq!(b.publish_network(&first).await.unwrap(), Written::Unchanged);
    assert_eq!(b.network().await.unwrap().as_ref(), Some(&first));
    let loaded = data.index(NOW + 1).await.unwrap().unwrap();
    assert_eq!(loaded.network().version, first.version);

    let mut second = first.clone();
    second.fare_note = "Giá vé: 10.000 đồng/lượt.".into();
    second.version = second.fingerprint().unwrap();
    assert_eq!(b.publish_network(&second).await.unwrap(), Written::Updated);
    let soon = data.index(NOW + 2).await.unwrap().unwrap();
    assert_eq!(
        soon.network().version,
        first.version,
        "checked again only after the interval"
    );
    let later = data
        .index(NOW + 2 + BUS_CHECK_INTERVAL)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(later.network().version, second.version);
}

/// Notices by kind and window, replaced by id, across query pages.
async fn notices_should_be_listed_by_kind_and_window(h: Harness) {
    let n = &h.notices;
    let areas = Areas::embedded().unwrap();
    let samples = chatbot_adapters::embedded::sample_notices(&areas).unwrap();
    for s in &samples {
        assert_eq!(n.put_notice(s).await.unwrap(), Written::Created);
    }
    assert_eq!(n.put_notice(&samples[0]).await.unwrap(), Written::Unchanged);
    let mut changed = samples[0].clone();
    changed
        .body
        .push_str(" Cập nhật: thời gian có thể thay đổi.");
    assert_eq!(n.put_notice(&changed).await.unwrap(), Written::Updated);

    let ids = |mut v: Vec<chatbot::notices::Notice>| {
        v.sort_by(|a, b| a.id.cmp(&b.id));
        v.into_iter().map(|n| n.id).collect::<Vec<_>>()
    };
    let all = n.notices(None, i64::MIN / 2, i64::MAX / 2).await.unwrap();
    assert_eq!(all.len(), samples.len(), "every page read");
    assert!(all.contains(&changed), "the replaced notice");
    // 2026-11-28 00:00 to 2026-12-02 00:00 in Đà Nẵng.
    let (from, to) = (1_796_403_600 - 7 * 86_400, 1_796_403_600 - 3 * 86_400);
    let storms = n.notices(Some(NoticeKind::Storm), from, to).await.unwrap();
    assert_eq!(
        ids(storms),
        [
            "sample-flood-2026-11-29-hoa-vang-ba-na-hoa-tien",
            "sample-storm-2026-11-28-ap-thap"
        ]
    );
    let expected: Vec<String> = {
        let mut v: Vec<String> = samples
            .iter()
            .filter(|s| s.overlaps(from, to))
            .map(|s| s.id.clone())
            .collect();
        v.sort();
        v
    };
    assert_eq!(ids(n.notices(None, from, to).await.unwrap()), expected);
    let edge = samples
        .iter()
        .find(|s| s.id == "sample-storm-2026-11-28-ap-thap")
        .unwrap();
    assert!(
        n.notices(Some(NoticeKind::Storm), edge.valid_to, edge.valid_to + 60)
            .await
            .unwrap()
            .iter()
            .all(|s| s.id != edge.id),
        "valid_to is exclusive"
    );
}

macro_rules! contract {
    ($($name:ident),* $(,)?) => {
        mod memory {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    super::$name(super::Harness::memory()).await;
                }
            )*
        }
        mod dynamodb {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    if let Some(h) = super::Harness::dynamo(stringify!($name)).await {
                        super::$name(h).await;
                    }
                }
            )*
        }
    };
}

contract!(
    conversations_should_save_with_versions,
    conversations_should_expire,
    concurrent_saves_should_let_one_writer_win,
    processed_events_should_let_the_first_writer_win,
    one_citizen_should_be_forgotten_on_request,
    events_should_list_by_time,
    catalogue_should_publish_versions,
    live_dialogue_should_follow_new_versions,
    service_should_serialise_concurrent_messages,
    tokens_should_be_refreshed_by_one_instance,
    dossiers_should_keep_the_newest_push,
    rate_limits_should_hold_under_concurrency,
    bus_network_should_publish_versions,
    notices_should_be_listed_by_kind_and_window,
);

/// Makes `raw` (gzip-compressed, one chunk) the current catalogue snapshot
/// under `version`, with a valid checksum.
async fn make_current(store: &DynamoStore, version: &str, raw: &[u8]) {
    use aws_sdk_dynamodb::primitives::Blob;
    use aws_sdk_dynamodb::types::AttributeValue;
    use sha2::Digest;
    use std::io::Write;

    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(raw).unwrap();
    let chunk = gz.finish().unwrap();
    let s = |v: &str| AttributeValue::S(v.to_owned());
    let n = |v: &str| AttributeValue::N(v.to_owned());
    let sha = hex::encode(sha2::Sha256::digest(&chunk));
    let items = [
        vec![
            ("pk", s(&format!("CATALOGUE#{version}"))),
            ("sk", s("CHUNK#0000")),
            ("data", AttributeValue::B(Blob::new(chunk))),
        ],
        vec![
            ("pk", s("CATALOGUE")),
            ("sk", s("CURRENT")),
            ("version", s(version)),
            ("chunks", n("1")),
            ("count", n("30")),
            ("sha256", s(&sha)),
        ],
    ];
    for item in items {
        let mut put = store.client().put_item().table_name(&store.tables().data);
        for (k, v) in item {
            put = put.item(k, v);
        }
        put.send().await.unwrap();
    }
}

/// A catalogue published by another version of the chatbot (its snapshot in
/// another layout): functions answer from the procedures in the table,
/// and importing the file again publishes an engine they can load (also
/// over a damaged snapshot).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_snapshot_in_another_layout_should_be_replaced_not_fatal() {
    let Some(store) = dynamo_store("other_layout", 25).await else {
        return;
    };
    let all = procedures();
    let first: Vec<Procedure> = all[..30].to_vec();
    store.publish_catalogue(&first, &|_| {}).await.unwrap();

    // What an older version published: its own layout.
    make_current(
        &store,
        "old",
        b"TTHCIX01 an engine saved in an older layout",
    )
    .await;
    let snap = store.snapshot().await.unwrap().expect("a snapshot");
    assert_eq!(snap.version, "old");
    let mut got: Vec<Entry> = snap.entries().to_vec();
    got.sort_by(|a, b| a.code.cmp(&b.code));
    let mut want: Vec<Entry> = first.iter().map(Entry::from).collect();
    want.sort_by(|a, b| a.code.cmp(&b.code));
    assert_eq!(got, want, "the procedures in the table, indexed");

    // A damaged snapshot of this layout is an error, not a fallback.
    let mut damaged = chatbot::catalogue::Engine::SNAPSHOT_LAYOUT.to_vec();
    damaged.extend_from_slice(b"\xff\xff\xff");
    make_current(&store, "bad", &damaged).await;
    assert!(store.snapshot().await.is_err());

    // Importing again (with a procedure fewer) repairs it: a loadable
    // engine, and what the file no longer has removed.
    let second: Vec<Procedure> = all[1..30].to_vec();
    let published = store.publish_catalogue(&second, &|_| {}).await.unwrap();
    assert!(published.changed);
    assert_eq!(published.removed, 1);
    let snap = store.snapshot().await.unwrap().unwrap();
    assert_eq!(snap.version, published.version);
    assert_eq!(snap.entries().len(), 29);
    assert_eq!(store.procedure(&all[0].code).await.unwrap(), None);
}
