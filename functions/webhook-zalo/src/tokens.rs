//! The OA access token, kept in the state table and refreshed there.
//!
//! Zalo's access token lives about 25 hours; its refresh token is
//! single-use. Every instance of the function reads the stored token; when
//! it is due (less than [`REFRESH_AHEAD`] left) one instance takes a short
//! lease with a conditional write, spends the refresh token and stores the
//! new pair under a version check. The others keep sending with the current
//! token, which still works until it expires.

use std::sync::{Arc, Mutex};

use chatbot::store::{PlatformToken, StoreError, TokenStore};
use chatbot_adapters::outbound::{Outbound, OutboundRequest};
use serde_json::{Value, json};

/// The stored token's name.
pub const NAME: &str = "zalo";
/// Refresh when less than this is left (seconds).
pub const REFRESH_AHEAD: i64 = 3600;
/// How long a refreshing instance holds the lease (seconds): if it dies
/// meanwhile, another one takes over after this.
pub const LEASE: i64 = 30;
/// Zalo's OAuth endpoint for OA tokens.
pub const OAUTH_URL: &str = "https://oauth.zaloapp.com/v4/oa/access_token";
/// How long a seeded token is trusted: it came from a secret set at an
/// unknown time, so it is refreshed at once and used meanwhile.
const SEED_TRUST: i64 = 600;

/// The token keeper of one function instance.
pub struct Tokens {
    store: Arc<dyn TokenStore>,
    outbound: Arc<dyn Outbound>,
    app_id: String,
    app_secret: String,
    oauth_url: String,
    seed: Option<(String, String)>,
    cached: Mutex<Option<PlatformToken>>,
}

fn store_error(e: StoreError) -> String {
    format!("zalo token store: {e}")
}

impl Tokens {
    /// `seed`: the access and refresh tokens of the deployment's secret,
    /// stored when the store has none yet.
    pub fn new(
        store: Arc<dyn TokenStore>,
        outbound: Arc<dyn Outbound>,
        app_id: impl Into<String>,
        app_secret: impl Into<String>,
        oauth_url: impl Into<String>,
        seed: Option<(String, String)>,
    ) -> Self {
        Self {
            store,
            outbound,
            app_id: app_id.into(),
            app_secret: app_secret.into(),
            oauth_url: oauth_url.into(),
            seed,
            cached: Mutex::new(None),
        }
    }

    fn cached(&self, now: i64) -> Option<String> {
        let c = self.cached.lock().ok()?;
        c.as_ref()
            .filter(|t| t.valid_until - now > REFRESH_AHEAD)
            .map(|t| t.access.clone())
    }

    fn cache(&self, token: &PlatformToken) {
        if let Ok(mut c) = self.cached.lock() {
            *c = Some(token.clone());
        }
    }

    /// The access token to send with now, refreshed first when due and
    /// this instance wins the lease. `None`: no token is configured.
    pub async fn access_token(&self, now: i64) -> Result<Option<String>, String> {
        if let Some(t) = self.cached(now) {
            return Ok(Some(t));
        }
        let mut stored = self.store.token(NAME).await.map_err(store_error)?;
        if stored.is_none()
            && let Some((access, refresh)) = &self.seed
        {
            let seed = PlatformToken {
                access: access.clone(),
                refresh: refresh.clone(),
                valid_until: now + SEED_TRUST,
                version: 0,
            };
            self.store.seed(NAME, &seed).await.map_err(store_error)?;
            stored = self.store.token(NAME).await.map_err(store_error)?;
        }
        let Some(current) = stored else {
            return Ok(None);
        };
        if current.valid_until - now > REFRESH_AHEAD {
            self.cache(&current);
            return Ok(Some(current.access));
        }
        let leased = self
            .store
            .lease(NAME, current.version, now, now + LEASE)
            .await
            .map_err(store_error)?;
        if leased {
            match self.refresh(&current, now).await {
                Ok(mut next) => {
                    self.store
                        .replace(NAME, &next, current.version)
                        .await
                        .map_err(store_error)?;
                    next.version = current.version + 1;
                    tracing::info!(
                        valid_until = next.valid_until,
                        "zalo access token refreshed"
                    );
                    self.cache(&next);
                    return Ok(Some(next.access));
                }
                // The lease lapses and the next message tries again.
                Err(e) => tracing::error!(error = %e, "zalo token refresh failed"),
            }
        }
        if current.valid_until > now {
            Ok(Some(current.access))
        } else {
            Err("the zalo access token has expired and is not refreshed yet".into())
        }
    }

    async fn refresh(&self, current: &PlatformToken, now: i64) -> Result<PlatformToken, String> {
        let req = OutboundRequest {
            channel: "zalo-oauth",
            url: self.oauth_url.clone(),
            headers: vec![("secret_key".to_owned(), self.app_secret.clone())],
            body: json!({
                "refresh_token": current.refresh,
                "app_id": self.app_id,
                "grant_type": "refresh_token",
            }),
            form: true,
        };
        let resp = self.outbound.send(req).await.map_err(|e| e.to_string())?;
        parse_refresh(&resp.body, now)
    }
}

/// Reads Zalo's answer to a refresh: `access_token`, `refresh_token`,
/// `expires_in` (seconds, a number or a string of digits).
pub fn parse_refresh(body: &Value, now: i64) -> Result<PlatformToken, String> {
    let text = |k: &str| {
        body.get(k)
            .and_then(Value::as_str)
            .filter(|v| !v.is_empty() && v.len() <= 4096)
    };
    let (Some(access), Some(refresh)) = (text("access_token"), text("refresh_token")) else {
        let code = body.get("error").map(Value::to_string).unwrap_or_default();
        return Err(format!("zalo refused the refresh (error {code})"));
    };
    let expires_in = match body.get("expires_in") {
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    }
    .filter(|s| (60..=30 * 86_400).contains(s))
    .ok_or("zalo's refresh answer has no usable expires_in")?;
    Ok(PlatformToken {
        access: access.to_owned(),
        refresh: refresh.to_owned(),
        valid_until: now + expires_in,
        version: 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chatbot::store::memory::MemoryTokens;
    use chatbot_adapters::outbound::{OutboundError, OutboundResponse};
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Zalo's OAuth endpoint: counts refreshes, hands out numbered tokens,
    /// refuses a refresh token that was already spent.
    #[derive(Default)]
    struct FakeOauth {
        calls: AtomicUsize,
        spent: Mutex<Vec<String>>,
    }

    #[async_trait::async_trait]
    impl Outbound for FakeOauth {
        async fn send(&self, req: OutboundRequest) -> Result<OutboundResponse, OutboundError> {
            assert!(req.form);
            assert_eq!(req.headers[0].0, "secret_key");
            let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
            let rt = req.body["refresh_token"].as_str().unwrap().to_owned();
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            let mut spent = self.spent.lock().unwrap();
            let body = if spent.contains(&rt) {
                json!({"error": -14014})
            } else {
                spent.push(rt);
                json!({"access_token": format!("a{n}"), "refresh_token": format!("r{n}"), "expires_in": "90000"})
            };
            Ok(OutboundResponse { status: 200, body })
        }
    }

    fn keeper(store: &Arc<MemoryTokens>, oauth: &Arc<FakeOauth>) -> Tokens {
        Tokens::new(
            store.clone(),
            oauth.clone(),
            "app",
            "secret",
            "http://127.0.0.1:9/oauth",
            Some(("a0".into(), "r0".into())),
        )
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn a_due_token_should_be_refreshed_once_by_many_instances() {
        let store = Arc::new(MemoryTokens::default());
        let oauth = Arc::new(FakeOauth::default());
        let now = 1_795_341_600;
        // Seeded: used at once, refreshed because its age is unknown.
        let instances: Vec<Arc<Tokens>> =
            (0..6).map(|_| Arc::new(keeper(&store, &oauth))).collect();
        let tasks: Vec<_> = instances
            .iter()
            .map(|k| {
                let k = k.clone();
                tokio::spawn(async move { k.access_token(now).await })
            })
            .collect();
        for t in tasks {
            let token = t.await.unwrap().unwrap().unwrap();
            assert!(token == "a0" || token == "a1", "{token}");
        }
        assert_eq!(
            oauth.calls.load(Ordering::SeqCst),
            1,
            "one refresh among six instances"
        );
        let stored = store.token(NAME).await.unwrap().unwrap();
        assert_eq!(stored.access, "a1");
        assert_eq!(stored.valid_until, now + 90_000);

        // Fresh for a day: nobody refreshes.
        for k in &instances {
            assert_eq!(
                k.access_token(now + 3600).await.unwrap().as_deref(),
                Some("a1")
            );
        }
        assert_eq!(oauth.calls.load(Ordering::SeqCst), 1);
        // Due again an hour before it expires.
        let due = now + 90_000 - REFRESH_AHEAD + 1;
        assert_eq!(
            instances[3].access_token(due).await.unwrap().as_deref(),
            Some("a2")
        );
        assert_eq!(
            instances[0].access_token(due).await.unwrap().as_deref(),
            Some("a2")
        );
        assert_eq!(oauth.calls.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn refresh_answers_should_be_read_strictly() {
        let ok = json!({"access_token": "x", "refresh_token": "y", "expires_in": 90000});
        assert_eq!(parse_refresh(&ok, 10).unwrap().valid_until, 90010);
        assert!(parse_refresh(&json!({"error": -14014, "message": "invalid"}), 0).is_err());
        let no_expiry = json!({"access_token": "x", "refresh_token": "y"});
        assert!(parse_refresh(&no_expiry, 0).is_err());
        let silly = json!({"access_token": "x", "refresh_token": "y", "expires_in": "-5"});
        assert!(parse_refresh(&silly, 0).is_err());
    }
}
