//! `backline explain CODE`: the documentation of a finding code.

use std::process::ExitCode;

use backline_catalog::Code;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A code (`BS0501`) or lint name (`unknown-reference`).
    code: Option<String>,
    /// List every code with its default severity and summary.
    #[arg(long)]
    list: bool,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let mut out = String::new();
    if args.list || args.code.is_none() {
        for code in Code::ALL {
            out.push_str(&format!(
                "{}  {:<8} {:<28} {}\n",
                code.as_str(),
                code.default_severity().as_str(),
                code.name(),
                code.summary()
            ));
        }
    } else if let Some(name) = args.code {
        let Some(code) = Code::parse(&name) else {
            anyhow::bail!("unknown code `{name}`; `backline explain --list` shows them all");
        };
        let origin = if code.is_lint() {
            "Backline lint (Backstage accepts what it flags)"
        } else {
            "Backstage rule (Backstage refuses what it flags)"
        };
        out.push_str(&format!(
            "# {} {}: {}\n\nDefault severity: {}. {}.\n\n{}\n",
            code.as_str(),
            code.name(),
            code.summary(),
            code.default_severity().as_str(),
            origin,
            code.explanation()
        ));
    }
    anstream::print!("{out}");
    Ok(ExitCode::SUCCESS)
}
