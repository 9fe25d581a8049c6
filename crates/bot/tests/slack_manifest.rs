//! The Slack app manifests in `slack/` ask for exactly what the bot uses and point at the
//! endpoints it serves.

use backline_bot::slack::command::SUBCOMMANDS;
use backline_bot::slack::http::{COMMANDS_PATH, EVENTS_PATH, INTERACTIONS_PATH};
use serde_json::{Value, json};

fn manifest(name: &str) -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/slack").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let docs = backline_catalog::yaml::parse_stream(&text);
    assert_eq!(docs.len(), 1);
    assert!(docs[0].errors.is_empty(), "{name}: {:?}", docs[0].errors);
    docs[0].root.as_ref().expect("a document").to_json()
}

fn check_common(m: &Value, name: &str) {
    let mut scopes: Vec<&str> =
        m["oauth_config"]["scopes"]["bot"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    scopes.sort();
    assert_eq!(
        scopes,
        [
            "app_mentions:read",
            "chat:write",
            "chat:write.public",
            "commands",
            "files:write",
            "im:history",
            "users:read",
            "users:read.email"
        ],
        "{name}: exactly the scopes used"
    );
    assert!(m["oauth_config"]["scopes"].get("user").is_none(), "{name}: no user scopes");
    assert_eq!(m["settings"]["event_subscriptions"]["bot_events"], json!(["app_mention", "message.im"]), "{name}");
    assert_eq!(m["features"]["app_home"]["messages_tab_enabled"], true, "{name}: DMs need the Messages tab");
    assert_eq!(m["features"]["app_home"]["messages_tab_read_only_enabled"], false, "{name}");
    assert_eq!(m["settings"]["interactivity"]["is_enabled"], true, "{name}: buttons");
    let commands = m["features"]["slash_commands"].as_array().unwrap();
    assert_eq!(commands.len(), 1);
    let cmd = &commands[0];
    assert_eq!(cmd["command"], "/backline");
    assert_eq!(cmd["should_escape"], false);
    assert!(cmd["description"].as_str().unwrap().len() <= 100);
    let hint = cmd["usage_hint"].as_str().unwrap();
    for word in hint.split('|').map(|part| part.split_whitespace().next().unwrap()) {
        assert!(
            SUBCOMMANDS.iter().any(|s| s.name == word),
            "{name}: usage hint names `{word}`, which is no subcommand"
        );
    }
}

#[test]
fn http_manifest() {
    let m = manifest("manifest.yaml");
    check_common(&m, "manifest.yaml");
    assert_eq!(m["settings"]["socket_mode_enabled"], false);
    let url = |v: &Value| v.as_str().unwrap().to_owned();
    assert!(url(&m["features"]["slash_commands"][0]["url"]).ends_with(COMMANDS_PATH));
    assert!(url(&m["settings"]["event_subscriptions"]["request_url"]).ends_with(EVENTS_PATH));
    assert!(url(&m["settings"]["interactivity"]["request_url"]).ends_with(INTERACTIONS_PATH));
    for u in [&m["features"]["slash_commands"][0]["url"], &m["settings"]["event_subscriptions"]["request_url"]] {
        assert!(url(u).starts_with("https://"), "Slack requires HTTPS request URLs");
    }
}

#[test]
fn socket_mode_manifest() {
    let m = manifest("manifest.socket.yaml");
    check_common(&m, "manifest.socket.yaml");
    assert_eq!(m["settings"]["socket_mode_enabled"], true);
    assert!(
        !m.to_string().contains("request_url") && m["features"]["slash_commands"][0].get("url").is_none(),
        "no URLs in Socket Mode"
    );
}
