//! Embeds within Discord's limits (title 256, description 4096, 25 fields, 6000 in all) for hostile and huge answers: property
//! tests over long names, descriptions, many contacts, dependents and candidates, checked over the
//! JSON serenity would send.

mod discord_support;

use backline_answer::*;
use backline_bot::discord::render::{self, Options};
use discord_support::*;
use proptest::prelude::*;
use serde_json::Value;

fn sent(answer: &Answer) -> Value {
    let rendered = render::render(answer, &Options { catalog_url: Some("https://backstage.example.com".into()) });
    serde_json::to_value(rendered.message(true)).unwrap()
}

fn hostile() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z-]{1,40}",
        ".{0,3000}",
        Just("@everyone <@&123> **bold** `code` [x](https://evil.example) # heading\n> quote".to_owned()),
        "[*_~`|>#@<]{1,500}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn ownership_with_huge_reach_stays_within_limits(name in hostile(), desc in hostile(), n in 0usize..300) {
        let mut a = ownership("payments-api");
        let AnswerBody::Ownership(o) = &mut a.body else { unreachable!() };
        o.entity.name = name.clone();
        o.entity.title = Some(name.clone());
        o.entity.description = Some(desc.clone());
        for i in 0..n {
            o.reach.contacts.push(Contact { channel: ContactChannel::ChatLink, value: format!("{name}{i}"), url: Some(format!("https://chat.example/{i}")), label: Some(desc.clone()), from: "x".into() });
            o.reach.links.push(LinkInfo { url: format!("https://l.example/{i}"), title: Some(desc.clone()), link_type: None, icon: None, from: "x".into() });
            o.members.push(Person { entity: entity("User", &format!("u{i}")), display_name: Some(name.clone()), email: None, contacts: vec![] });
        }
        let v = sent(&a);
        assert_within_limits(&v);
        prop_assert!(!v.to_string().contains("@everyone") || v.to_string().contains("\\\\@everyone"));
    }

    #[test]
    fn blast_radius_and_candidates_stay_within_limits(name in hostile(), n in 0usize..500, depth in 1u32..12) {
        let root = entity("Resource", "orders-db");
        let nodes = (0..n).map(|i| DependencyNode { entity: EntitySummary { owner: Some(format!("group:default/{name}{}", i % 30)), ..entity("Component", &format!("{name}-{i}")) }, depth: 1 + (i as u32 % depth), path: vec![] }).collect();
        let a = Answer { question: String::new(), query: None, summary: name.clone(), stale_sources: vec![StaleSource { name: name.clone(), error: name.clone(), last_success: None }], fuzzy: None,
            body: AnswerBody::Dependencies(DependencyAnswer { root, direction: Direction::Dependents, max_depth: depth, nodes, truncated: true, team_on_call: vec![] }) };
        assert_within_limits(&sent(&a));
        let candidates = (0..n.min(40)).map(|i| Candidate { entity: entity("Component", &format!("{name}{i}")), follow_up: format!("who owns {name}{i}") }).collect();
        let amb = Answer { question: String::new(), query: None, summary: String::new(), stale_sources: vec![], fuzzy: None, body: AnswerBody::Ambiguous(Ambiguous { name: name.clone(), candidates }) };
        assert_within_limits(&sent(&amb));
    }
}

#[test]
fn long_lists_are_cut_with_a_count() {
    let nodes = (0..200)
        .map(|i| DependencyNode { entity: entity("Component", &format!("service-{i:03}")), depth: 1, path: vec![] })
        .collect();
    let a = Answer {
        question: String::new(),
        query: None,
        summary: String::new(),
        stale_sources: vec![],
        fuzzy: None,
        body: AnswerBody::Dependencies(DependencyAnswer {
            root: entity("Resource", "orders-db"),
            direction: Direction::Dependents,
            max_depth: 1,
            nodes,
            truncated: false,
            team_on_call: vec![],
        }),
    };
    let v = sent(&a);
    assert_within_limits(&v);
    let text = v.to_string();
    assert!(text.contains("**200** entities depend on it") && text.contains("more"), "{text}");
}
