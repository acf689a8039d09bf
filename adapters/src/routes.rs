//! The route table: every HTTP route of every function, in one place. The
//! local server serves exactly these; the SAM template declares exactly
//! these (a test compares them).

/// One route of the HTTP API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    /// The function crate that handles it (= binary = SAM `Binary` =
    /// `events/` folder).
    pub function: &'static str,
    pub method: &'static str,
    /// The path, with `{name}` for path parameters.
    pub path: &'static str,
}

pub const ROUTES: &[Route] = &[
    Route {
        function: "webhook-messenger",
        method: "GET",
        path: "/webhooks/messenger",
    },
    Route {
        function: "webhook-messenger",
        method: "POST",
        path: "/webhooks/messenger",
    },
    Route {
        function: "webhook-zalo",
        method: "POST",
        path: "/webhooks/zalo",
    },
    Route {
        function: "webhook-web",
        method: "POST",
        path: "/chat",
    },
    Route {
        function: "webhook-web",
        method: "OPTIONS",
        path: "/chat",
    },
    Route {
        function: "webhook-web",
        method: "GET",
        path: "/widget.js",
    },
    Route {
        function: "dossier-status",
        method: "GET",
        path: "/dossiers/{code}",
    },
    Route {
        function: "dossier-status",
        method: "PUT",
        path: "/dossiers/{code}",
    },
    // Before `/bus/stops/{code}`: the fixed path wins (as in API Gateway).
    Route {
        function: "bus-stops",
        method: "GET",
        path: "/bus/stops/nearby",
    },
    Route {
        function: "bus-stops",
        method: "GET",
        path: "/bus/stops/{code}",
    },
    Route {
        function: "bus-stops",
        method: "GET",
        path: "/bus/stops",
    },
    Route {
        function: "bus-stops",
        method: "GET",
        path: "/bus/routes/{number}",
    },
    Route {
        function: "notices",
        method: "GET",
        path: "/notices",
    },
];

/// The route for a method and a concrete path, with its path parameters.
pub fn find(method: &str, path: &str) -> Option<(&'static Route, Vec<(&'static str, String)>)> {
    ROUTES.iter().find_map(|r| {
        if !r.method.eq_ignore_ascii_case(method) {
            return None;
        }
        let want: Vec<&str> = r.path.trim_matches('/').split('/').collect();
        let got: Vec<&str> = path.trim_matches('/').split('/').collect();
        if want.len() != got.len() {
            return None;
        }
        let mut params = Vec::new();
        for (w, g) in want.iter().zip(&got) {
            if let Some(name) = w.strip_prefix('{').and_then(|n| n.strip_suffix('}')) {
                if g.is_empty() {
                    return None;
                }
                params.push((name, crate::apigw::percent_decode(g)));
            } else if w != g {
                return None;
            }
        }
        Some((r, params))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_is_found_by_its_own_method_and_path() {
        for r in ROUTES {
            let (found, _) = find(r.method, r.path).unwrap();
            assert_eq!(found, r);
        }
        assert!(find("DELETE", "/chat").is_none());
        assert!(find("POST", "/chat/extra").is_none());
    }
}
