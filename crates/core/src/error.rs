//! The one error type of `trove-core`.

use trove_protocol::rules::RuleError;
use trove_protocol::{position::PositionError, ApiError, ErrorCode, QueueError};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Input refused by a shared domain rule (title, note, tag, ...).
    #[error(transparent)]
    Rule(#[from] RuleError),
    #[error("{0}")]
    Invalid(String),
    #[error("{what} {id} does not exist")]
    NotFound { what: &'static str, id: i64 },
    #[error("item {item} is not in the collection \"{collection}\"")]
    NotMember { collection: String, item: i64 },
    #[error("a collection titled \"{existing}\" already exists in this project; choose another title")]
    DuplicateTitle { existing: String },
    /// An undo or redo whose inverse no longer means anything; nothing was changed.
    #[error("Can't {verb} “{action}”: {reason}. Nothing was changed.")]
    CannotUndo { verb: &'static str, action: String, reason: String },
    #[error(transparent)]
    Position(#[from] PositionError),
    #[error("the local database failed: {0}")]
    Db(#[from] rusqlite::Error),
    #[error("the local database could not be opened: {0}")]
    Open(#[from] trove_sqlite::Error),
    #[error("a file operation failed: {0}")]
    Io(#[from] std::io::Error),
    #[error("an image could not be made: {0}")]
    Image(#[from] image::ImageError),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn code(&self) -> ErrorCode {
        match self {
            // A queue refusal says what the user may not do, or what changed under them.
            Error::Rule(RuleError::Queue(e)) => match e {
                QueueError::NotAnnotator { .. } | QueueError::NotReviewer { .. } => ErrorCode::Forbidden,
                QueueError::NotInQueue { .. } => ErrorCode::NotFound,
                QueueError::Invalid(_) => ErrorCode::InvalidInput,
                QueueError::Closed { .. } | QueueError::Taken { .. } | QueueError::NotSubmitted { .. } | QueueError::Stale { .. } => ErrorCode::Conflict,
            },
            Error::Rule(_) | Error::Invalid(_) | Error::Position(_) => ErrorCode::InvalidInput,
            Error::NotFound { .. } | Error::NotMember { .. } => ErrorCode::NotFound,
            Error::DuplicateTitle { .. } | Error::CannotUndo { .. } => ErrorCode::Conflict,
            Error::Db(_) | Error::Open(_) | Error::Io(_) | Error::Image(_) => ErrorCode::Internal,
        }
    }
}

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        let code = e.code();
        let message = match code {
            // The cause goes to the log; the person gets a sentence they can act on.
            ErrorCode::Internal => {
                tracing::error!(error = %e, "internal error");
                "something went wrong on this computer; the action was not saved (details are in the log)".to_string()
            }
            _ => e.to_string(),
        };
        ApiError { code, message }
    }
}
