//! Every query of the query API on the example catalog (examples/README.md is the oracle), on
//! SQLite and PostgreSQL.

mod index_support;

use backline_core::query::answer::*;
use index_support::{Db, example};

async fn smoke(db: Db) {
    let Some((t, ix)) = example(db).await else { return };
    let a = ix.ask("who owns payments-api").await.unwrap();
    println!("{}", backline_core::query::render::render_text(&a));
    let AnswerBody::Ownership(o) = &a.body else { panic!("{a:?}") };
    assert_eq!(o.owner.as_ref().unwrap().name, "team-payments");
    ix.close().await;
    t.cleanup().await;
}

both_backends!(smoke);
