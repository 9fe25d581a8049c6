//! Stage 2: Backstage's `PlaceholderProcessor`, which replaces `$text`, `$json`, `$yaml`,
//! `$openapi` and `$asyncapi` mappings by the content of the file they point at.

use crate::text::TextRange;
use crate::yaml::{Node, Value};

/// The placeholder resolvers Backstage registers by default (with the OpenAPI module).
const PLACEHOLDERS: &[&str] = &["$text", "$json", "$yaml", "$openapi", "$asyncapi"];

pub(super) fn has_placeholder(node: &Node) -> bool {
    match &node.value {
        Value::Map(entries) => {
            entries.iter().any(|(k, _)| k.as_str().is_some_and(|k| k.starts_with('$')))
                || entries.iter().any(|(_, v)| has_placeholder(v))
        }
        Value::Seq(items) => items.iter().any(has_placeholder),
        _ => false,
    }
}

/// Replaces placeholders by typed holes, as Backstage's placeholder processor walks the entity
/// (after the envelope, before the policies): a static check cannot read the files they point at, so `$text`,
/// `$openapi` and `$asyncapi` become strings, `$json` and `$yaml` empty mappings. A mapping with a
/// `$` key among other keys is left alone and not descended into; so is a single unknown `$` key.
/// A known placeholder whose value is not a string is an error (returned with its range).
fn substitute_placeholders(node: &Node, errors: &mut Vec<(TextRange, String)>) -> Node {
    match &node.value {
        Value::Map(entries) => {
            let dollar = |k: &Node| k.as_str().is_some_and(|k| k.starts_with('$'));
            if let [(k, v)] = entries.as_slice()
                && let Some(key) = k.as_str().filter(|k| PLACEHOLDERS.contains(k))
            {
                if v.as_str().is_none() {
                    errors.push((v.range, key.to_owned()));
                    return node.clone();
                }
                let value = if matches!(key, "$json" | "$yaml") {
                    Value::Map(Vec::new())
                } else {
                    Value::String("placeholder".into())
                };
                return Node { value, range: node.range };
            }
            if entries.iter().any(|(k, _)| dollar(k)) {
                return node.clone();
            }
            Node {
                value: Value::Map(
                    entries.iter().map(|(k, v)| (k.clone(), substitute_placeholders(v, errors))).collect(),
                ),
                range: node.range,
            }
        }
        Value::Seq(items) => Node {
            value: Value::Seq(items.iter().map(|i| substitute_placeholders(i, errors)).collect()),
            range: node.range,
        },
        _ => node.clone(),
    }
}

/// Placeholder substitution on a whole entity. `metadata.annotations` itself is never replaced:
/// Backstage merges the location annotations into it first, so it never has a single key (and a
/// `$` key in it then means "left alone").
pub(super) fn substitute_entity(root: &Node, errors: &mut Vec<(TextRange, String)>) -> Node {
    substitute_in(root, errors, Context::Root)
}

#[derive(Clone, Copy, PartialEq)]
enum Context {
    Root,
    Metadata,
    Annotations,
    Other,
}

fn substitute_in(node: &Node, errors: &mut Vec<(TextRange, String)>, context: Context) -> Node {
    let Value::Map(entries) = &node.value else {
        return substitute_placeholders(node, errors);
    };
    let has_dollar = entries.iter().any(|(k, _)| k.as_str().is_some_and(|k| k.starts_with('$')));
    if context == Context::Annotations && has_dollar {
        // After the merge this mapping has other keys too: left alone, not descended into.
        return node.clone();
    }
    if context == Context::Other || (context != Context::Annotations && (entries.len() == 1 || has_dollar)) {
        return substitute_placeholders(node, errors);
    }
    let child_context = |k: &Node| match (context, k.as_str()) {
        (Context::Root, Some("metadata")) => Context::Metadata,
        (Context::Metadata, Some("annotations")) => Context::Annotations,
        _ => Context::Other,
    };
    Node {
        value: Value::Map(
            entries.iter().map(|(k, v)| (k.clone(), substitute_in(v, errors, child_context(k)))).collect(),
        ),
        range: node.range,
    }
}
