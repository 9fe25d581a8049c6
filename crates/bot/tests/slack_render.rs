//! Rendered messages stay within Block Kit's limits and never ping anyone, whatever the catalog
//! says: property tests over answers with long, hostile and numerous names, descriptions, links
//! and lists.

mod common;

use backline_answer::*;
use backline_bot::slack::render::{Options, render};
use common::{assert_within_limits, entity, ownership};
use proptest::prelude::*;
use serde_json::json;

fn message(answer: &Answer, share: bool) -> serde_json::Value {
    let opts = Options {
        share_value: share.then(|| "x".repeat(100)),
        catalog_url: Some("https://backstage.example.com".into()),
    };
    let r = render(answer, &opts);
    json!({ "text": r.text, "blocks": r.blocks })
}

/// Text a catalog author could write: long, with mrkdwn and Slack's special syntax in it.
fn hostile_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z-]{1,40}",
        ".{0,400}",
        Just(
            "<!channel> <!here> <!everyone> <@U123> <!subteam^S123|@oncall> <https://evil.example|docs> & more"
                .to_owned()
        ),
        "[<>&|*_~`]{1,3000}",
        "[a-zé ]{2000,5000}",
    ]
}

fn summary(name: String, description: Option<String>, owner: Option<String>) -> EntitySummary {
    let mut e = entity("Component", "x");
    e.name = name.clone();
    e.entity_ref = format!("component:default/{name}");
    e.title = description.clone().map(|d| d.chars().take(300).collect());
    e.description = description;
    e.owner = owner;
    e
}

fn answers(name: String, desc: String, n: usize, url: String) -> Vec<Answer> {
    let e = || summary(name.clone(), Some(desc.clone()), Some(format!("group:default/{name}")));
    let many: Vec<EntitySummary> = (0..n)
        .map(|i| summary(format!("{name}-{i}"), Some(desc.clone()), Some(format!("group:default/team-{}", i % 7))))
        .collect();
    let contacts: Vec<Contact> = (0..n.min(40))
        .map(|i| Contact {
            channel: ContactChannel::SlackChannel,
            value: format!("#{name}-{i}"),
            url: Some(format!("{url}/{i}")),
            label: Some(desc.clone()),
            from: e().entity_ref,
        })
        .collect();
    let links: Vec<LinkInfo> = (0..n.min(40))
        .map(|i| LinkInfo {
            url: format!("{url}/l{i}"),
            title: Some(desc.clone()),
            link_type: Some("runbook".into()),
            icon: None,
            from: e().entity_ref,
        })
        .collect();
    let on_call: Vec<OnCall> = (0..n.min(20))
        .map(|i| OnCall {
            provider: "pagerduty".into(),
            annotation: "pagerduty.com/service-id".into(),
            value: format!("{desc}{i}"),
            url: Some(url.clone()),
            from: e().entity_ref,
        })
        .collect();
    let people: Vec<Person> = many
        .iter()
        .map(|m| Person {
            entity: m.clone(),
            display_name: Some(desc.clone()),
            email: Some(format!("{name}@example.com")),
            contacts: vec![],
        })
        .collect();
    let reach = Reach { contacts, on_call, links: links.clone(), live_on_call: Vec::new() };
    let finding = FindingSummary {
        code: "BS0401".into(),
        severity: FindingSeverity::Error,
        message: desc.clone(),
        location: SourceLocation { source: desc.clone(), file: desc.clone(), line: 1, column: 1, stale: false },
    };
    let wrap = |body: AnswerBody| Answer {
        question: desc.clone(),
        query: None,
        summary: desc.clone(),
        body,
        stale_sources: vec![StaleSource { name: name.clone(), error: desc.clone(), last_success: Some(desc.clone()) }],
        fuzzy: None,
    };
    let candidates: Vec<Candidate> =
        many.iter().map(|m| Candidate { entity: m.clone(), follow_up: format!("who owns {}", m.entity_ref) }).collect();
    vec![
        wrap(AnswerBody::Ownership(OwnershipAnswer {
            entity: e(),
            owner: Some(e()),
            parents: many.clone(),
            members: people.clone(),
            reach: reach.clone(),
            findings: vec![finding.clone(); n.min(5)],
        })),
        wrap(AnswerBody::Contact(ContactAnswer {
            subject: e(),
            team: Some(many.first().cloned().unwrap_or_else(e)),
            members: people.clone(),
            reach: reach.clone(),
        })),
        wrap(AnswerBody::Entity(EntityAnswer {
            entity: e(),
            tags: vec![desc.clone(); n.min(30)],
            labels: vec![],
            annotations: vec![],
            links,
            relations: many
                .iter()
                .map(|m| RelationInfo { relation: RelationType::DependsOn, target: m.clone() })
                .collect(),
            findings: vec![finding.clone()],
            document: json!({}),
        })),
        wrap(AnswerBody::Dependencies(DependencyAnswer {
            root: e(),
            direction: Direction::Dependents,
            max_depth: 10,
            nodes: many
                .iter()
                .enumerate()
                .map(|(i, m)| DependencyNode { entity: m.clone(), depth: (i % 10) as u32 + 1, path: vec![] })
                .collect(),
            truncated: true,
            team_on_call: vec![],
        })),
        wrap(AnswerBody::Team(TeamAnswer {
            team: e(),
            email: Some(desc.clone()),
            parents: many.clone(),
            children: many.clone(),
            members: people,
            owns: many.iter().map(|m| OwnedEntity { entity: m.clone(), via: Some(e().entity_ref) }).collect(),
            reach,
        })),
        wrap(AnswerBody::Search(SearchAnswer {
            text: desc.clone(),
            hits: many.iter().map(|m| SearchHit { entity: m.clone(), score: 1.0, matched: MatchKind::Text }).collect(),
            total: n as u32 * 3,
        })),
        wrap(AnswerBody::Find(FindAnswer {
            filters: vec![Filter { field: FilterField::Tag, key: None, value: Some(desc.clone()) }],
            groups: many.chunks(3).map(|c| OwnerGroup { owner: c.first().cloned(), entities: c.to_vec() }).collect(),
            total: n as u32,
        })),
        wrap(AnswerBody::Health(HealthAnswer {
            entity_count: n as u32,
            file_count: 1,
            source_count: 1,
            missing_owners: many.iter().map(|m| MissingOwner { entity: m.clone(), owner_ref: desc.clone() }).collect(),
            groups_without_members: many.clone(),
            users_without_group: many.clone(),
            deprecated_in_use: many
                .iter()
                .map(|m| DeprecatedInUse { entity: m.clone(), dependents: many.clone() })
                .collect(),
            entities_with_findings: many
                .iter()
                .map(|m| EntityFindings { entity: m.clone(), findings: vec![finding.clone()] })
                .collect(),
            file_findings: vec![finding.clone(); n.min(50)],
        })),
        wrap(AnswerBody::Ambiguous(Ambiguous { name: desc.clone(), candidates: candidates.clone() })),
        wrap(AnswerBody::NotFound(NotFound { name: desc.clone(), closest: candidates })),
        wrap(AnswerBody::Help(Help {
            reason: Some(desc.clone()),
            examples: (0..n.min(30))
                .map(|_| HelpExample { question: desc.clone(), explanation: desc.clone() })
                .collect(),
        })),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn every_answer_fits_in_a_slack_message(
        name in "[a-z][a-z0-9-]{0,200}",
        desc in hostile_text(),
        n in prop_oneof![0usize..4, 20usize..60, 200usize..400],
        url in prop_oneof![Just("https://ok.example/x".to_owned()), Just("javascript:alert(1)".to_owned()), Just("https://x.example/a|<!channel>".to_owned()), "https://[a-z]{3000,3100}".prop_map(|s| s)],
        share in any::<bool>(),
    ) {
        for answer in answers(name, desc, n, url) {
            assert_within_limits(&message(&answer, share));
        }
    }
}

#[test]
fn ownership_is_escaped_and_complete() {
    let m = message(&ownership("payments-api"), true);
    assert_within_limits(&m);
    let s = m.to_string();
    assert!(s.contains("&lt;!channel&gt; &amp; friends"), "the description is shown escaped: {s}");
    assert!(s.contains("<https://backstage.example.com/catalog/default/group/team-payments|Payments Team>"), "{s}");
}

#[test]
fn long_lists_are_cut_with_a_count() {
    let answers = answers("svc".into(), "d".into(), 500, "https://ok.example".into());
    let impact = message(&answers[3], false).to_string();
    assert!(impact.contains("more"), "{impact}");
    assert!(impact.contains("*500* entities depend on it"), "{impact}");
    let search = message(&answers[5], false).to_string();
    assert!(search.contains("*1500* results") && search.contains("…and 1490 more"), "{search}");
}
