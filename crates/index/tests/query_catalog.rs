//! Every query and phrasing of the question engine on the example catalog, on SQLite and
//! PostgreSQL. The expectations come from examples/README.md (teams, the orders-db blast
//! radius, the python2 migration, legacy-invoicing).

mod index_support;

use backline_answer::*;
use backline_index::Index;
use index_support::{Db, example};

async fn ask(ix: &Index, q: &str) -> Answer {
    let a = ix.ask(q).await.unwrap_or_else(|e| panic!("{q}: {e}"));
    // Every answer serialises (what --json and the bots use) and has a summary.
    serde_json::to_string(&a).expect("serialise");
    assert!(!a.summary.is_empty(), "{q}");
    a
}

fn names(es: &[EntitySummary]) -> Vec<String> {
    let mut v: Vec<String> = es.iter().map(|e| e.name.clone()).collect();
    v.sort();
    v
}

fn ownership(a: &Answer) -> &OwnershipAnswer {
    match &a.body {
        AnswerBody::Ownership(o) => o,
        other => panic!("{}: expected ownership, got {other:#?}", a.question),
    }
}

fn deps(a: &Answer) -> &DependencyAnswer {
    match &a.body {
        AnswerBody::Dependencies(d) => d,
        other => panic!("{}: expected dependencies, got {other:#?}", a.question),
    }
}

async fn owner_questions(db: Db) {
    let Some((t, ix)) = example(db).await else { return };
    for q in [
        "who owns payments-api",
        "Who owns payments-api?",
        "who owsn payments-api",
        "whos the owner of paymnets-api",
        "payments-api owner",
        "owner of component:payments-api",
        "who owns component:default/payments-api",
        "who is responsible for the payments api",
        "<@U0BOT> who owns Payments-API",
    ] {
        let a = ask(&ix, q).await;
        let o = ownership(&a);
        assert_eq!(o.entity.entity_ref, "component:default/payments-api", "{q}");
        let owner = o.owner.as_ref().expect("owner");
        assert_eq!(owner.entity_ref, "group:default/team-payments", "{q}");
        assert!(owner.exists);
        assert_eq!(names(&o.parents), ["commerce-engineering", "northwind"], "{q}");
        let members: Vec<&str> = o.members.iter().map(|m| m.entity.name.as_str()).collect();
        assert_eq!(members, ["daniel.osei", "luca.romano", "priya.raman", "sofia.marquez"], "{q}");
        assert!(o.members.iter().all(|m| m.email.is_some()), "members have e-mail");
        let has = |c: ContactChannel, v: &str| o.reach.contacts.iter().any(|x| x.channel == c && x.value == v);
        assert!(has(ContactChannel::Email, "payments@northwind.example"), "{q}: {:?}", o.reach.contacts);
        assert!(has(ContactChannel::SlackChannel, "#payments-oncall"));
        assert!(has(ContactChannel::SlackNotify, "C0123ABCD"));
        let pd = o.reach.on_call.iter().find(|c| c.value == "PPAY0A1").expect("pagerduty on-call");
        assert_eq!(pd.provider, "pagerduty");
        assert!(pd.url.as_deref().is_some_and(|u| u.ends_with("/service-directory/PPAY0A1")));
        assert!(o.reach.links.iter().any(|l| l.link_type.as_deref() == Some("runbook")));
        // Where the data came from.
        let at = o.entity.defined_at.as_ref().expect("location");
        assert_eq!(
            (at.source.as_str(), at.file.as_str(), at.line),
            ("northwind", "services/payments-api/catalog-info.yaml", 6)
        );
        assert!(a.summary.contains("team-payments"), "{}", a.summary);
        assert!(a.stale_sources.is_empty());
    }

    // A system by its exact name; an API; a resource; a user-facing title-less entity.
    let a = ask(&ix, "owner of payments").await;
    let o = ownership(&a);
    assert_eq!(o.entity.entity_ref, "system:default/payments");
    assert_eq!(o.owner.as_ref().unwrap().name, "team-payments");
    let a = ask(&ix, "who owns orders-db").await;
    assert_eq!(ownership(&a).owner.as_ref().unwrap().name, "team-fulfilment");
    // Opsgenie on-call for the fulfilment services.
    let a = ask(&ix, "who owns orders-service").await;
    let o = ownership(&a);
    assert!(o.reach.on_call.iter().any(|c| c.provider == "opsgenie" && c.value == "Fulfilment" && c.url.is_some()));
    // Groups and users have no owner.
    let a = ask(&ix, "who owns group:team-payments").await;
    assert!(ownership(&a).owner.is_none());
    ix.close().await;
    t.cleanup().await;
}

async fn contact_questions(db: Db) {
    let Some((t, ix)) = example(db).await else { return };
    for q in [
        "how do I reach the payments team",
        "how can I contact team-payments",
        "contact payments team",
        "how do i reach team payments?",
    ] {
        let a = ask(&ix, q).await;
        let AnswerBody::Contact(c) = &a.body else { panic!("{q}: {:#?}", a.body) };
        assert_eq!(c.subject.entity_ref, "group:default/team-payments", "{q}");
        assert_eq!(c.team.as_ref().unwrap().entity_ref, "group:default/team-payments");
        assert!(
            c.reach
                .contacts
                .iter()
                .any(|x| x.channel == ContactChannel::Email && x.value == "payments@northwind.example")
        );
        assert!(c.reach.contacts.iter().any(|x| x.channel == ContactChannel::SlackChannel));
        assert_eq!(c.members.len(), 4);
    }
    // An entity: its own channels and its owner's; Discord where present.
    let a = ask(&ix, "how do I reach checkout-web").await;
    let AnswerBody::Contact(c) = &a.body else { panic!("{:#?}", a.body) };
    assert_eq!(c.team.as_ref().unwrap().name, "team-checkout");
    assert!(c.reach.contacts.iter().any(|x| x.channel == ContactChannel::DiscordChannel));
    let a = ask(&ix, "who is on call for payments-api").await;
    let AnswerBody::Contact(c) = &a.body else { panic!("{:#?}", a.body) };
    assert!(c.reach.on_call.iter().any(|o| o.value == "PPAY0A1"));
    ix.close().await;
    t.cleanup().await;
}

async fn dependency_questions(db: Db) {
    let Some((t, ix)) = example(db).await else { return };
    for q in
        ["what depends on orders-db", "who uses orders-db", "dependents of orders-db", "what dependes on orders-db?"]
    {
        let a = ask(&ix, q).await;
        let d = deps(&a);
        assert_eq!(d.direction, Direction::Dependents);
        assert_eq!(d.root.entity_ref, "resource:default/orders-db", "{q}");
        let got: Vec<&str> = d.nodes.iter().map(|n| n.entity.name.as_str()).collect();
        assert_eq!(got, ["orders-etl", "orders-service"], "{q}");
        assert!(d.truncated, "there is more beyond depth 1");
    }
    // The README's blast radius: twelve components at depths 1-4.
    for q in [
        "what breaks if orders-db goes down",
        "what brekas if orders-db goes down?",
        "impact of orders-db",
        "blast radius of orders-db",
    ] {
        let a = ask(&ix, q).await;
        let d = deps(&a);
        assert!(!d.truncated, "{q}");
        let at = |depth: u32| {
            let mut v: Vec<&str> =
                d.nodes.iter().filter(|n| n.depth == depth).map(|n| n.entity.name.as_str()).collect();
            v.sort_unstable();
            v
        };
        assert_eq!(at(1), ["orders-etl", "orders-service"], "{q}");
        assert_eq!(
            at(2),
            ["checkout-api", "fulfilment-worker", "recommendations-service", "returns-service", "warehouse-service"],
            "{q}"
        );
        assert_eq!(at(3), ["checkout-web", "mobile-bff", "shipping-service", "storefront-web"], "{q}");
        assert_eq!(at(4), ["northwind-app"], "{q}");
        assert_eq!(d.nodes.len(), 12);
        let app = d.nodes.iter().find(|n| n.entity.name == "northwind-app").unwrap();
        assert_eq!(
            app.path,
            [
                "resource:default/orders-db",
                "component:default/orders-service",
                "component:default/checkout-api",
                "component:default/mobile-bff",
                "component:default/northwind-app"
            ]
        );
        assert!(a.summary.contains("12 entities"), "{}", a.summary);
    }
    let a = ask(&ix, "what breaks if orders-db goes down depth 2").await;
    let d = deps(&a);
    assert_eq!((d.nodes.len(), d.truncated), (7, true));

    // Forward dependencies.
    for q in ["what does checkout-api depend on", "dependencies of checkout-api", "checkout-api depends on what"] {
        let a = ask(&ix, q).await;
        let d = deps(&a);
        assert_eq!(d.direction, Direction::Dependencies);
        let mut got: Vec<&str> = d.nodes.iter().map(|n| n.entity.name.as_str()).collect();
        got.sort_unstable();
        assert_eq!(
            got,
            ["checkout-cache", "orders-service", "payments-api", "shipping-service", "tax-calculator"],
            "{q}"
        );
    }
    let a = ask(&ix, "deps checkout-api depth 3").await;
    let d = deps(&a);
    assert!(d.nodes.iter().any(|n| n.entity.name == "orders-db" && n.depth == 2), "{:?}", d.nodes);
    // `dependencyOf` written on the other side counts too.
    let a = ask(&ix, "what does identity-service depend on").await;
    assert!(deps(&a).nodes.iter().any(|n| n.entity.name == "sessions-cache"));
    ix.close().await;
    t.cleanup().await;
}

async fn team_questions(db: Db) {
    let Some((t, ix)) = example(db).await else { return };
    for q in [
        "what does team-checkout own",
        "what is owned by team-checkout",
        "team checkout",
        "what does the checkout team own",
    ] {
        let a = ask(&ix, q).await;
        let AnswerBody::Team(team) = &a.body else { panic!("{q}: {:#?}", a.body) };
        assert_eq!(team.team.entity_ref, "group:default/team-checkout", "{q}");
        let owned: Vec<&str> = team.owns.iter().map(|o| o.entity.name.as_str()).collect();
        for c in [
            "checkout-web",
            "checkout-api",
            "tax-calculator",
            "mobile-bff",
            "northwind-app",
            "checkout-rest",
            "checkout",
        ] {
            assert!(owned.contains(&c), "{q}: {c} missing from {owned:?}");
        }
        assert!(team.owns.iter().all(|o| o.via.is_none()));
        let members: Vec<&str> = team.members.iter().map(|m| m.entity.name.as_str()).collect();
        assert_eq!(members, ["hannah.berg", "kenji.watanabe", "luca.romano"]);
        assert_eq!(names(&team.parents), ["commerce-engineering", "northwind"]);
        assert_eq!(team.email.as_deref(), Some("checkout@northwind.example"));
    }
    for q in ["who is in team-payments", "members of team-payments"] {
        let a = ask(&ix, q).await;
        let AnswerBody::Team(team) = &a.body else { panic!("{q}: {:#?}", a.body) };
        assert_eq!(team.members.len(), 4);
    }
    // Sub-groups: a department owns what its teams own.
    let a = ask(&ix, "what does commerce-engineering own").await;
    let AnswerBody::Team(team) = &a.body else { panic!("{:#?}", a.body) };
    assert_eq!(names(&team.children), ["team-catalog", "team-checkout", "team-identity", "team-payments"]);
    let pay = team.owns.iter().find(|o| o.entity.name == "payments-api").expect("owned through team-payments");
    assert_eq!(pay.via.as_deref(), Some("group:default/team-payments"));
    assert!(team.owns.iter().any(|o| o.entity.name == "commerce" && o.via.is_none()), "the domain it owns itself");
    ix.close().await;
    t.cleanup().await;
}

async fn search_questions(db: Db) {
    let Some((t, ix)) = example(db).await else { return };
    let search = |a: &Answer| -> Vec<String> {
        match &a.body {
            AnswerBody::Search(s) => s.hits.iter().map(|h| h.entity.name.clone()).collect(),
            other => panic!("{other:#?}"),
        }
    };
    let a = ask(&ix, "search fraud").await;
    let hits = search(&a);
    assert!(
        hits[..2].contains(&"fraud-detector".to_owned()) && hits[..2].contains(&"fraud-scoring".to_owned()),
        "{hits:?}"
    );
    // Identifier splitting, prefixes, typos, exact first.
    for (q, want) in [
        ("search paymentsApi", "payments-api"),
        ("search payments_api", "payments-api"),
        ("search paym", "payments-api"),
        ("search paymnets", "payments-api"),
        ("search payments-api", "payments-api"),
        ("search orders-db", "orders-db"),
    ] {
        let hits = search(&ask(&ix, q).await);
        assert!(hits.iter().take(5).any(|h| h == want), "{q}: {hits:?}");
    }
    let hits = search(&ask(&ix, "search payments").await);
    assert_eq!(hits[0], "payments", "exact name first: {hits:?}");
    let a = ask(&ix, "search zzqqxx").await;
    assert!(search(&a).is_empty());
    assert!(a.summary.starts_with("Nothing matches"));
    // Structured API: limit.
    let s = ix.search("payments", 3).await.unwrap();
    assert_eq!(s.hits.len(), 3);
    assert!(s.total >= 3);
    ix.close().await;
    t.cleanup().await;
}

async fn find_questions(db: Db) {
    let Some((t, ix)) = example(db).await else { return };
    let find = |a: &Answer| -> Vec<(String, Vec<String>)> {
        match &a.body {
            AnswerBody::Find(f) => f
                .groups
                .iter()
                .map(|g| (g.owner.as_ref().map_or("-".into(), |o| o.name.clone()), names(&g.entities)))
                .collect(),
            other => panic!("{other:#?}"),
        }
    };
    let want = vec![
        ("team-data".to_owned(), vec!["recommendations-service".to_owned()]),
        ("team-fulfilment".to_owned(), vec!["returns-service".to_owned()]),
        ("team-logistics".to_owned(), vec!["warehouse-service".to_owned()]),
        ("team-payments".to_owned(), vec!["fraud-detector".to_owned()]),
    ];
    for q in [
        "find tag:python2 lifecycle:production",
        "tag:python2 lifecycle:production",
        "find lifecycle:Production tag:Python2",
        "which production services are still tagged python2",
    ] {
        assert_eq!(find(&ask(&ix, q).await), want, "{q}");
    }
    let all = find(&ask(&ix, "find tag:python2").await);
    assert!(all.iter().any(|(o, e)| o == "team-payments" && e.contains(&"legacy-invoicing".to_owned())));
    assert_eq!(all.iter().map(|(_, e)| e.len()).sum::<usize>(), 5);
    for (q, n) in [
        ("find kind:resource owner:team-fulfilment", None),
        ("find kind:group", Some(13)),
        ("find kind:user", Some(26)),
        ("find kind:component", Some(29)),
        ("find type:website", Some(4)),
        ("find kind:component system:payments", None),
        ("find domain:fulfilment kind:component", None),
        ("find label:tier=1", None),
        ("find annotation:opsgenie.com/team", None),
        // Two services and the team itself carry the annotation.
        ("find annotation:opsgenie.com/team=logistics", Some(3)),
    ] {
        let got = find(&ask(&ix, q).await);
        let total: usize = got.iter().map(|(_, e)| e.len()).sum();
        match n {
            Some(n) => assert_eq!(total, n, "{q}: {got:?}"),
            None => assert!(total > 0, "{q}"),
        }
    }
    let got = find(&ask(&ix, "find kind:component system:payments").await);
    assert!(got.iter().flat_map(|(_, e)| e).any(|e| e == "payments-api"));
    let got = find(&ask(&ix, "find domain:fulfilment kind:component").await);
    assert!(got.iter().flat_map(|(_, e)| e).any(|e| e == "orders-service"), "{got:?}");
    assert!(!got.iter().flat_map(|(_, e)| e).any(|e| e == "payments-api"));
    let none = ask(&ix, "find tag:cobol").await;
    assert!(find(&none).is_empty());
    ix.close().await;
    t.cleanup().await;
}

async fn health_and_describe(db: Db) {
    let Some((t, ix)) = example(db).await else { return };
    for q in ["health", "catalog health", "what's broken"] {
        let a = ask(&ix, q).await;
        let AnswerBody::Health(h) = &a.body else { panic!("{q}: {:#?}", a.body) };
        assert_eq!(h.entity_count, 105);
        assert_eq!(h.source_count, 1);
        assert!(h.missing_owners.is_empty(), "{:?}", h.missing_owners);
        assert!(h.groups_without_members.is_empty());
        assert!(h.users_without_group.is_empty());
        assert_eq!(h.deprecated_in_use.len(), 1);
        assert_eq!(h.deprecated_in_use[0].entity.name, "legacy-invoicing");
        assert_eq!(names(&h.deprecated_in_use[0].dependents), ["payments-api", "returns-service"]);
    }
    for q in ["what is payments-api", "describe payments-api", "payments-api"] {
        let a = ask(&ix, q).await;
        let AnswerBody::Entity(e) = &a.body else { panic!("{q}: {:#?}", a.body) };
        assert_eq!(e.entity.entity_ref, "component:default/payments-api");
        assert!(e.tags.contains(&"python3".to_owned()));
        assert!(e.relations.iter().any(|r| r.relation == "ownedBy" && r.target.name == "team-payments"));
        assert!(e.relations.iter().any(|r| r.relation == "dependsOn" && r.target.name == "legacy-invoicing"));
        assert_eq!(e.document["metadata"]["name"], "payments-api");
        assert!(e.findings.is_empty());
    }
    ix.close().await;
    t.cleanup().await;
}

async fn ambiguity_and_not_found(db: Db) {
    let Some((t, ix)) = example(db).await else { return };
    let a = ask(&ix, "who owns invoicing").await;
    let AnswerBody::Ambiguous(amb) = &a.body else { panic!("{:#?}", a.body) };
    let cands: Vec<&str> = amb.candidates.iter().map(|c| c.entity.name.as_str()).collect();
    assert!(cands.contains(&"legacy-invoicing") && cands.contains(&"invoicing-service"), "{cands:?}");
    assert!(a.summary.contains("Which one?"));
    // A candidate's follow-up question answers exactly that entity.
    let follow = &amb.candidates.iter().find(|c| c.entity.name == "legacy-invoicing").unwrap().follow_up;
    assert_eq!(follow, "who owns component:default/legacy-invoicing");
    let a = ask(&ix, follow).await;
    assert_eq!(ownership(&a).entity.name, "legacy-invoicing");

    let a = ask(&ix, "who owns the zebra-unicorn-gateway").await;
    let AnswerBody::NotFound(nf) = &a.body else { panic!("{:#?}", a.body) };
    assert_eq!(nf.name, "zebra-unicorn-gateway");
    assert!(a.summary.starts_with("Nothing in the catalog is called"), "{}", a.summary);
    let a = ask(&ix, "who owns payments-gatewya").await;
    match &a.body {
        AnswerBody::NotFound(nf) => assert!(!nf.closest.is_empty(), "closest names offered"),
        AnswerBody::Ambiguous(_) | AnswerBody::Ownership(_) => {}
        other => panic!("{other:#?}"),
    }
    for q in ["help", "help me please"] {
        let a = ask(&ix, q).await;
        let AnswerBody::Help(h) = &a.body else { panic!("{:#?}", a.body) };
        assert!(h.reason.is_none() && h.examples.len() >= 8);
    }
    let a = ask(&ix, "the quick brown fox jumps over").await;
    let AnswerBody::Help(h) = &a.body else { panic!("{:#?}", a.body) };
    assert!(h.reason.is_some());
    ix.close().await;
    t.cleanup().await;
}

fn mine(a: &Answer) -> &MineAnswer {
    match &a.body {
        AnswerBody::Mine(m) => m,
        other => panic!("{}: expected an answer about the asker, got {other:#?}", a.question),
    }
}

fn unknown(a: &Answer) -> &UnknownAskerReason {
    match &a.body {
        AnswerBody::UnknownAsker(u) => &u.reason,
        other => panic!("{}: expected an unknown asker, got {other:#?}", a.question),
    }
}

/// Questions about the asker: matched by name, e-mail (any case) or Discord id annotation;
/// unmatched askers get the reason, never a guess.
async fn asker_questions(db: Db) {
    let Some((t, ix)) = example(db).await else { return };
    let as_ = |platform, user_id: Option<&str>, email: Option<&str>, user: Option<&str>| Asker {
        platform,
        user_id: user_id.map(Into::into),
        email: email.map(Into::into),
        user: user.map(Into::into),
        ..Asker::default()
    };
    let ask_as = async |q: &str, asker: &Asker| ix.ask_as(q, Some(asker)).await.unwrap();
    let owned = |m: &MineAnswer| m.owns.iter().map(|o| o.entity.name.clone()).collect::<Vec<_>>();

    let priya = as_(AskerPlatform::Cli, None, None, Some("priya.raman"));
    let a = ask_as("what do I own", &priya).await;
    let m = mine(&a);
    assert_eq!((m.me.entity.name.as_str(), m.matched_by), ("priya.raman", AskerMatch::Name));
    assert_eq!(names(&m.teams), ["team-payments"]);
    assert!(owned(m).contains(&"payments-api".to_owned()), "{:?}", owned(m));
    assert!(m.owns.iter().all(|o| o.via.as_deref() == Some("group:default/team-payments")), "{:?}", m.owns);
    assert!(a.summary.starts_with("You (Priya Raman) and your teams (team-payments) own"), "{}", a.summary);

    let by_email = as_(AskerPlatform::Slack, Some("U0PRIYA"), Some("PRIYA.Raman@northwind.example"), None);
    let b = ask_as("what do i own?", &by_email).await;
    assert_eq!(mine(&b).matched_by, AskerMatch::Email);
    assert_eq!(mine(&b).owns, m.owns);

    // Discord gives no e-mail: the id annotation. Luca is in two teams.
    let luca = as_(AskerPlatform::Discord, Some("412345678901234567"), None, None);
    let a = ask_as("what does my team own", &luca).await;
    let m = mine(&a);
    assert_eq!((m.me.entity.name.as_str(), m.matched_by), ("luca.romano", AskerMatch::Annotation));
    assert_eq!(names(&m.teams), ["team-checkout", "team-payments"]);
    assert!(owned(m).contains(&"payments-api".to_owned()) && owned(m).contains(&"checkout-api".to_owned()));
    let a = ask_as("am I on call", &luca).await;
    assert_eq!(mine(&a).about, AboutMe::OnCallNow);
    assert!(mine(&a).owns.is_empty() && !mine(&a).reach.on_call.is_empty(), "{:#?}", mine(&a).reach);

    // Unmatched: why, never a guess.
    let stranger = as_(AskerPlatform::Discord, Some("999"), None, None);
    assert_eq!(
        unknown(&ask_as("what do I own", &stranger).await),
        &UnknownAskerReason::NoUserWithId { annotation: DISCORD_USER_ANNOTATION.into(), user_id: "999".into() }
    );
    let a = ask_as("what do I own", &as_(AskerPlatform::Slack, Some("U0X"), Some("x@elsewhere.example"), None)).await;
    assert!(matches!(unknown(&a), UnknownAskerReason::NoUserWithEmail { email, .. } if email == "x@elsewhere.example"));
    assert!(a.summary.contains("spec.profile.email: x@elsewhere.example"), "{}", a.summary);
    let a = ask_as("what do I own", &as_(AskerPlatform::Slack, Some("U0X"), None, None)).await;
    assert!(matches!(unknown(&a), UnknownAskerReason::NoEmail { .. }));
    for not_a_user in ["team-payments", "priya.ramen"] {
        let a = ask_as("what do I own", &as_(AskerPlatform::Cli, None, None, Some(not_a_user))).await;
        assert!(matches!(unknown(&a), UnknownAskerReason::NoSuchUser { .. }), "{not_a_user}");
    }
    assert_eq!(unknown(&ask(&ix, "what do I own").await), &UnknownAskerReason::NoIdentity);
    ix.close().await;
    t.cleanup().await;
}

/// A name matched only fuzzily is answered, and the answer says which name it is about.
async fn fuzzy_matches_say_so(db: Db) {
    let Some((t, ix)) = example(db).await else { return };
    let a = ask(&ix, "who owns paymnets-api").await;
    assert_eq!(ownership(&a).entity.name, "payments-api");
    assert_eq!(
        a.fuzzy,
        Some(FuzzyMatch { asked: "paymnets-api".into(), shown: "component:default/payments-api".into() })
    );
    assert!(a.summary.starts_with("Showing payments-api for \"paymnets-api\"."), "{}", a.summary);
    for exact in ["who owns payments-api", "who owns Payments-API", "how do I reach the payments team"] {
        assert_eq!(ask(&ix, exact).await.fuzzy, None, "{exact}");
    }
    ix.close().await;
    t.cleanup().await;
}

/// The structured API gives the same answers as the questions.
async fn structured_queries(db: Db) {
    let Some((t, ix)) = example(db).await else { return };
    let via_question = ix.ask("who owns payments-api").await.unwrap();
    let via_query = ix.answer(&Query::Owner { name: "payments-api".into() }).await.unwrap();
    assert_eq!(via_question.body, via_query.body);
    assert_eq!(via_question.summary, via_query.summary);
    let r = ix.resolve("paymnets-api", &[]).await.unwrap();
    assert!(matches!(r, backline_index::query::Resolution::Found(e) if e.name == "payments-api"));
    let r = ix.resolve("Component:Default/Payments-API", &[]).await.unwrap();
    assert!(matches!(r, backline_index::query::Resolution::Found(e) if e.name == "payments-api"));
    let r = ix.resolve("payments team", &["group"]).await.unwrap();
    assert!(matches!(r, backline_index::query::Resolution::Found(e) if e.name == "team-payments"));
    ix.close().await;
    t.cleanup().await;
}

both_backends!(
    owner_questions,
    contact_questions,
    dependency_questions,
    team_questions,
    search_questions,
    find_questions,
    health_and_describe,
    ambiguity_and_not_found,
    structured_queries,
    asker_questions,
    fuzzy_matches_say_so,
);

/// The bots share one `Index` between tasks and spawn its futures: they must be `Send`, and the
/// index `Send + Sync`.
#[allow(dead_code, reason = "compile-time check only")]
fn futures_are_send(ix: &'static Index) {
    fn send<T: Send>(_: T) {}
    fn sync<T: Send + Sync>(_: &T) {}
    sync(ix);
    send(ix.ask("who owns payments-api"));
    send(ix.answer(&Query::Health));
    send(ix.index(&backline_index::RunOptions::default()));
    send(ix.sync_search());
    send(ix.lock(false));
}
