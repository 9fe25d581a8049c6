//! [`Index::ask`]: chat-style text in, an [`Answer`] out. The one entry point of `backline ask`
//! and the bots; the question parser itself is pure and lives in `backline_answer::question`.

use backline_answer::question::{Parsed, help, parse_question};
use backline_answer::{Answer, AnswerBody, Asker, Query};

use crate::{Index, IndexError};

impl Index {
    /// Answers a chat-style question from nobody in particular: questions about the asker ("what
    /// do I own") are answered with how to be recognised.
    pub async fn ask(&self, question: &str) -> Result<Answer, IndexError> {
        self.ask_as(question, None).await
    }

    /// Answers a chat-style question from `asker`, who questions about the asker are about.
    pub async fn ask_as(&self, question: &str, asker: Option<&Asker>) -> Result<Answer, IndexError> {
        match parse_question(question) {
            Parsed::Query(mut q) => {
                if let Query::Mine { asker: slot, .. } = &mut q {
                    *slot = asker.cloned();
                }
                let (body, fuzzy) = self.answer_body(&q).await?;
                self.wrap(question.to_owned(), Some(q), body, fuzzy).await
            }
            Parsed::Help(reason) => self.wrap(question.to_owned(), None, AnswerBody::Help(help(reason)), None).await,
        }
    }
}
