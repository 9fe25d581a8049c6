//! [`Index::ask`]: chat-style text in, an [`Answer`] out. The one entry point of `backline ask`
//! and the bots; the question parser itself is pure and lives in `backline_answer::question`.

use backline_answer::question::{Parsed, help, parse_question};
use backline_answer::{Answer, AnswerBody};

use crate::{Index, IndexError};

impl Index {
    /// Answers a chat-style question.
    pub async fn ask(&self, question: &str) -> Result<Answer, IndexError> {
        match parse_question(question) {
            Parsed::Query(q) => {
                let body = self.answer_body(&q).await?;
                self.wrap(question.to_owned(), Some(q), body).await
            }
            Parsed::Help(reason) => self.wrap(question.to_owned(), None, AnswerBody::Help(help(reason))).await,
        }
    }
}
