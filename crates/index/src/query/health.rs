//! "Health": what needs attention in the catalog: missing owners, groups without members,
//! users in no group, deprecated entities in production use, entities and files with findings.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

use backline_answer::*;

use super::summary::{finding_summary, missing, summary};
use crate::store::EntityRecord;
use crate::{Index, IndexError};

impl Index {
    /// What needs attention in the catalog.
    pub async fn health(&self) -> Result<HealthAnswer, IndexError> {
        let store = self.store();
        let (entity_count, file_count) = store.counts().await?;
        let source_count = store.sources().await?.len() as u32;
        let missing_owners = store
            .missing_owners()
            .await?
            .iter()
            .map(|r| MissingOwner { entity: summary(r), owner_ref: r.owner_ref.clone().unwrap_or_default() })
            .collect();

        // Owners that are Groups without members (counting sub-groups) or Users in no Group.
        let owners: HashSet<String> = store.owner_refs().await?.into_iter().collect();
        let with_members: HashSet<String> =
            store.relations_of_type("hasMember").await?.into_iter().map(|(g, _)| g).collect();
        let child_of = store.relations_of_type("childOf").await?;
        let mut parents_of: HashMap<String, Vec<String>> = HashMap::new();
        for (c, p) in child_of {
            parents_of.entry(c).or_default().push(p);
        }
        let mut populated: HashSet<String> = HashSet::new();
        let mut queue: VecDeque<String> = with_members.iter().cloned().collect();
        while let Some(g) = queue.pop_front() {
            if populated.insert(g.clone()) {
                for p in parents_of.get(&g).into_iter().flatten() {
                    queue.push_back(p.clone());
                }
            }
        }
        let empty_groups: Vec<String> =
            owners.iter().filter(|o| o.starts_with("group:") && !populated.contains(*o)).cloned().collect();
        let mut groups_without_members: Vec<EntitySummary> =
            store.entities(&empty_groups).await?.iter().map(summary).collect();
        groups_without_members.sort_by(|a, b| a.entity_ref.cmp(&b.entity_ref));
        let grouped_users: HashSet<String> =
            store.relations_of_type("memberOf").await?.into_iter().map(|(u, _)| u).collect();
        let lonely: Vec<String> =
            owners.iter().filter(|o| o.starts_with("user:") && !grouped_users.contains(*o)).cloned().collect();
        let mut users_without_group: Vec<EntitySummary> = store.entities(&lonely).await?.iter().map(summary).collect();
        users_without_group.sort_by(|a, b| a.entity_ref.cmp(&b.entity_ref));

        let pairs = store.deprecated_in_use().await?;
        let refs: Vec<String> =
            pairs.iter().flat_map(|(d, p)| [d.clone(), p.clone()]).collect::<HashSet<_>>().into_iter().collect();
        let recs: HashMap<String, EntityRecord> =
            store.entities(&refs).await?.into_iter().map(|r| (r.entity_ref.clone(), r)).collect();
        let mut deprecated: BTreeMap<String, Vec<EntitySummary>> = BTreeMap::new();
        for (d, p) in &pairs {
            deprecated.entry(d.clone()).or_default().push(recs.get(p).map_or_else(|| missing(p), summary));
        }
        let deprecated_in_use = deprecated
            .into_iter()
            .map(|(d, dependents)| DeprecatedInUse {
                entity: recs.get(&d).map_or_else(|| missing(&d), summary),
                dependents,
            })
            .collect();

        let mut with_findings: BTreeMap<String, Vec<FindingSummary>> = BTreeMap::new();
        for (r, f) in store.entity_findings().await? {
            with_findings.entry(r).or_default().push(finding_summary(&f));
        }
        let mut invalid: HashMap<String, EntityRecord> =
            store.invalid_entities().await?.into_iter().map(|r| (r.entity_ref.clone(), r)).collect();
        for (r, rec) in &invalid {
            if !with_findings.contains_key(r)
                && let Some(first) = summary(rec).first_error
            {
                with_findings.insert(r.clone(), vec![first]);
            }
        }
        let need: Vec<String> = with_findings.keys().filter(|r| !invalid.contains_key(*r)).cloned().collect();
        for rec in store.entities(&need).await? {
            invalid.insert(rec.entity_ref.clone(), rec);
        }
        let entities_with_findings = with_findings
            .into_iter()
            .filter_map(|(r, findings)| Some(EntityFindings { entity: summary(invalid.get(&r)?), findings }))
            .collect();
        let file_findings = store.file_findings().await?.iter().map(finding_summary).collect();
        Ok(HealthAnswer {
            entity_count: entity_count as u32,
            file_count: file_count as u32,
            source_count,
            missing_owners,
            groups_without_members,
            users_without_group,
            deprecated_in_use,
            entities_with_findings,
            file_findings,
        })
    }
}
