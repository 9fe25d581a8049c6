//! A deterministic generator of realistic catalogs of any size, for benchmarks and load tests.
//!
//! The shape follows real organisations: a group tree (departments and teams) with users,
//! domains and systems, components in one directory each (some providing an API in the same
//! multi-document file), resources grouped in files, and a root Location with glob targets.
//! Dependencies always point at earlier components or at resources, so the dependency graph is a
//! DAG with chains deep enough for "what breaks if X goes down" at depth 5 and beyond.

use std::fmt::Write;

/// A file to write: a path relative to the output directory, and its content.
pub struct GeneratedFile {
    pub path: String,
    pub content: String,
}

/// A small, fast, seeded PRNG (SplitMix64): the same seed always gives the same catalog.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { (self.next() % n as u64) as usize }
    }

    fn pick<'a>(&mut self, items: &'a [&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const WORDS: &[&str] = &[
    "payments",
    "orders",
    "checkout",
    "inventory",
    "search",
    "fraud",
    "ledger",
    "billing",
    "shipping",
    "catalog",
    "pricing",
    "returns",
    "identity",
    "profile",
    "notify",
    "reviews",
    "loyalty",
    "ads",
    "media",
    "geo",
];
const LANGS: &[&str] = &["java", "go", "rust", "python3", "python2", "typescript", "kotlin"];
const LIFECYCLES: &[&str] = &["production", "production", "production", "experimental", "deprecated"];

/// Counts per kind for a catalog of about `entities` entities.
struct Plan {
    domains: usize,
    systems: usize,
    departments: usize,
    teams: usize,
    users: usize,
    resources: usize,
    components: usize,
}

impl Plan {
    fn new(entities: usize) -> Plan {
        let entities = entities.max(20);
        let domains = (entities / 2000).max(1);
        let systems = (entities / 300).max(2);
        let teams = (entities / 60).max(2);
        let departments = (teams / 8).max(1);
        let users = (entities / 9).max(4);
        let resources = (entities / 10).max(2);
        // Components take the rest; one in six also provides an API in its own file.
        let fixed = domains + systems + teams + departments + users + resources + 2;
        let components = ((entities.saturating_sub(fixed)) * 6 / 7).max(2);
        Plan { domains, systems, departments, teams, users, resources, components }
    }
}

/// Generates about `entities` entities. With `single_file`, every entity goes into one
/// multi-document file (for editor benchmarks on huge files); otherwise a directory tree.
pub fn generate(entities: usize, seed: u64, single_file: bool) -> Vec<GeneratedFile> {
    let plan = Plan::new(entities);
    let mut rng = Rng(seed);
    let mut files: Vec<GeneratedFile> = Vec::new();
    let team = |i: usize| format!("team-{}-{i}", WORDS[i % WORDS.len()]);

    // Org: one root group, departments, teams with members.
    let mut org = String::new();
    doc(
        &mut org,
        "Group",
        "northwind",
        &format!(
            "  type: root\n  profile:\n    displayName: Northwind\n  children: [{}]\n",
            (0..plan.departments).map(|d| format!("dept-{d}")).collect::<Vec<_>>().join(", ")
        ),
        "",
    );
    for d in 0..plan.departments {
        let children: Vec<String> = (0..plan.teams).filter(|t| t % plan.departments == d).map(team).collect();
        doc(
            &mut org,
            "Group",
            &format!("dept-{d}"),
            &format!(
                "  type: department\n  parent: northwind\n  profile:\n    displayName: Department {d}\n    email: dept-{d}@northwind.example\n  children: [{}]\n",
                children.join(", ")
            ),
            "",
        );
    }
    files.push(GeneratedFile { path: "org/groups.yaml".into(), content: org });
    let users_per_team = plan.users / plan.teams;
    for t in 0..plan.teams {
        let mut content = String::new();
        let name = team(t);
        doc(
            &mut content,
            "Group",
            &name,
            &format!(
                "  type: team\n  parent: dept-{}\n  profile:\n    displayName: {} team {t}\n    email: {name}@northwind.example\n  children: []\n",
                t % plan.departments,
                capitalize(WORDS[t % WORDS.len()])
            ),
            &format!("    slack.com/channel: \"#{name}\"\n"),
        );
        for u in 0..users_per_team.max(1) {
            let user = format!("user-{t}-{u}");
            doc(
                &mut content,
                "User",
                &user,
                &format!(
                    "  profile:\n    displayName: User {t} {u}\n    email: {user}@northwind.example\n  memberOf: [{name}]\n"
                ),
                "",
            );
        }
        files.push(GeneratedFile { path: format!("org/{name}.yaml"), content });
    }

    // Domains and systems.
    let mut systems = String::new();
    for d in 0..plan.domains {
        doc(&mut systems, "Domain", &format!("domain-{d}"), &format!("  owner: {}\n", team(rng.below(plan.teams))), "");
    }
    for s in 0..plan.systems {
        doc(
            &mut systems,
            "System",
            &format!("system-{s}"),
            &format!("  owner: {}\n  domain: domain-{}\n", team(rng.below(plan.teams)), s % plan.domains),
            "",
        );
    }
    files.push(GeneratedFile { path: "systems/systems.yaml".into(), content: systems });

    // Resources, ten to a file.
    for chunk in 0..plan.resources.div_ceil(10) {
        let mut content = String::new();
        for r in chunk * 10..((chunk + 1) * 10).min(plan.resources) {
            let kind = ["database", "queue", "s3-bucket", "cache"][r % 4];
            doc(
                &mut content,
                "Resource",
                &format!("res-{kind}-{r}"),
                &format!(
                    "  type: {kind}\n  owner: {}\n  system: system-{}\n",
                    team(rng.below(plan.teams)),
                    rng.below(plan.systems)
                ),
                "",
            );
        }
        files.push(GeneratedFile { path: format!("resources/resources-{chunk}.yaml"), content });
    }

    // Components, each in its own directory; every sixth also provides an API.
    for c in 0..plan.components {
        let mut content = String::new();
        let word = WORDS[c % WORDS.len()];
        let name = format!("{word}-service-{c}");
        let owner = team(rng.below(plan.teams));
        let mut deps = Vec::new();
        let r = plan.resources;
        deps.push(format!("resource:res-{}-{}", ["database", "queue", "s3-bucket", "cache"][c % r % 4], c % r));
        if c > 0 {
            for _ in 0..1 + rng.below(2) {
                // Mostly recent components: keeps chains long (depth) and fan-in realistic.
                let back = 1 + rng.below(c.min(50));
                let dep = c - back;
                deps.push(format!("component:{}-service-{dep}", WORDS[dep % WORDS.len()]));
            }
        }
        deps.dedup();
        let provides = c % 6 == 0;
        let api = format!("{word}-api-{c}");
        let consumes = if c >= 6 {
            format!("\n  consumesApis: [{}-api-{}]", WORDS[(c / 6 * 6 - 6) % WORDS.len()], c / 6 * 6 - 6)
        } else {
            String::new()
        };
        let lang = rng.pick(LANGS);
        let lifecycle = rng.pick(LIFECYCLES);
        let spec = format!(
            "  type: service\n  lifecycle: {lifecycle}\n  owner: {owner}\n  system: system-{}\n  dependsOn:\n{}{}{consumes}\n",
            rng.below(plan.systems),
            deps.iter().map(|d| format!("    - {d}\n")).collect::<String>(),
            if provides { format!("  providesApis: [{api}]") } else { String::new() },
        );
        let annotations = format!(
            "    github.com/project-slug: northwind/{name}\n    backstage.io/techdocs-ref: dir:.\n    pagerduty.com/service-id: P{:06X}\n",
            c % 0xFFFFFF
        );
        doc_full(
            &mut content,
            "Component",
            &name,
            &format!("{} service number {c}, written in {lang}.", capitalize(word)),
            &[lang, word],
            &spec,
            &annotations,
        );
        if provides {
            doc(
                &mut content,
                "API",
                &api,
                &format!(
                    "  type: openapi\n  lifecycle: {lifecycle}\n  owner: {owner}\n  definition: |\n    openapi: 3.0.0\n    info:\n      title: {api}\n      version: 1.0.0\n    paths: {{}}\n"
                ),
                "",
            );
        }
        files.push(GeneratedFile { path: format!("services/{name}/catalog-info.yaml"), content });
    }

    let root = "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: northwind-generated\n  description: Everything in this generated catalog.\nspec:\n  targets:\n    - ./org/*.yaml\n    - ./systems/*.yaml\n    - ./resources/*.yaml\n    - ./services/*/catalog-info.yaml\n";
    if single_file {
        let mut all = String::new();
        for f in &files {
            all.push_str(&f.content);
        }
        return vec![GeneratedFile { path: "all.catalog-info.yaml".into(), content: all }];
    }
    files.push(GeneratedFile { path: "catalog-info.yaml".into(), content: root.into() });
    files
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    c.next().map_or_else(String::new, |f| f.to_uppercase().chain(c).collect())
}

fn doc(out: &mut String, kind: &str, name: &str, spec: &str, annotations: &str) {
    doc_full(out, kind, name, "", &[], spec, annotations);
}

fn doc_full(out: &mut String, kind: &str, name: &str, description: &str, tags: &[&str], spec: &str, annotations: &str) {
    let _ = write!(out, "---\napiVersion: backstage.io/v1alpha1\nkind: {kind}\nmetadata:\n  name: {name}\n");
    if !description.is_empty() {
        let _ = writeln!(out, "  description: {description}");
    }
    if !tags.is_empty() {
        let _ = writeln!(out, "  tags: [{}]", tags.join(", "));
    }
    if !annotations.is_empty() {
        let _ = write!(out, "  annotations:\n{annotations}");
    }
    let _ = write!(out, "spec:\n{spec}");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::CatalogIndex;
    use crate::validate::parse_file;

    /// The generated catalog is valid and every reference resolves: benchmarks measure the happy
    /// path unless they mean otherwise.
    #[test]
    fn generated_catalog_is_clean() {
        let files: Vec<_> =
            generate(3000, 7, false).into_iter().map(|f| parse_file(f.path.as_str().into(), &f.content)).collect();
        let entities: usize = files.iter().map(|f| f.entities().count()).sum();
        assert!((2500..=3500).contains(&entities), "{entities}");
        let index = CatalogIndex::build(&files);
        for f in &files {
            assert!(f.findings.is_empty(), "{}: {:?}", f.path, f.findings.first());
            let lints = index.lint_file(f);
            assert!(lints.is_empty(), "{}: {:?}", f.path, lints.first());
        }
    }
}
