//! A migration's burn-down chart from the index's recorded history: the data
//! [`backline_chart`] draws, built once for `backline migration --chart` and the bots' images
//! ([`png`], which `serve`'s question engine hands every chat platform).

use std::collections::BTreeMap;

use backline_chart::{BurnDown, Series};
use backline_index::Index;
use backline_index::migration::Migration;

/// Remaining over the recorded days, in total and per team, with the due date.
pub async fn burn_down(index: &Index, m: &Migration) -> anyhow::Result<BurnDown> {
    let rows = index.migration_history(&m.name).await?;
    let mut total: BTreeMap<i64, u32> = BTreeMap::new();
    let mut teams: BTreeMap<String, Vec<(i64, u32)>> = BTreeMap::new();
    let days: Vec<i64> = {
        let mut d: Vec<i64> = rows.iter().map(|r| r.0).collect();
        d.dedup();
        d
    };
    for (day, owner, remaining) in &rows {
        *total.entry(*day).or_default() += remaining;
        teams.entry(owner.clone()).or_default().push((*day, *remaining));
    }
    // A team without a row on a recorded day had nothing in scope that day: zero, not a gap.
    let teams = teams
        .into_iter()
        // A team that never had anything left draws a line on the axis: left out.
        .filter(|(_, points)| points.iter().any(|p| p.1 > 0))
        .map(|(owner, points)| {
            let known: BTreeMap<i64, u32> = points.into_iter().collect();
            Series {
                label: if owner.is_empty() {
                    "(no owner)".to_owned()
                } else {
                    backline_answer::present::short_ref(&owner)
                },
                points: days.iter().map(|d| (*d, known.get(d).copied().unwrap_or(0))).collect(),
            }
        })
        .collect();
    Ok(BurnDown {
        title: format!("{}: remaining by team", m.name),
        total: total.into_iter().collect(),
        teams,
        due: m.due,
    })
}

/// The PNG of the burn-down of the migration called `name`, as the bots show it.
pub async fn png(index: &Index, name: &str) -> anyhow::Result<Vec<u8>> {
    let Some(m) = index.migration(name) else { anyhow::bail!("no migration is called `{name}`") };
    let chart = burn_down(index, m).await?;
    // Drawing is CPU work of tens of milliseconds: off the runtime's worker threads.
    Ok(tokio::task::spawn_blocking(move || backline_chart::png(&chart)).await??)
}
