//! Fault rules: what to do to a request (an [`Action`]), to which requests (a matcher), how many
//! times, and after how many matching requests have gone by untouched.
//!
//! The rule book is consulted once per request, when the request has fully arrived: rules are
//! tried in the order they were added and the first one that fires decides the request's fate.
//! A rule that matches but is still inside its `after(k)` window counts the request and lets it
//! go on to the later rules; a rule that has fired its `times(n)` is spent and matches nothing.
//! This module knows nothing of sockets or HTTP bodies: it sees a method and a path.

use std::time::Duration;

/// What the proxy does to a request a rule fires on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Close the client's connection without forwarding: the server never sees the request and
    /// the client gets a connection error (an incomplete message).
    DropRequest,
    /// Forward the request and read the server's whole answer (so the server has committed),
    /// then close the client's connection without answering: the classic lost response.
    DropResponse,
    /// Wait this long, then forward normally.
    Delay(Duration),
    /// Answer this status with the JSON error body
    /// `{"error":{"code":"internal","message":"injected fault"}}` without forwarding.
    Status(u16),
    /// Forward the request (the server commits) but answer this status, with the same JSON error
    /// body as [`Action::Status`], instead of the server's answer.
    StatusAfterForward(u16),
    /// Forward the request twice, one after the other, and answer with the second answer: a
    /// retry the client never knew about.
    Duplicate,
}

/// A fault rule: a matcher, an action, a count and a number of matching requests to let by first.
///
/// ```
/// use trove_faultproxy::{Action, Rule};
/// // The third push is answered 500 and never reaches the server; the others pass.
/// let rule = Rule::on("POST", "/api/v1/sync/push", Action::Status(500)).after(2).times(1);
/// # let _ = rule;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    matcher: Matcher,
    action: Action,
    skip: u32,
    times: Option<u32>,
    retry_after: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Matcher {
    Any,
    Route { method: String, path_prefix: String },
}

impl Rule {
    /// A rule for every request. It fires once unless told otherwise.
    pub fn any(action: Action) -> Rule {
        Rule::with(Matcher::Any, action)
    }

    /// A rule for requests with this method (compared case-insensitively) whose path is
    /// `path_prefix` or lies below it: `/api/v1/sync` matches `/api/v1/sync/push` but not
    /// `/api/v1/syncing`. The query string is not part of the path. It fires once unless told
    /// otherwise.
    pub fn on(method: &str, path_prefix: &str, action: Action) -> Rule {
        let path_prefix = path_prefix.trim_end_matches('/');
        let matcher = Matcher::Route {
            method: method.to_ascii_uppercase(),
            path_prefix: path_prefix.to_owned(),
        };
        Rule::with(matcher, action)
    }

    fn with(matcher: Matcher, action: Action) -> Rule {
        Rule {
            matcher,
            action,
            skip: 0,
            times: Some(1),
            retry_after: None,
        }
    }

    /// Fire on `n` matching requests, then be spent. The default is once.
    pub fn times(mut self, n: u32) -> Rule {
        self.times = Some(n);
        self
    }

    /// Fire on every matching request (after the `after` window).
    pub fn always(mut self) -> Rule {
        self.times = None;
        self
    }

    /// Let the first `k` matching requests go by (to later rules, or to the server) before firing.
    pub fn after(mut self, k: u32) -> Rule {
        self.skip = k;
        self
    }

    /// Add `Retry-After: secs` to the status this rule answers ([`Action::Status`] and
    /// [`Action::StatusAfterForward`]; other actions ignore it).
    pub fn retry_after(mut self, secs: u32) -> Rule {
        self.retry_after = Some(secs);
        self
    }

    /// The action this rule applies.
    pub fn action(&self) -> &Action {
        &self.action
    }

    fn matches(&self, method: &str, path: &str) -> bool {
        match &self.matcher {
            Matcher::Any => true,
            Matcher::Route {
                method: want,
                path_prefix,
            } => {
                method.eq_ignore_ascii_case(want)
                    && path
                        .strip_prefix(path_prefix.as_str())
                        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
            }
        }
    }

    /// Why this rule cannot be applied, if it cannot.
    pub(crate) fn problem(&self) -> Option<String> {
        match self.action {
            Action::Status(status) | Action::StatusAfterForward(status)
                if !(200..=599).contains(&status) =>
            {
                Some(format!(
                    "injected status {status} is not a final HTTP status; expected 200 to 599"
                ))
            }
            _ => None,
        }
    }
}

/// What the rule book decided for one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Decision {
    pub action: Option<Action>,
    pub retry_after: Option<u32>,
}

/// The rules in force, each with how many matching requests it has seen and fired on.
#[derive(Debug, Default)]
pub(crate) struct RuleBook {
    rules: Vec<Armed>,
}

#[derive(Debug)]
struct Armed {
    rule: Rule,
    seen: u32,
    fired: u32,
}

impl RuleBook {
    pub fn add(&mut self, rule: Rule) {
        self.rules.push(Armed {
            rule,
            seen: 0,
            fired: 0,
        });
    }

    pub fn clear(&mut self) {
        self.rules.clear();
    }

    /// Decides the fate of one request and advances the counters of the rules it went past.
    pub fn decide(&mut self, method: &str, path: &str) -> Decision {
        for armed in &mut self.rules {
            let spent = armed.rule.times.is_some_and(|n| armed.fired >= n);
            if spent || !armed.rule.matches(method, path) {
                continue;
            }
            armed.seen += 1;
            if armed.seen <= armed.rule.skip {
                continue;
            }
            armed.fired += 1;
            return Decision {
                action: Some(armed.rule.action.clone()),
                retry_after: armed.rule.retry_after,
            };
        }
        Decision {
            action: None,
            retry_after: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs `requests` through a rule book holding `rules`; returns the action each one got.
    fn check(rules: Vec<Rule>, requests: &[(&str, &str)]) -> Vec<Option<Action>> {
        let mut book = RuleBook::default();
        rules.into_iter().for_each(|rule| book.add(rule));
        requests
            .iter()
            .map(|(method, path)| book.decide(method, path).action)
            .collect()
    }

    const PUSH: (&str, &str) = ("POST", "/api/v1/sync/push");
    const PULL: (&str, &str) = ("GET", "/api/v1/sync/pull");

    #[test]
    fn a_rule_fires_once_by_default() {
        let got = check(vec![Rule::any(Action::DropRequest)], &[PUSH, PUSH]);
        assert_eq!(got, [Some(Action::DropRequest), None]);
    }

    #[test]
    fn after_k_then_times_n() {
        let rule = Rule::on("POST", "/api/v1/sync/push", Action::Status(500))
            .after(2)
            .times(2);
        let got = check(vec![rule], &[PUSH, PULL, PUSH, PUSH, PUSH, PUSH]);
        let s500 = Some(Action::Status(500));
        assert_eq!(got, [None, None, None, s500.clone(), s500, None]);
    }

    #[test]
    fn always_never_runs_out() {
        let got = check(vec![Rule::any(Action::Duplicate).always()], &[PUSH; 5]);
        assert!(got.iter().all(|a| *a == Some(Action::Duplicate)));
    }

    #[test]
    fn method_and_path_prefix_match_whole_segments() {
        let rule = || Rule::on("post", "/api/v1/sync/", Action::DropResponse).always();
        let cases = [
            (("POST", "/api/v1/sync/push"), true),
            (("POST", "/api/v1/sync"), true),
            (("POST", "/api/v1/syncing"), false),
            (("GET", "/api/v1/sync/pull"), false),
            (("POST", "/api/v1"), false),
        ];
        for ((method, path), fires) in cases {
            let got = check(vec![rule()], &[(method, path)]);
            assert_eq!(got[0].is_some(), fires, "{method} {path}");
        }
    }

    #[test]
    fn the_first_rule_that_fires_wins_and_skipping_rules_pass_requests_on() {
        let rules = vec![
            Rule::on("POST", "/api/v1/sync/push", Action::Status(500)).after(1),
            Rule::any(Action::Status(503)),
        ];
        let got = check(rules, &[PUSH, PUSH, PUSH]);
        assert_eq!(
            got,
            [Some(Action::Status(503)), Some(Action::Status(500)), None]
        );
    }

    #[test]
    fn retry_after_travels_with_the_decision() {
        let mut book = RuleBook::default();
        book.add(Rule::any(Action::Status(503)).retry_after(2));
        let decision = book.decide("GET", "/");
        assert_eq!(decision.retry_after, Some(2));
    }

    #[test]
    fn statuses_outside_200_to_599_are_refused() {
        assert!(Rule::any(Action::Status(503)).problem().is_none());
        let problem = Rule::any(Action::StatusAfterForward(1000))
            .problem()
            .unwrap();
        assert_eq!(
            problem,
            "injected status 1000 is not a final HTTP status; expected 200 to 599"
        );
        assert!(Rule::any(Action::Status(100)).problem().is_some());
    }
}
