//! Validation limits and normalisation rules that the app and the server both enforce.
//!
//! Each check returns the cleaned value or a [`RuleError`] whose message names the bad input
//! and says what is allowed, in the house style (`note is 612 characters; at most 500 are
//! allowed`).

/// Most characters in a collection title (the Hub's limit).
pub const TITLE_MAX: usize = 60;
/// Most characters in a collection description (the Hub's limit).
pub const DESCRIPTION_MAX: usize = 150;
/// Most characters in a note on a collection item.
pub const NOTE_MAX: usize = 500;
/// Most characters in a tag.
pub const TAG_MAX: usize = 64;
/// Most items one gallery page may ask for.
pub const PAGE_MAX: u32 = 1000;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    #[error("title is empty; a collection needs a title")]
    EmptyTitle,
    #[error("title is {len} characters; at most {TITLE_MAX} are allowed")]
    TitleTooLong { len: usize },
    #[error("title {title:?} has no letters or digits; a title needs at least one")]
    TitleWithoutSlug { title: String },
    #[error("description is {len} characters; at most {DESCRIPTION_MAX} are allowed")]
    DescriptionTooLong { len: usize },
    #[error("note is {len} characters; at most {NOTE_MAX} are allowed")]
    NoteTooLong { len: usize },
    #[error("tag is empty or only spaces; a tag needs at least one visible character")]
    EmptyTag,
    #[error("tag {tag:?} is {len} characters; at most {TAG_MAX} are allowed")]
    TagTooLong { tag: String, len: usize },
    #[error("tag {tag:?} contains a control character")]
    TagControl { tag: String },
}

fn chars(s: &str) -> usize {
    s.chars().count()
}

/// A title is trimmed, non-empty, at most [`TITLE_MAX`] characters, and slugifies to something.
pub fn title(raw: &str) -> Result<String, RuleError> {
    let t = raw.trim();
    if t.is_empty() {
        return Err(RuleError::EmptyTitle);
    }
    let len = chars(t);
    if len > TITLE_MAX {
        return Err(RuleError::TitleTooLong { len });
    }
    if slugify(t).is_empty() {
        return Err(RuleError::TitleWithoutSlug { title: t.to_string() });
    }
    Ok(t.to_string())
}

pub fn description(raw: &str) -> Result<String, RuleError> {
    let d = raw.trim();
    let len = chars(d);
    if len > DESCRIPTION_MAX {
        return Err(RuleError::DescriptionTooLong { len });
    }
    Ok(d.to_string())
}

/// Notes keep their inner whitespace; exactly [`NOTE_MAX`] characters is accepted.
pub fn note(raw: &str) -> Result<String, RuleError> {
    let len = chars(raw);
    if len > NOTE_MAX {
        return Err(RuleError::NoteTooLong { len });
    }
    Ok(raw.trim_end().to_string())
}

pub fn tag(raw: &str) -> Result<String, RuleError> {
    let t = raw.trim();
    if t.is_empty() {
        return Err(RuleError::EmptyTag);
    }
    if t.chars().any(char::is_control) {
        return Err(RuleError::TagControl { tag: t.to_string() });
    }
    let len = chars(t);
    if len > TAG_MAX {
        return Err(RuleError::TagTooLong { tag: t.chars().take(20).collect::<String>() + "…", len });
    }
    Ok(t.to_string())
}

/// Lowercase, each run of characters outside `[a-z0-9]` becomes `-`, `-` trimmed from both ends.
pub fn slugify(title: &str) -> String {
    let mut out = String::with_capacity(title.len());
    let mut dash = false;
    for c in title.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            if dash && !out.is_empty() {
                out.push('-');
            }
            dash = false;
            out.push(c);
        } else {
            dash = true;
        }
    }
    out
}

/// `{namespace}/{slugified-title}-{id}`.
pub fn slug(namespace: &str, title: &str, id: &str) -> String {
    format!("{namespace}/{}-{id}", slugify(title))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugify_follows_the_hub() {
        assert_eq!(slugify("ICCV 2023"), "iccv-2023");
        assert_eq!(slugify("ICCV Oct. 2023"), "iccv-oct-2023");
        assert_eq!(slugify("  ICCV 2023 drafts!! "), "iccv-2023-drafts");
        assert_eq!(slugify("False positives"), "false-positives");
        assert_eq!(slugify("***"), "");
    }

    #[test]
    fn titles() {
        assert_eq!(title("  Cats  ").unwrap(), "Cats");
        assert_eq!(title("   "), Err(RuleError::EmptyTitle));
        assert_eq!(title(&"x".repeat(61)), Err(RuleError::TitleTooLong { len: 61 }));
        assert!(title(&"x".repeat(60)).is_ok());
        assert!(matches!(title("!!!"), Err(RuleError::TitleWithoutSlug { .. })));
    }

    #[test]
    fn notes_allow_exactly_500() {
        assert!(note(&"é".repeat(500)).is_ok());
        let err = note(&"a".repeat(501)).unwrap_err();
        assert_eq!(err.to_string(), "note is 501 characters; at most 500 are allowed");
    }

    #[test]
    fn tags() {
        assert_eq!(tag(" cat ").unwrap(), "cat");
        assert_eq!(tag("   "), Err(RuleError::EmptyTag));
        assert!(matches!(tag("a\u{7}b"), Err(RuleError::TagControl { .. })));
        assert!(matches!(tag(&"t".repeat(65)), Err(RuleError::TagTooLong { len: 65, .. })));
    }

    #[test]
    fn descriptions() {
        assert!(description(&"d".repeat(150)).is_ok());
        assert_eq!(description(&"d".repeat(151)), Err(RuleError::DescriptionTooLong { len: 151 }));
    }
}
