//! Answers as the engine gives them about the example catalog, for tests with a fake engine. The
//! catalog text in them is hostile on purpose (`<!channel>`, `@everyone`, markdown), so every
//! test that renders them also checks escaping.

use backline_answer::*;

/// A defined entity in the default namespace, with where it is defined.
pub fn entity(kind: &str, name: &str) -> EntitySummary {
    EntitySummary {
        entity_ref: format!("{}:default/{name}", kind.to_ascii_lowercase()),
        kind: kind.to_owned(),
        namespace: "default".into(),
        name: name.into(),
        title: None,
        description: None,
        spec_type: None,
        lifecycle: None,
        owner: None,
        exists: true,
        valid: true,
        defined_at: Some(SourceLocation {
            source: "examples".into(),
            file: format!("services/{name}/catalog-info.yaml"),
            line: 4,
            column: 9,
            stale: false,
        }),
        error_count: 0,
        warning_count: 0,
        first_error: None,
        url: None,
    }
}

pub fn team_payments() -> EntitySummary {
    EntitySummary { title: Some("Payments Team".into()), ..entity("Group", "team-payments") }
}

/// The reach of team-payments: a Slack channel (annotation and archive link), an e-mail, a
/// PagerDuty service and a runbook.
pub fn payments_reach(name: &str) -> Reach {
    Reach {
        contacts: vec![
            Contact {
                channel: ContactChannel::SlackChannel,
                value: "#payments-oncall".into(),
                url: Some("https://northwind.slack.com/archives/C0123ABCD".into()),
                label: None,
                from: "group:default/team-payments".into(),
            },
            Contact {
                channel: ContactChannel::Email,
                value: "payments@northwind.example".into(),
                url: Some("mailto:payments@northwind.example".into()),
                label: None,
                from: "group:default/team-payments".into(),
            },
        ],
        on_call: vec![OnCall {
            provider: "pagerduty".into(),
            annotation: "pagerduty.com/service-id".into(),
            value: "P4YM3NT".into(),
            url: Some("https://northwind.pagerduty.com/service-directory/P4YM3NT".into()),
            from: format!("component:default/{name}"),
        }],
        links: vec![LinkInfo {
            url: "https://runbooks.northwind.example/payments-api".into(),
            title: Some("Runbook".into()),
            link_type: Some("runbook".into()),
            icon: None,
            from: format!("component:default/{name}"),
        }],
        live_on_call: Vec::new(),
    }
}

/// "who owns payments-api", as the engine answers it for the example catalog.
pub fn ownership(name: &str) -> Answer {
    let mut e = entity("Component", name);
    e.spec_type = Some("service".into());
    e.lifecycle = Some("production".into());
    e.owner = Some("group:default/team-payments".into());
    e.description = Some("Takes payments. <!channel> & friends @everyone **now**".into());
    Answer {
        question: String::new(),
        query: Some(Query::Owner { name: name.into() }),
        summary: format!("{name} is owned by team-payments."),
        body: AnswerBody::Ownership(OwnershipAnswer {
            entity: e,
            owner: Some(team_payments()),
            parents: vec![EntitySummary {
                title: Some("Commerce Engineering".into()),
                ..entity("Group", "commerce-engineering")
            }],
            members: vec![Person {
                entity: entity("User", "ada.lovelace"),
                display_name: Some("Ada Lovelace".into()),
                email: Some("ada.lovelace@northwind.example".into()),
                contacts: vec![],
            }],
            reach: payments_reach(name),
            findings: vec![],
        }),
        stale_sources: vec![],
        fuzzy: None,
    }
}

/// "who owns payments": two candidates.
pub fn ambiguous(name: &str) -> Answer {
    let candidates = ["payments-api", "payments-webhooks"]
        .iter()
        .map(|n| Candidate { entity: entity("Component", n), follow_up: format!("who owns component:default/{n}") })
        .collect();
    Answer {
        question: format!("who owns {name}"),
        query: Some(Query::Owner { name: name.into() }),
        summary: format!("Several entities match {name}."),
        body: AnswerBody::Ambiguous(Ambiguous { name: name.into(), candidates }),
        stale_sources: vec![],
        fuzzy: None,
    }
}

pub fn help_answer() -> Answer {
    Answer {
        question: "help".into(),
        query: Some(Query::Help),
        summary: "Ask who owns a service, what depends on it, or search the catalog.".into(),
        body: AnswerBody::Help(Help {
            reason: None,
            examples: vec![HelpExample {
                question: "who owns payments-api".into(),
                explanation: "its owner and how to reach them".into(),
            }],
        }),
        stale_sources: vec![],
        fuzzy: None,
    }
}

/// Three hits for any text.
pub fn search(text: &str) -> Answer {
    let hits: Vec<SearchHit> = [("Component", "payments-api"), ("Group", "team-payments"), ("API", "payments-events")]
        .iter()
        .map(|(k, n)| SearchHit { entity: entity(k, n), score: 1.0, matched: MatchKind::Text })
        .collect();
    Answer {
        question: String::new(),
        query: None,
        summary: format!("3 results for {text}."),
        body: AnswerBody::Search(SearchAnswer { text: text.into(), total: hits.len() as u32, hits }),
        stale_sources: vec![],
        fuzzy: None,
    }
}
