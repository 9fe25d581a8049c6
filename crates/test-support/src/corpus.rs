//! One answer of every kind, plus empty, huge and hostile ones: the corpus every chat platform
//! renders in the snapshot tests, so that a change in what one platform shows is visible next to
//! the other's in review.

use backline_answer::*;
use serde_json::json;

use crate::answers::{entity, ownership, payments_reach, team_payments};

/// Catalog text a hostile or careless author could write.
pub const HOSTILE: &str =
    "<!channel> @everyone <@U123> **bold** `code` [x](https://evil.example) # heading\n> quote & more";

fn answer(question: &str, summary: &str, body: AnswerBody) -> Answer {
    Answer { question: question.into(), query: None, summary: summary.into(), body, stale_sources: vec![], fuzzy: None }
}

fn with_owner(mut e: EntitySummary, owner: &str) -> EntitySummary {
    e.owner = Some(format!("group:default/{owner}"));
    e
}

fn finding(code: &str, severity: FindingSeverity, message: &str, file: &str, line: u32) -> FindingSummary {
    FindingSummary {
        code: code.into(),
        severity,
        message: message.into(),
        location: SourceLocation { source: "northwind".into(), file: file.into(), line, column: 3, stale: false },
    }
}

fn missing(entity_ref: &str) -> EntitySummary {
    let (kind, rest) = entity_ref.split_once(':').unwrap_or(("", entity_ref));
    let name = rest.rsplit('/').next().unwrap_or(rest);
    EntitySummary { entity_ref: entity_ref.into(), exists: false, valid: false, defined_at: None, ..entity(kind, name) }
}

fn node(e: EntitySummary, depth: u32) -> DependencyNode {
    DependencyNode { path: vec!["resource:default/orders-db".into(), e.entity_ref.clone()], entity: e, depth }
}

fn on_call_person(name: &str, email: &str, until: Option<&str>) -> OnCallPerson {
    OnCallPerson {
        name: name.into(),
        email: Some(email.into()),
        url: Some(format!("https://northwind.pagerduty.com/users/{}", name.len())),
        from: None,
        until: until.map(Into::into),
        permanent: until.is_none(),
        user: None,
        contacts: vec![],
    }
}

fn live(provider: OnCallProvider, annotation: &str, value: &str, from: &str) -> LiveOnCall {
    LiveOnCall {
        provider,
        account: Some("prod".into()),
        annotation: annotation.into(),
        value: Some(value.into()),
        from: from.into(),
        state: LiveState::Current,
        reason: None,
        rosters: vec![],
        fetched_at: Some("2026-12-07T02:57:00Z".into()),
        age_secs: Some(180),
    }
}

/// "who owns payments-api" with who is on call now: level 1 matched to a catalog User (with her
/// Slack member id), a permanent second person, later levels collapsed.
fn ownership_live_oncall() -> Answer {
    let mut a = ownership("payments-api");
    if let AnswerBody::Ownership(o) = &mut a.body {
        o.members[0].contacts.push(Contact {
            channel: ContactChannel::SlackNotify,
            value: "U0ADA1234".into(),
            url: None,
            label: None,
            from: "user:default/ada.lovelace".into(),
        });
        let mut ada = on_call_person("Ada Lovelace", "Ada.Lovelace@northwind.example", Some("2026-12-07T09:00:00Z"));
        ada.user = Some("user:default/ada.lovelace".into());
        ada.contacts = o.members[0].contacts.clone();
        let mut l =
            live(OnCallProvider::PagerDuty, "pagerduty.com/service-id", "P4YM3NT", "component:default/payments-api");
        l.rosters = vec![LiveRoster {
            name: Some("Payments <!channel>".into()),
            url: Some("https://northwind.pagerduty.com/escalation_policies/PEP0001".into()),
            level1: vec![ada, on_call_person("Grace Hopper", "grace@northwind.example", None)],
            later: vec![
                LaterLevel { level: 2, names: vec!["Bob Li".into(), "Carol Diaz".into()] },
                LaterLevel { level: 3, names: vec!["Payments Managers".into()] },
            ],
            gap: None,
        }];
        o.reach.live_on_call = vec![l];
    }
    a
}

/// "how do I reach team-payments" when level 1 is empty (a gap, who is next), one provider
/// served stale and another unavailable.
fn contact_oncall_gap() -> Answer {
    let team = "group:default/team-payments";
    let mut gap = live(OnCallProvider::PagerDuty, "pagerduty.com/service-id", "P4YM3NT", team);
    gap.state = LiveState::Stale;
    gap.reason = Some("PagerDuty account `prod` answered HTTP 503".into());
    gap.age_secs = Some(2460);
    gap.rosters = vec![LiveRoster {
        name: Some("Payments".into()),
        url: None,
        level1: vec![],
        later: vec![LaterLevel { level: 2, names: vec!["Bob Li".into()] }],
        gap: Some(OnCallGap {
            escalates_to: Some(2),
            next: vec![OnCallPerson {
                from: Some("2026-12-07T09:00:00Z".into()),
                ..on_call_person("Ada Lovelace", "ada.lovelace@northwind.example", Some("2026-12-07T17:00:00Z"))
            }],
        }),
    }];
    let unavailable = LiveOnCall {
        state: LiveState::Unavailable,
        reason: Some("Opsgenie account `prod` did not answer within 5000 ms".into()),
        fetched_at: None,
        age_secs: None,
        ..live(OnCallProvider::Opsgenie, "opsgenie.com/team", "Payments", team)
    };
    let mut reach = payments_reach("payments-api");
    reach.live_on_call = vec![gap, unavailable];
    answer(
        "how do I reach team-payments",
        "Reach team-payments at #payments-oncall.",
        AnswerBody::Contact(ContactAnswer {
            subject: team_payments(),
            team: Some(team_payments()),
            members: vec![],
            reach,
        }),
    )
}

fn ada() -> Person {
    Person {
        entity: EntitySummary { title: Some("Ada Lovelace".into()), ..entity("User", "ada.lovelace") },
        display_name: Some("Ada Lovelace".into()),
        email: Some("ada.lovelace@northwind.example".into()),
        contacts: vec![],
    }
}

/// "what do I own" for Ada, in team-payments and team-checkout.
fn mine_own() -> Answer {
    let owns = [("Component", "payments-api", "team-payments"), ("Component", "checkout-api", "team-checkout")]
        .into_iter()
        .map(|(kind, name, team)| OwnedEntity {
            entity: with_owner(entity(kind, name), team),
            via: Some(format!("group:default/{team}")),
        })
        .chain(std::iter::once(OwnedEntity { entity: entity("Resource", "ada-sandbox"), via: None }))
        .collect();
    answer(
        "what do I own",
        "You (Ada Lovelace) and your teams (team-checkout, team-payments) own 3 entities.",
        AnswerBody::Mine(MineAnswer {
            about: AboutMe::Own,
            me: ada(),
            matched_by: AskerMatch::Email,
            teams: vec![entity("Group", "team-checkout"), team_payments()],
            owns,
            reach: Reach::default(),
            next_on_call: Vec::new(),
        }),
    )
}

/// "am I on call": Ada is at level 1 of the payments policy.
fn mine_on_call() -> Answer {
    let mut me = on_call_person("Ada Lovelace", "Ada.Lovelace@northwind.example", Some("2026-12-07T09:00:00Z"));
    me.user = Some("user:default/ada.lovelace".into());
    let mut l = live(OnCallProvider::PagerDuty, "pagerduty.com/service-id", "P4YM3NT", "group:default/team-payments");
    l.rosters = vec![LiveRoster {
        name: Some("Payments".into()),
        url: Some("https://northwind.pagerduty.com/escalation_policies/PEP0001".into()),
        level1: vec![me],
        later: vec![LaterLevel { level: 2, names: vec!["Bob Li".into()] }],
        gap: None,
    }];
    let body = MineAnswer {
        about: AboutMe::OnCallNow,
        me: ada(),
        matched_by: AskerMatch::Annotation,
        teams: vec![team_payments()],
        owns: vec![],
        reach: Reach { live_on_call: vec![l], ..Reach::default() },
        next_on_call: Vec::new(),
    };
    answer("am I on call", &backline_answer::present::mine::summary_text(&body), AnswerBody::Mine(body))
}

/// "when am I on call next": Ada's PagerDuty shift under way and her next one (in her zone, as
/// Slack gives it), Opsgenie with nothing in the window, and an account that cannot say.
fn mine_on_call_next() -> Answer {
    let shift = |roster: &str, level: Option<u32>, from: &str, until: &str, now: bool| MyShift {
        roster: Some(roster.into()),
        url: Some("https://northwind.pagerduty.com/escalation_policies/PEP0001".into()),
        level,
        from: Some(from.into()),
        until: Some(until.into()),
        now,
        permanent: false,
    };
    let next = |provider, account: &str, state| NextOnCall {
        provider,
        account: Some(account.into()),
        state,
        reason: None,
        shifts: vec![],
        searched_until: Some("2027-01-06T04:00:00+01:00".into()),
        fetched_at: Some("2026-12-07T02:58:00Z".into()),
        age_secs: Some(120),
    };
    let pagerduty = NextOnCall {
        shifts: vec![
            shift("Payments", Some(1), "2026-12-06T18:00:00+01:00", "2026-12-07T10:00:00+01:00", true),
            shift("Checkout", Some(2), "2026-12-10T09:00:00+01:00", "2026-12-10T17:00:00+01:00", false),
        ],
        ..next(OnCallProvider::PagerDuty, "prod", LiveState::Current)
    };
    let opsgenie = NextOnCall { age_secs: Some(1500), ..next(OnCallProvider::Opsgenie, "ops", LiveState::Stale) };
    let unavailable = NextOnCall {
        reason: Some("PagerDuty account `eu` has no user with the asker's e-mail address".into()),
        searched_until: None,
        fetched_at: None,
        age_secs: None,
        ..next(OnCallProvider::PagerDuty, "eu", LiveState::Unavailable)
    };
    let body = MineAnswer {
        about: AboutMe::OnCallNext,
        me: ada(),
        matched_by: AskerMatch::Email,
        teams: vec![team_payments()],
        owns: vec![],
        reach: Reach::default(),
        next_on_call: vec![pagerduty, opsgenie, unavailable],
    };
    answer("when am I on call next", &backline_answer::present::mine::summary_text(&body), AnswerBody::Mine(body))
}

/// "what breaks if orders-db goes down" in chat: two levels, more beyond, on-call per team.
fn impact_with_team_on_call() -> Answer {
    let mut l = live(OnCallProvider::Opsgenie, "opsgenie.com/team", "Orders", "group:default/team-orders");
    l.rosters = vec![LiveRoster {
        name: Some("Orders".into()),
        url: None,
        level1: vec![on_call_person("Bob Li", "bob@northwind.example", Some("2026-12-07T18:00:00Z"))],
        later: vec![],
        gap: None,
    }];
    answer(
        "what breaks if orders-db goes down",
        "If orders-db goes down, 2 entities are affected (up to 2 levels).",
        AnswerBody::Dependencies(DependencyAnswer {
            root: entity("Resource", "orders-db"),
            direction: Direction::Dependents,
            max_depth: 2,
            nodes: vec![
                node(with_owner(entity("Component", "orders-service"), "team-orders"), 1),
                node(with_owner(entity("Component", "checkout-web"), "team-checkout"), 2),
            ],
            truncated: true,
            team_on_call: vec![l],
        }),
    )
}

/// The corpus: `(name, answer)`, names unique and usable as snapshot names.
fn scorecard_team() -> Answer {
    use backline_answer::scorecard::*;
    let rule = |name: &str| RuleInfo { name: name.into(), description: None };
    let failed = |rule: &str, reason: &str, level: &str| FailedRule {
        rule: rule.into(),
        reason: reason.into(),
        level: level.into(),
    };
    answer(
        "how is team-payments doing",
        "team-payments: 1 of 2 entities at silver; 1 at bronze",
        AnswerBody::Scorecard(ScorecardAnswer {
            scorecard: ScorecardInfo {
                name: "production-readiness".into(),
                description: Some("What a service needs before it takes traffic".into()),
                kinds: vec!["Component".into()],
                levels: vec![
                    LevelInfo { name: "bronze".into(), rules: vec![rule("owner-has-members"), rule("description")] },
                    LevelInfo { name: "silver".into(), rules: vec![rule("on-call"), rule("runbook-or-dashboard")] },
                    LevelInfo { name: "gold".into(), rules: vec![rule("techdocs")] },
                ],
                required: Some("silver".into()),
            },
            team: Some(team_payments()),
            teams: vec![TeamScore {
                team: Some(team_payments()),
                level: Some("bronze".into()),
                entity_count: 2,
                reached: vec![
                    LevelCount { level: "bronze".into(), count: 2 },
                    LevelCount { level: "silver".into(), count: 1 },
                ],
            }],
            entities: vec![
                EntityScore {
                    entity: with_owner(entity("component", "payments-worker"), "team-payments"),
                    level: Some("bronze".into()),
                    next_level: Some("silver".into()),
                    failed: vec![
                        failed("on-call", "no pagerduty.com/service-id or opsgenie.com/team annotation", "silver"),
                        failed("techdocs", HOSTILE, "gold"),
                    ],
                    passed: vec!["owner-has-members".into(), "description".into(), "runbook-or-dashboard".into()],
                },
                EntityScore {
                    entity: with_owner(entity("component", "payments-api"), "team-payments"),
                    level: Some("silver".into()),
                    next_level: Some("gold".into()),
                    failed: vec![failed("techdocs", "no backstage.io/techdocs-ref annotation", "gold")],
                    passed: vec![
                        "owner-has-members".into(),
                        "description".into(),
                        "on-call".into(),
                        "runbook-or-dashboard".into(),
                    ],
                },
            ],
            total: 2,
            other_scorecards: vec!["security-baseline".into()],
        }),
    )
}

pub fn corpus() -> Vec<(&'static str, Answer)> {
    let mut out = vec![
        ("scorecard_team", scorecard_team()),
        ("ownership", ownership("payments-api")),
        ("ownership_live_oncall", ownership_live_oncall()),
        ("contact_oncall_gap_stale_unavailable", contact_oncall_gap()),
        ("mine_own", mine_own()),
        ("mine_on_call", mine_on_call()),
        ("mine_on_call_next", mine_on_call_next()),
        (
            "unknown_asker",
            answer(
                "what do I own",
                "I cannot tell who you are.",
                AnswerBody::UnknownAsker(UnknownAsker {
                    about: AboutMe::Own,
                    platform: AskerPlatform::Slack,
                    reason: UnknownAskerReason::NoUserWithEmail {
                        email: "ada@northwind.example".into(),
                        user_id: Some("U0ADA1234".into()),
                    },
                }),
            ),
        ),
        ("impact_team_on_call", impact_with_team_on_call()),
    ];
    // Entities carrying their own Backstage pages (another frontend than the platform's catalog
    // URL, as a Backstage source's entities do): every mention links there.
    let mut linked = ownership("payments-api");
    linked.body.link_entities(&|_| Some("https://portal.northwind.example".to_owned()));
    out.push(("ownership_entity_pages", linked));
    let mut fuzzy = ownership("payments-api");
    fuzzy.fuzzy = Some(FuzzyMatch { asked: "paymnets-api".into(), shown: "component:default/payments-api".into() });
    out.push(("ownership_fuzzy", fuzzy));

    let mut orphan = entity("Component", "legacy-invoicing");
    orphan.valid = false;
    orphan.lifecycle = Some("deprecated".into());
    orphan.owner = Some("group:default/team-ghost".into());
    out.push((
        "ownership_missing_owner_invalid",
        answer(
            "who owns legacy-invoicing",
            "legacy-invoicing is owned by group:default/team-ghost, which is not defined in the catalog.",
            AnswerBody::Ownership(OwnershipAnswer {
                entity: orphan.clone(),
                owner: Some(missing("group:default/team-ghost")),
                parents: vec![],
                members: vec![],
                reach: Reach::default(),
                findings: vec![
                    finding(
                        "BS0401",
                        FindingSeverity::Error,
                        "spec.owner must be a string",
                        "legacy/catalog-info.yaml",
                        12,
                    ),
                    finding("BL0101", FindingSeverity::Warning, "no description", "legacy/catalog-info.yaml", 3),
                ],
            }),
        ),
    ));
    out.push((
        "ownership_no_owner",
        answer(
            "who owns ada",
            "ada has no owner.",
            AnswerBody::Ownership(OwnershipAnswer {
                entity: entity("User", "ada"),
                owner: None,
                parents: vec![],
                members: vec![],
                reach: Reach::default(),
                findings: vec![],
            }),
        ),
    ));

    // Contacts written several ways: one place each, shown once.
    let mut reach = payments_reach("checkout-api");
    reach.contacts.push(Contact {
        channel: ContactChannel::ChatLink,
        value: "https://northwind.slack.com/archives/C0123ABCD".into(),
        url: Some("https://northwind.slack.com/archives/C0123ABCD".into()),
        label: Some("#payments-oncall".into()),
        from: "group:default/team-payments".into(),
    });
    reach.contacts.push(Contact {
        channel: ContactChannel::SlackNotify,
        value: "C0123ABCD".into(),
        url: None,
        label: None,
        from: "group:default/team-payments".into(),
    });
    reach.contacts.push(Contact {
        channel: ContactChannel::DiscordChannel,
        value: "1234567890123456789".into(),
        url: None,
        label: None,
        from: "group:default/team-payments".into(),
    });
    reach.contacts.push(Contact {
        channel: ContactChannel::SlackNotify,
        value: "U024BE7LH".into(),
        url: None,
        label: None,
        from: "group:default/team-payments".into(),
    });
    reach.on_call.push(OnCall {
        provider: "opsgenie".into(),
        annotation: "opsgenie.com/team".into(),
        value: "payments".into(),
        url: None,
        from: "group:default/team-payments".into(),
    });
    reach.on_call.push(OnCall {
        provider: "pagerduty".into(),
        annotation: "pagerduty.com/integration-key".into(),
        value: "secret-key".into(),
        url: None,
        from: "group:default/team-payments".into(),
    });
    reach.links = [
        ("https://github.example/payments", "Source", "source"),
        ("https://docs.northwind.example/payments", "Guide", "documentation"),
        ("https://grafana.northwind.example/d/payments", "Payments", "dashboard"),
        ("https://runbooks.northwind.example/payments", "Runbook", "runbook"),
        ("https://northwind.slack.com/archives/C0123ABCD", "Chat", "chat"),
        ("javascript:alert(1)", "Evil", "other"),
    ]
    .iter()
    .map(|(url, title, t)| LinkInfo {
        url: (*url).into(),
        title: Some((*title).into()),
        link_type: Some((*t).into()),
        icon: None,
        from: "group:default/team-payments".into(),
    })
    .collect();
    out.push((
        "contact_merged",
        answer(
            "how do I reach checkout-api",
            "Reach Payments Team at #payments-oncall.",
            AnswerBody::Contact(ContactAnswer {
                subject: with_owner(entity("Component", "checkout-api"), "team-payments"),
                team: Some(team_payments()),
                members: vec![],
                reach,
            }),
        ),
    ));
    out.push((
        "contact_empty",
        answer(
            "how do I reach team-quiet",
            "No contact details are recorded for team-quiet.",
            AnswerBody::Contact(ContactAnswer {
                subject: entity("Group", "team-quiet"),
                team: Some(entity("Group", "team-quiet")),
                members: vec![],
                reach: Reach::default(),
            }),
        ),
    ));

    let mut api = with_owner(entity("Component", "payments-api"), "team-payments");
    api.description = Some("Takes payments.".into());
    api.spec_type = Some("service".into());
    api.lifecycle = Some("production".into());
    let rel = |relation: RelationType, target: EntitySummary| RelationInfo { relation, target };
    out.push((
        "entity",
        answer(
            "what is payments-api",
            "payments-api is a production service component, owned by team-payments.",
            AnswerBody::Entity(EntityAnswer {
                entity: api.clone(),
                tags: vec!["payments".into(), "pci".into()],
                labels: vec![],
                annotations: vec![],
                links: payments_reach("payments-api").links,
                relations: vec![
                    rel(RelationType::ConsumesApi, entity("API", "fraud-scoring")),
                    rel(RelationType::DependsOn, entity("Resource", "orders-db")),
                    rel(RelationType::OwnedBy, team_payments()),
                    rel(RelationType::PartOf, entity("System", "payments")),
                    rel(RelationType::ProvidesApi, entity("API", "payments")),
                    rel(RelationType::Other("backstage.io/plugin-relation".into()), entity("Component", "x")),
                ],
                findings: vec![finding("BS0201", FindingSeverity::Error, "metadata.name is too long", "a.yaml", 2)],
                document: json!({}),
            }),
        ),
    ));

    let deps = |direction, nodes: Vec<DependencyNode>, truncated| {
        AnswerBody::Dependencies(DependencyAnswer {
            root: entity("Resource", "orders-db"),
            direction,
            max_depth: 2,
            nodes,
            truncated,
            team_on_call: vec![],
        })
    };
    out.push((
        "dependents",
        answer(
            "what breaks if orders-db goes down",
            "If orders-db goes down, 3 entities are affected (up to 2 levels).",
            deps(
                Direction::Dependents,
                vec![
                    node(with_owner(entity("Component", "orders-service"), "team-orders"), 1),
                    node(with_owner(entity("Component", "checkout-api"), "team-checkout"), 2),
                    node(missing("component:default/ghost"), 2),
                ],
                true,
            ),
        ),
    ));
    out.push((
        "dependencies_none",
        answer(
            "what does orders-db depend on",
            "orders-db depends on nothing in the catalog.",
            deps(Direction::Dependencies, vec![], false),
        ),
    ));
    let many: Vec<DependencyNode> = (0..500)
        .map(|i| {
            node(with_owner(entity("Component", &format!("service-{i:03}")), &format!("team-{}", i % 7)), 1 + i % 3)
        })
        .collect();
    out.push((
        "dependents_huge",
        answer(
            "what breaks if orders-db goes down",
            "If orders-db goes down, 500 entities are affected.",
            deps(Direction::Dependents, many, true),
        ),
    ));

    out.push((
        "team",
        answer(
            "what does team-payments own",
            "team-payments owns 3 entities and has 1 member.",
            AnswerBody::Team(TeamAnswer {
                team: team_payments(),
                email: Some("payments@northwind.example".into()),
                parents: vec![entity("Group", "commerce")],
                children: vec![entity("Group", "team-fraud")],
                members: vec![Person {
                    entity: entity("User", "ada"),
                    display_name: None,
                    email: None,
                    contacts: vec![],
                }],
                owns: vec![
                    OwnedEntity { entity: entity("API", "payments"), via: None },
                    OwnedEntity { entity: entity("Component", "payments-api"), via: None },
                    OwnedEntity {
                        entity: entity("Component", "fraud-detector"),
                        via: Some("group:default/team-fraud".into()),
                    },
                ],
                reach: payments_reach("payments-api"),
            }),
        ),
    ));
    out.push((
        "team_owns_nothing",
        answer(
            "what does team-quiet own",
            "team-quiet owns 0 entities and has 0 members.",
            AnswerBody::Team(TeamAnswer {
                team: entity("Group", "team-quiet"),
                email: None,
                parents: vec![],
                children: vec![],
                members: vec![],
                owns: vec![],
                reach: Reach::default(),
            }),
        ),
    ));

    let mut hit = api.clone();
    hit.title = Some("Payments API".into());
    out.push((
        "search",
        answer(
            "search pay",
            "12 results for \"pay\"; best: payments-api.",
            AnswerBody::Search(SearchAnswer {
                text: "pay".into(),
                hits: vec![
                    SearchHit { entity: hit, score: 3.0, matched: MatchKind::Exact },
                    SearchHit { entity: entity("API", "payments"), score: 1.0, matched: MatchKind::Text },
                ],
                total: 12,
            }),
        ),
    ));
    out.push((
        "search_empty",
        answer(
            "search zzz",
            "Nothing matches \"zzz\".",
            AnswerBody::Search(SearchAnswer { text: "zzz".into(), hits: vec![], total: 0 }),
        ),
    ));
    let filters = vec![
        Filter { field: FilterField::Tag, key: None, value: Some("python2".into()) },
        Filter { field: FilterField::Label, key: Some("tier".into()), value: Some("1".into()) },
        Filter { field: FilterField::Annotation, key: Some("pagerduty.com/service-id".into()), value: None },
    ];
    out.push((
        "find",
        answer(
            "find tag:python2 label:tier=1 annotation:pagerduty.com/service-id",
            "3 entities match, with 3 owners.",
            AnswerBody::Find(FindAnswer {
                filters: filters.clone(),
                groups: vec![
                    OwnerGroup { owner: Some(team_payments()), entities: vec![entity("Component", "payments-api")] },
                    OwnerGroup {
                        owner: Some(missing("group:default/team-ghost")),
                        entities: vec![entity("Component", "legacy-invoicing")],
                    },
                    OwnerGroup { owner: None, entities: vec![entity("Component", "orphan")] },
                ],
                total: 3,
            }),
        ),
    ));
    out.push((
        "find_empty",
        answer(
            "find tag:cobol",
            "Nothing matches tag:cobol.",
            AnswerBody::Find(FindAnswer { filters: vec![filters[0].clone()], groups: vec![], total: 0 }),
        ),
    ));
    out.push((
        "health",
        answer(
            "health",
            "6 problems in 120 entities.",
            AnswerBody::Health(HealthAnswer {
                entity_count: 120,
                file_count: 40,
                source_count: 1,
                missing_owners: vec![MissingOwner {
                    entity: entity("Component", "legacy-invoicing"),
                    owner_ref: "group:default/team-ghost".into(),
                }],
                groups_without_members: vec![entity("Group", "team-quiet")],
                users_without_group: vec![entity("User", "bob")],
                deprecated_in_use: vec![DeprecatedInUse {
                    entity: entity("Component", "legacy-invoicing"),
                    dependents: vec![entity("Component", "checkout-api")],
                }],
                entities_with_findings: vec![EntityFindings {
                    entity: entity("Component", "legacy-invoicing"),
                    findings: vec![finding(
                        "BS0401",
                        FindingSeverity::Error,
                        "bad owner",
                        "legacy/catalog-info.yaml",
                        12,
                    )],
                }],
                file_findings: vec![finding("BS0001", FindingSeverity::Error, "not YAML", "broken.yaml", 1)],
            }),
        ),
    ));
    out.push(("ambiguous", crate::answers::ambiguous("payments")));
    out.push((
        "not_found",
        answer(
            "who owns paymnts",
            "Nothing in the catalog is called \"paymnts\".",
            AnswerBody::NotFound(NotFound {
                name: "paymnts".into(),
                closest: vec![Candidate {
                    entity: entity("Component", "payments-api"),
                    follow_up: "who owns component:default/payments-api".into(),
                }],
            }),
        ),
    ));
    out.push((
        "not_found_nothing_close",
        answer(
            "who owns zzz",
            "Nothing in the catalog is called \"zzz\".",
            AnswerBody::NotFound(NotFound { name: "zzz".into(), closest: vec![] }),
        ),
    ));
    out.push((
        "help_not_understood",
        answer(
            "blorp",
            "I did not understand \"blorp\".",
            AnswerBody::Help(question::help(Some("I did not understand \"blorp\".".into()))),
        ),
    ));

    let mut stale = ownership("payments-api");
    stale.stale_sources = vec![StaleSource {
        name: "northwind".into(),
        error: "directory examples/catalog does not exist".into(),
        last_success: Some("2026-12-01T10:00:00Z".into()),
    }];
    out.push(("stale", stale));

    // Hostile catalog text everywhere a catalog author can write.
    let mut evil = entity("Component", "evil");
    evil.title = Some(HOSTILE.into());
    evil.description = Some(HOSTILE.into());
    evil.owner = Some("group:default/team-payments".into());
    let mut evil_reach = payments_reach("evil");
    evil_reach.contacts.push(Contact {
        channel: ContactChannel::ChatLink,
        value: HOSTILE.into(),
        url: Some("https://x.example/|<!channel>".into()),
        label: Some(HOSTILE.into()),
        from: "component:default/evil".into(),
    });
    evil_reach.links.push(LinkInfo {
        url: "https://docs.example/a_(b)?x=1&y=<2>".into(),
        title: Some(HOSTILE.into()),
        link_type: None,
        icon: None,
        from: "component:default/evil".into(),
    });
    out.push((
        "hostile",
        Answer {
            question: HOSTILE.into(),
            query: None,
            summary: HOSTILE.into(),
            body: AnswerBody::Ownership(OwnershipAnswer {
                entity: evil,
                owner: Some(EntitySummary { title: Some(HOSTILE.into()), ..team_payments() }),
                parents: vec![EntitySummary { title: Some(HOSTILE.into()), ..entity("Group", "commerce") }],
                members: vec![Person {
                    entity: entity("User", "mallory"),
                    display_name: Some(HOSTILE.into()),
                    email: Some("<!here>@evil.example".into()),
                    contacts: vec![],
                }],
                reach: evil_reach,
                findings: vec![finding("BS0401", FindingSeverity::Error, HOSTILE, HOSTILE, 1)],
            }),
            stale_sources: vec![],
            fuzzy: None,
        },
    ));
    let info = MigrationInfo {
        name: "python3".into(),
        description: Some(format!("Python 2 is end of life. {HOSTILE}")),
        scope: vec![Filter { field: FilterField::Kind, key: None, value: Some("component".into()) }],
        todo: vec![Filter { field: FilterField::Tag, key: None, value: Some("python2".into()) }],
        done: vec![Filter { field: FilterField::Tag, key: None, value: Some("python3".into()) }],
        due: Some("2027-03-31".into()),
        days_left: Some(114),
        link: Some("https://wiki.example.com/python3".into()),
        since: Some("2026-11-02".into()),
    };
    let progress = |done: u32, remaining: u32| MigrationProgress { in_scope: done + remaining, done, remaining };
    let services = |names: &[&str]| -> Vec<EntitySummary> {
        names.iter().map(|n| with_owner(entity("Component", n), "team-payments")).collect()
    };
    out.push((
        "migration",
        answer(
            "how is the python3 migration going",
            "Migration python3: 44% done, 5 remaining across 3 teams.",
            AnswerBody::Migration(MigrationAnswer {
                migration: info.clone(),
                team: None,
                progress: progress(4, 5),
                baseline: Some(MigrationBaseline { day: "2026-11-30".into(), progress: progress(2, 7) }),
                teams: vec![
                    TeamProgress {
                        owner: Some(team_payments()),
                        progress: progress(3, 3),
                        remaining_before: Some(4),
                        contacts: payments_reach("team-payments").contacts,
                        remaining: services(&["fraud-detector", "legacy-invoicing", "ledger"]),
                    },
                    TeamProgress {
                        owner: Some(missing("group:default/team-gone")),
                        progress: progress(0, 1),
                        remaining_before: None,
                        contacts: vec![],
                        remaining: vec![entity("Component", HOSTILE)],
                    },
                    TeamProgress {
                        owner: None,
                        progress: progress(1, 1),
                        remaining_before: Some(1),
                        contacts: vec![],
                        remaining: vec![entity("Component", "orphan-job")],
                    },
                ],
            }),
        ),
    ));
    out.push((
        "migrations",
        answer(
            "migrations",
            "2 migrations: python3 44%, log4j 100%.",
            AnswerBody::Migrations(MigrationList {
                migrations: vec![
                    MigrationLine {
                        migration: info.clone(),
                        progress: progress(4, 5),
                        baseline: Some(MigrationBaseline { day: "2026-11-30".into(), progress: progress(2, 7) }),
                        teams_behind: 3,
                    },
                    MigrationLine {
                        migration: MigrationInfo { name: "log4j".into(), due: None, days_left: None, ..info },
                        progress: progress(12, 0),
                        baseline: None,
                        teams_behind: 0,
                    },
                ],
            }),
        ),
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_corpus_has_every_kind_of_answer_once_named() {
        let corpus = corpus();
        let mut names = std::collections::HashSet::new();
        let mut kinds = std::collections::HashSet::new();
        for (name, a) in &corpus {
            assert!(names.insert(*name), "{name} twice");
            kinds.insert(std::mem::discriminant(&a.body));
        }
        assert_eq!(kinds.len(), 16, "every AnswerBody variant");
    }
}
