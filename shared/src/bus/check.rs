//! Checks on a network before it is published (`chatbot import bus`).

use std::collections::HashSet;

use super::Network;

impl Network {
    /// What is wrong with this network, if anything: a version that is not
    /// its content's fingerprint (the file was edited by hand), stops
    /// without a code or with a code used twice, coordinates off the earth,
    /// services of routes the network does not know, routes numbered twice.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        match self.fingerprint() {
            Ok(f) if f == self.version => {}
            Ok(f) => out.push(format!(
                "version {:?} is not the content's fingerprint {f:?}: regenerate the file with `chatbot bus convert`",
                self.version
            )),
            Err(e) => out.push(format!("the network cannot be fingerprinted: {e}")),
        }
        if self.stops.is_empty() {
            out.push("no stops".into());
        }
        let mut codes = HashSet::new();
        for s in &self.stops {
            if !super::is_stop_code(&s.code) {
                out.push(format!(
                    "stop {:?}: code must be 1 to 8 letters or digits",
                    s.name
                ));
            }
            if !codes.insert(s.code.to_ascii_uppercase()) {
                out.push(format!("stop code {} is used twice", s.code));
            }
            let on_earth = (-90.0..=90.0).contains(&s.lat) && (-180.0..=180.0).contains(&s.lng);
            if !on_earth {
                out.push(format!("stop {}: coordinates out of range", s.code));
            }
            if s.name.trim().is_empty() {
                out.push(format!("stop {}: no name", s.code));
            }
        }
        let mut numbers = HashSet::new();
        for r in &self.routes {
            if !numbers.insert(super::route_key(&r.number)) {
                out.push(format!("route {} is listed twice", r.number));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_shipped_network_should_have_no_problems() {
        let n = crate::bus::embedded().unwrap();
        assert_eq!(n.problems(), Vec::<String>::new());
    }

    #[test]
    fn an_edited_network_should_be_caught() {
        let mut n = crate::bus::embedded().unwrap();
        n.stops[1].code = n.stops[0].code.clone();
        n.stops[2].lat = f64::NAN;
        let p = n.problems();
        assert!(p.iter().any(|p| p.contains("fingerprint")), "{p:?}");
        assert!(p.iter().any(|p| p.contains("used twice")), "{p:?}");
        assert!(p.iter().any(|p| p.contains("out of range")), "{p:?}");
    }
}
