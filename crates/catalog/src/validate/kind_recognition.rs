//! Stage 6: kind recognition. `BuiltinKindsEntityProcessor` validates an entity only when one of
//! its kind validators claims it (the kind, case-sensitive, and an apiVersion that kind accepts);
//! an entity nobody claims is refused with "No processor recognized the entity". Custom kinds
//! declared in the configuration stand for the organisation's own processors.

use super::lints::closest;
use super::{Checker, Recognized};
use crate::codes::Code;
use crate::entity_ref::EntityRef;
use crate::finding::Fix;
use crate::kinds::{BUILTIN_KINDS, Kind};
use crate::yaml::Node;

impl<'a> Checker<'a> {
    /// The kind that claims the entity: a built-in or declared custom kind as written
    /// (case-sensitive) with one of its apiVersions. `None` (reported, unless the envelope already
    /// lacks an apiVersion) when no validator claims it.
    pub(super) fn recognize(
        &mut self,
        root: &Node,
        api_version: Option<&str>,
        kind: &str,
        entity_ref: &EntityRef,
    ) -> Option<Recognized<'a>> {
        let api_version = api_version?;
        let builtin = Kind::from_name(kind);
        if let Some(k) = builtin
            && k.api_versions().contains(&api_version)
        {
            return Some(Recognized::Builtin(k));
        }
        let kinds = self.kinds;
        let custom = kinds.get(kind);
        if let Some(c) = custom
            && c.recognizes(api_version)
        {
            return Some(Recognized::Custom(c));
        }
        let kind_range = root.get("kind").map_or(root.range, |n| n.range);
        let api_range = root.get("apiVersion").map_or(root.range, |n| n.range);
        let mut message = format!(
            "No processor recognized the entity {} as valid, possibly caused by a foreign kind or apiVersion.",
            entity_ref.canonical()
        );
        let known: Vec<&str> = BUILTIN_KINDS.iter().copied().chain(kinds.iter().map(|c| c.name)).collect();
        let (range, fix) = match builtin {
            None if custom.is_some() => {
                let c = custom.expect("checked");
                let want = c.api_versions[0].as_str();
                message.push_str(&format!(
                    " Kind {kind} is declared in backline.toml with apiVersion {}.",
                    c.api_versions.join(" or ")
                ));
                (api_range, Some(Fix::replace(format!("Change apiVersion to {want}"), api_range, want)))
            }
            None => match closest(kind, &known, true) {
                Some(g) => {
                    message.push_str(&format!(" Did you mean kind \"{g}\"? Kinds are case-sensitive."));
                    (kind_range, Some(Fix::replace(format!("Change kind to {g}"), kind_range, g)))
                }
                None => {
                    message.push_str(&format!(
                        " Use a built-in kind ({}), or install a processor for this custom kind in Backstage and declare it in backline.toml (`[[kind]]`).",
                        BUILTIN_KINDS.join(", ")
                    ));
                    (kind_range, None)
                }
            },
            Some(k) => {
                let want = k.api_versions()[0];
                message.push_str(&format!(" Kind {k} needs apiVersion {want}."));
                (api_range, Some(Fix::replace(format!("Change apiVersion to {want}"), api_range, want)))
            }
        };
        let f = self.report(Code::UnknownKind, range, message);
        f.fix = fix;
        None
    }
}
