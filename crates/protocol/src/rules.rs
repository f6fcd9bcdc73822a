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
/// Most characters of a caller's input quoted back in a message; longer input is cut short.
pub const QUOTE_MAX: usize = 100;
/// Longest id (a UUID, a client id) a request may name.
pub const ID_MAX: usize = 64;
/// Smallest and largest gallery thumbnail size a setting may ask for, in pixels.
pub const THUMB_SIZE_MIN: u32 = 40;
pub const THUMB_SIZE_MAX: u32 = 640;
/// Most characters in a project or dataset name.
pub const NAME_MAX: usize = 100;
/// Most characters in an item's name (an imported file's path inside its folder).
pub const ITEM_NAME_MAX: usize = 1024;

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
    #[error("tag {tag} contains a control or invisible character")]
    TagControl { tag: String },
    #[error("note contains a control character other than a line break or a tab")]
    NoteControl,
    #[error("title {} contains a control or invisible character; titles are one line of visible text", quote(.title))]
    TitleControl { title: String },
    #[error("{what} {} is not valid; {expected}", quote(.value))]
    BadId { what: &'static str, value: String, expected: &'static str },
    #[error("{n} {what} in one {action}; at most {max} are allowed")]
    TooMany { what: &'static str, action: &'static str, n: usize, max: usize },
    #[error("{what} name is empty; give the {what} a name")]
    EmptyName { what: &'static str },
    #[error("{what} name is {len} characters; at most {NAME_MAX} are allowed")]
    NameTooLong { what: &'static str, len: usize },
    #[error("item name is {len} characters; at most {ITEM_NAME_MAX} are allowed")]
    ItemNameTooLong { len: usize },
    #[error("{what} name {} contains a control character", quote(.name))]
    NameControl { what: &'static str, name: String },
    #[error("thumbnail size {px} is out of range; choose {THUMB_SIZE_MIN} to {THUMB_SIZE_MAX} pixels")]
    ThumbSize { px: u32 },
    #[error(transparent)]
    Position(#[from] crate::position::PositionError),
    /// A labeling queue's name, users, tag choices or comment out of bounds.
    #[error(transparent)]
    Queue(#[from] crate::queue::QueueError),
}

/// A rule broken by a caller's input is a 400 that says which.
impl From<RuleError> for crate::ApiError {
    fn from(e: RuleError) -> Self {
        crate::ApiError::new(crate::ErrorCode::InvalidInput, e.to_string())
    }
}

/// `text` up to its first `max` characters, and whether anything was cut.
fn head(text: &str, max: usize) -> (&str, bool) {
    match text.char_indices().nth(max) {
        None => (text, false),
        Some((at, _)) => (&text[..at], true),
    }
}

/// A project or dataset name (`what`): trimmed, 1 to [`NAME_MAX`] characters, no control
/// characters.
pub fn name(what: &'static str, raw: &str) -> Result<String, RuleError> {
    let name = raw.trim();
    if name.is_empty() {
        return Err(RuleError::EmptyName { what });
    }
    let len = name.chars().count();
    if len > NAME_MAX {
        return Err(RuleError::NameTooLong { what, len });
    }
    if name.chars().any(char::is_control) {
        return Err(RuleError::NameControl { what, name: name.to_string() });
    }
    Ok(name.to_string())
}

/// An item's name (an imported file's path inside its folder): not empty, at most
/// [`ITEM_NAME_MAX`] characters, no control characters.
pub fn item_name(name: &str) -> Result<&str, RuleError> {
    if name.trim().is_empty() {
        return Err(RuleError::EmptyName { what: "item" });
    }
    let len = name.chars().count();
    if len > ITEM_NAME_MAX {
        return Err(RuleError::ItemNameTooLong { len });
    }
    if name.chars().any(char::is_control) {
        return Err(RuleError::NameControl { what: "item", name: name.to_string() });
    }
    Ok(name)
}

/// A SHA-256 digest as 64 lowercase hexadecimal digits (a thumbnail's or a file's content).
pub fn sha256<'a>(what: &'static str, value: &'a str) -> Result<&'a str, RuleError> {
    if value.len() != 64 || !value.bytes().all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c)) {
        return Err(RuleError::BadId { what, value: value.to_string(), expected: "it is a SHA-256: 64 lowercase hexadecimal digits" });
    }
    Ok(value)
}

/// `value` quoted for a message, cut to [`QUOTE_MAX`] characters with an ellipsis: a message
/// never carries a caller's whole input back (or into a log, or a table).
pub fn quote(value: &str) -> String {
    let (kept, cut) = head(value, QUOTE_MAX);
    format!("{kept:?}{}", if cut { "…" } else { "" })
}

/// A message that may carry a caller's input (a parser's, say), cut to a few hundred
/// characters with an ellipsis.
pub fn clip(message: &str) -> String {
    let (kept, cut) = head(message, 300);
    format!("{kept}{}", if cut { "…" } else { "" })
}

/// An entity id sent by a client (a UUID, a client id): 1 to [`ID_MAX`] ASCII letters, digits,
/// `-` or `_`.
pub fn id<'a>(what: &'static str, value: &'a str) -> Result<&'a str, RuleError> {
    if value.is_empty() || value.len() > ID_MAX || !value.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_') {
        return Err(RuleError::BadId { what, value: value.to_string(), expected: "ids are 1 to 64 letters, digits, '-' or '_'" });
    }
    Ok(value)
}

/// A collection's short id: 24 lowercase hexadecimal digits (the Hub's `_id` form).
pub fn hex_id(value: &str) -> Result<&str, RuleError> {
    if value.len() != 24 || !value.bytes().all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c)) {
        return Err(RuleError::BadId { what: "collection id", value: value.to_string(), expected: "it is 24 lowercase hexadecimal digits" });
    }
    Ok(value)
}

/// At most `max` things of one kind in one action.
pub fn at_most(what: &'static str, action: &'static str, n: usize, max: usize) -> Result<(), RuleError> {
    if n > max {
        return Err(RuleError::TooMany { what, action, n, max });
    }
    Ok(())
}

fn chars(s: &str) -> usize {
    s.chars().count()
}

/// Control characters, and the invisible ones that reorder or hide text (bidirectional
/// overrides and isolates, zero-width characters, the byte-order mark): a title or a tag that
/// holds one shows something other than what it is.
fn hidden(c: char) -> bool {
    c.is_control() || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
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
    if t.chars().any(hidden) {
        return Err(RuleError::TitleControl { title: t.to_string() });
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
    if raw.chars().any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r') {
        return Err(RuleError::NoteControl);
    }
    Ok(raw.trim_end().to_string())
}

pub fn tag(raw: &str) -> Result<String, RuleError> {
    let t = raw.trim();
    if t.is_empty() {
        return Err(RuleError::EmptyTag);
    }
    if t.chars().any(hidden) {
        return Err(RuleError::TagControl { tag: quote(t) });
    }
    let len = chars(t);
    if len > TAG_MAX {
        return Err(RuleError::TagTooLong { tag: t.chars().take(20).collect::<String>() + "…", len });
    }
    Ok(t.to_string())
}

/// The settings the app keeps: a gallery thumbnail size within [`THUMB_SIZE_MIN`] and
/// [`THUMB_SIZE_MAX`] pixels.
pub fn settings(s: &crate::Settings) -> Result<&crate::Settings, RuleError> {
    if !(THUMB_SIZE_MIN..=THUMB_SIZE_MAX).contains(&s.thumb_size) {
        return Err(RuleError::ThumbSize { px: s.thumb_size });
    }
    Ok(s)
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

/// The limits the UI shows (counters, `maxlength`), as TypeScript: written next to the
/// generated wire types by `cargo test -p trove-protocol`, so the UI never copies a number by
/// hand and CI fails when the committed file is stale.
pub fn limits_ts() -> String {
    use crate::{filter, mutation, position};
    let limits: [(&str, usize, &str); 10] = [
        ("TITLE_MAX", TITLE_MAX, "characters in a collection title"),
        ("DESCRIPTION_MAX", DESCRIPTION_MAX, "characters in a collection description"),
        ("NOTE_MAX", NOTE_MAX, "characters in a note on a collection item"),
        ("TAG_MAX", TAG_MAX, "characters in a tag"),
        ("PAGE_MAX", PAGE_MAX as usize, "items one gallery page may ask for"),
        ("CLAUSES_MAX", filter::CLAUSES_MAX, "clauses in one filter"),
        ("FILTER_VALUES_MAX", filter::VALUES_MAX, "values in one filter clause's list"),
        ("FILTER_NAME_MAX", filter::NAME_MAX, "characters in a \"name contains\" filter"),
        ("MUTATION_ITEMS_MAX", mutation::ITEMS_MAX, "items one recorded change names"),
        ("POSITION_KEY_MAX", position::KEY_MAX, "bytes in a position key"),
    ];
    let mut out = String::from("// Generated by `cargo test -p trove-protocol` from crates/protocol (rules::limits_ts). Do not edit.\n");
    for (name, value, what) in limits {
        out.push_str(&format!("\n/** Most {what}. */\nexport const {name} = {value};\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exports_the_limits_for_the_ui() {
        let Ok(dir) = std::env::var("TS_RS_EXPORT_DIR") else { return };
        let path = std::path::Path::new(&dir).join("limits.ts");
        if std::fs::read_to_string(&path).ok().as_deref() != Some(limits_ts().as_str()) {
            std::fs::write(&path, limits_ts()).unwrap();
        }
        assert!(limits_ts().contains("export const NOTE_MAX = 500;"));
    }

    #[test]
    fn a_thumbnail_size_is_within_its_range() {
        let with = |px| crate::Settings { thumb_size: px, ..Default::default() };
        for px in [THUMB_SIZE_MIN, 160, THUMB_SIZE_MAX] {
            assert!(settings(&with(px)).is_ok(), "{px}");
        }
        for px in [0, THUMB_SIZE_MIN - 1, THUMB_SIZE_MAX + 1] {
            assert_eq!(settings(&with(px)).unwrap_err(), RuleError::ThumbSize { px });
        }
        let refusal = crate::ApiError::from(settings(&with(641)).unwrap_err());
        assert_eq!(refusal, crate::ApiError::new(crate::ErrorCode::InvalidInput, "thumbnail size 641 is out of range; choose 40 to 640 pixels"));
    }

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
    fn titles_refuse_control_characters() {
        assert!(matches!(title("a\u{7}b"), Err(RuleError::TitleControl { .. })));
        assert!(matches!(title("two\nlines"), Err(RuleError::TitleControl { .. })));
        assert_eq!(title("Ünïcode ok").unwrap(), "Ünïcode ok");
        assert!(title("evil\u{202E}txt").is_err());
        assert!(tag("\u{FEFF}bom").is_err());
        assert!(note("line one\nline two\ttab").is_ok());
        assert_eq!(note("nul\u{0}"), Err(RuleError::NoteControl));
    }

    #[test]
    fn quotes_are_cut_short() {
        assert_eq!(quote("abc"), "\"abc\"");
        let long = "é".repeat(10_000);
        let q = quote(&long);
        assert_eq!(q.chars().count(), QUOTE_MAX + 3);
        assert!(q.ends_with('…'));
    }

    #[test]
    fn ids() {
        assert!(id("collection", "0b9e1f9c-4f7e-4c43-a3a0-1b2f0b0c9d11").is_ok());
        assert!(id("collection", "").is_err());
        assert!(id("collection", "a b").is_err());
        let err = id("collection", &"x".repeat(8 << 20)).unwrap_err().to_string();
        assert!(err.len() < 250, "{err}");
        assert!(hex_id("0123456789abcdef01234567").is_ok());
        assert!(hex_id("0123456789ABCDEF01234567").is_err());
        assert!(hex_id("0123").is_err());
    }

    #[test]
    fn descriptions() {
        assert!(description(&"d".repeat(150)).is_ok());
        assert_eq!(description(&"d".repeat(151)), Err(RuleError::DescriptionTooLong { len: 151 }));
    }
}
