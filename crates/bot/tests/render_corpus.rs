//! Every answer of the shared corpus (`backline_test_support::corpus`: every kind of answer,
//! empty, huge and hostile ones) rendered for Slack and for Discord, as snapshots side by side:
//! a change in what one platform shows, or a drift between them, shows in review. Each rendering
//! is also checked against the platform's limits.

#![allow(clippy::duplicate_mod, reason = "both platforms' test support include the shared helpers")]

mod common;
mod discord_support;

use backline_bot::discord::render as discord;
use backline_bot::slack::render as slack;
use backline_test_support::corpus::corpus;
use serde_json::json;

const CATALOG: &str = "https://backstage.example.com";

#[test]
fn the_corpus_renders_the_same_content_on_slack_and_discord() {
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.set_snapshot_path("snapshots");
    settings.bind(|| {
        for (name, answer) in corpus() {
            let s = slack::render(
                &answer,
                &slack::Options { share_value: Some("{}".into()), catalog_url: Some(CATALOG.into()) },
            );
            let s = json!({ "text": s.text, "blocks": s.blocks });
            common::assert_within_limits(&s);
            insta::assert_json_snapshot!(format!("{name}.slack"), s);

            let d = discord::render(&answer, &discord::Options { catalog_url: Some(CATALOG.into()) });
            let d = serde_json::to_value(d.message(true)).unwrap();
            discord_support::assert_within_limits(&d);
            insta::assert_json_snapshot!(format!("{name}.discord"), d);
        }
    });
}
