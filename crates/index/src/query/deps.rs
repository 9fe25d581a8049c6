//! "What does X depend on" / "what depends on X": the entities within a depth, each with one
//! shortest path, from one recursive query and a breadth-first walk.

use std::collections::HashMap;

use backline_answer::*;

use super::MAX_DEPTH;
use super::summary::{missing, summary};
use crate::store::EntityRecord;
use crate::{Index, IndexError};

impl Index {
    /// Dependencies or dependents of `rec` to `depth`, each with one shortest path.
    pub(super) async fn traverse(
        &self,
        rec: &EntityRecord,
        direction: Direction,
        depth: u32,
    ) -> Result<DependencyAnswer, IndexError> {
        let depth = depth.clamp(1, MAX_DEPTH);
        let relation = match direction {
            Direction::Dependencies => "dependsOn",
            Direction::Dependents => "dependencyOf",
        };
        let root = rec.entity_ref.clone();
        // One query for every edge within reach, then a breadth-first walk for shortest paths.
        let mut adjacency: HashMap<String, Vec<String>> = HashMap::new();
        for (from, to) in self.store().edges_within(&root, relation, i64::from(depth)).await? {
            adjacency.entry(from).or_default().push(to);
        }
        let mut paths: HashMap<String, Vec<String>> = HashMap::from([(root.clone(), vec![root.clone()])]);
        let mut order: Vec<(String, u32)> = Vec::new();
        let mut frontier = vec![root.clone()];
        for d in 1..=depth {
            if frontier.is_empty() {
                break;
            }
            let mut next = Vec::new();
            for from in &frontier {
                for to in adjacency.get(from).into_iter().flatten() {
                    if paths.contains_key(to) {
                        continue;
                    }
                    let mut p = paths.get(from).cloned().unwrap_or_default();
                    p.push(to.clone());
                    paths.insert(to.clone(), p);
                    order.push((to.clone(), d));
                    next.push(to.clone());
                }
            }
            frontier = next;
        }
        let truncated = frontier.iter().any(|f| adjacency.get(f).into_iter().flatten().any(|t| !paths.contains_key(t)));
        let refs: Vec<String> = order.iter().map(|(r, _)| r.clone()).collect();
        let found: HashMap<String, EntityRecord> =
            self.store().entities(&refs).await?.into_iter().map(|r| (r.entity_ref.clone(), r)).collect();
        let mut nodes: Vec<DependencyNode> = order
            .into_iter()
            .map(|(r, d)| DependencyNode {
                entity: found.get(&r).map_or_else(|| missing(&r), summary),
                depth: d,
                path: paths.remove(&r).unwrap_or_default(),
            })
            .collect();
        nodes.sort_by(|a, b| a.depth.cmp(&b.depth).then_with(|| a.entity.entity_ref.cmp(&b.entity.entity_ref)));
        Ok(DependencyAnswer {
            root: summary(rec),
            direction,
            max_depth: depth,
            nodes,
            truncated,
            team_on_call: Vec::new(),
        })
    }
}
