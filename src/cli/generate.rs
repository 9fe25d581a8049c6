//! `backline generate`: writes a realistic synthetic catalog (systems, components, APIs,
//! resources, groups and users with owners and dependencies), to try Backline on a catalog of
//! any size and to benchmark it. The same seed gives the same catalog.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use backline_catalog::generate::generate;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// About how many entities to generate.
    #[arg(long, default_value_t = 100_000)]
    entities: usize,
    /// Directory to write into (created if missing).
    #[arg(long)]
    out: PathBuf,
    /// Seed of the generator: the same seed and size give the same files.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Put every entity into one multi-document file.
    #[arg(long)]
    single_file: bool,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let files = generate(args.entities, args.seed, args.single_file);
    let mut bytes = 0usize;
    for f in &files {
        let path = args.out.join(&f.path);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        std::fs::write(&path, &f.content).with_context(|| format!("writing {}", path.display()))?;
        bytes += f.content.len();
    }
    tracing::info!(files = files.len(), bytes, "generated catalog");
    anstream::eprintln!("wrote {} files ({:.1} MB) to {}", files.len(), bytes as f64 / 1e6, args.out.display());
    Ok(ExitCode::SUCCESS)
}
