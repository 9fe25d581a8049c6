//! `backline ask "<question>"`: the question engine in a terminal, the same engine the bots use.
//!
//! The words may be given unquoted (`backline ask who owns payments-api`). The first run in a
//! repository indexes the configured sources. `--as <user>` says who is asking, for questions
//! about the asker ("what do I own", "am I on call"). Ownership and contact answers say who is on call
//! now when `[oncall]` configures a provider (`crate::oncall`). Exit codes: 0 answered, 1 nothing matched the
//! name, 2 usage, configuration or store failure.

use std::io::Write;
use std::process::ExitCode;

use backline_answer::render::render_text;
use backline_answer::{Answer, AnswerBody};

use super::GlobalArgs;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The question, e.g. "who owns payments-api" or "what breaks if orders-db goes down".
    #[arg(required = true, num_args = 1..)]
    question: Vec<String>,
    /// Ask as this catalog User (a name, a reference like `user:default/jane`, or an e-mail
    /// address): what "what do I own", "what does my team own" and "am I on call" are about.
    #[arg(long = "as", value_name = "USER")]
    as_user: Option<String>,
    /// `--format json` or `--json`: the answer model as JSON (what the bots render).
    #[command(flatten)]
    out: super::JsonFlag,
}

/// Prints an answer as text or JSON; the exit code says whether the name was found.
pub fn print(answer: &Answer, json: bool) -> anyhow::Result<ExitCode> {
    let mut out = anstream::stdout().lock();
    if json {
        super::write_json(&mut out, answer)?;
    } else {
        write!(out, "{}", render_text(answer))?;
    }
    Ok(if matches!(answer.body, AnswerBody::NotFound(_)) { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

/// The on-call client `[oncall]` configures. A configuration it cannot use (a missing key) is
/// said on stderr and the answer comes without live on-call: the catalog still answers.
pub fn oncall_client(global: &GlobalArgs) -> anyhow::Result<Option<backline_oncall::OnCall>> {
    let config = super::load_config(global)?;
    match crate::oncall::client(config.oncall.as_ref(), &crate::oncall::process_env) {
        Ok(client) => Ok(client),
        Err(e) => {
            tracing::warn!("on-call lookups are off: {e:#}");
            Ok(None)
        }
    }
}

pub fn run(global: &GlobalArgs, args: Args) -> anyhow::Result<ExitCode> {
    let question = args.question.join(" ");
    let oncall = oncall_client(global)?;
    let rt = super::index::runtime()?;
    rt.block_on(async {
        let index = super::index::open_ready(global).await?;
        let asker = args.as_user.map(|user| backline_answer::Asker {
            platform: backline_answer::AskerPlatform::Cli,
            user: Some(user),
            ..Default::default()
        });
        let answer = match index.ask_as(&question, asker.as_ref()).await {
            Ok(mut answer) => {
                crate::oncall::enrich(oncall.as_ref(), &index, &mut answer).await;
                Ok(answer)
            }
            Err(e) => Err(e),
        };
        index.close().await;
        print(&answer?, args.out.json())
    })
}
