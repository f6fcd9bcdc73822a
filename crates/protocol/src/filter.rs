//! The typed filter, sort and selection. `trove-core` compiles them to parameterized SQL; the
//! server will read the same values from its query strings and bodies.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::model::ItemKind;

/// All clauses must hold (AND). An empty filter matches every item of the project.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct Filter {
    #[serde(default)]
    pub clauses: Vec<Clause>,
}

/// One chip of the filter bar; `negate` turns an include into an exclude.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct Clause {
    #[serde(default)]
    pub negate: bool,
    pub cond: Condition,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum TagMode {
    /// The item has at least one of the tags.
    Any,
    /// The item has every one of the tags.
    All,
    /// The item has none of the tags.
    None,
}

/// What one clause tests. Ranges are inclusive; a missing bound is open.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "field", rename_all = "snake_case", deny_unknown_fields)]
#[ts(export)]
pub enum Condition {
    /// The item is in one of these datasets.
    Datasets {
        #[ts(type = "Array<number>")]
        ids: Vec<i64>,
    },
    /// The item's name contains this text (case-insensitive).
    Name { contains: String },
    Kinds { kinds: Vec<ItemKind> },
    Tags { tags: Vec<String>, mode: TagMode },
    /// The item has at least one label (true) or none (false).
    Labeled { value: bool },
    Size {
        #[ts(type = "number | null")]
        min: Option<u64>,
        #[ts(type = "number | null")]
        max: Option<u64>,
    },
    Width { min: Option<u32>, max: Option<u32> },
    Height { min: Option<u32>, max: Option<u32> },
    Created {
        #[ts(type = "number | null")]
        from: Option<i64>,
        #[ts(type = "number | null")]
        to: Option<i64>,
    },
    Updated {
        #[ts(type = "number | null")]
        from: Option<i64>,
        #[ts(type = "number | null")]
        to: Option<i64>,
    },
    /// The item is a member of this collection.
    Collection {
        #[ts(type = "number")]
        id: i64,
    },
    /// The item is a member of at least one collection (negate: "in no collection").
    AnyCollection,
    /// The item has one of these statuses in this labeling queue ("accepted in queue Q"); see
    /// `queue` for which items a queue holds.
    Queue {
        #[ts(type = "number")]
        id: i64,
        statuses: Vec<crate::queue::QueueStatus>,
    },
    /// The item is one of these ("only selected").
    Ids {
        #[ts(type = "Array<number>")]
        ids: Vec<i64>,
    },
}

/// Most clauses in one filter (chips in the filter bar).
pub const CLAUSES_MAX: usize = 50;
/// Most values in one clause's list (datasets, kinds, tags).
pub const VALUES_MAX: usize = 1000;
/// Most ids in an "only selected" clause.
pub const IDS_MAX: usize = 100_000;
/// Most characters in a "name contains" text.
pub const NAME_MAX: usize = 200;

impl Filter {
    /// The bounds every filter keeps, on the server and in the app alike: at most
    /// [`CLAUSES_MAX`] clauses, [`VALUES_MAX`] values per list, [`IDS_MAX`] ids, and a name text
    /// of at most [`NAME_MAX`] characters. (Past them SQL would grow without bound.)
    pub fn check(&self) -> Result<(), crate::rules::RuleError> {
        use crate::rules::{at_most, RuleError};
        at_most("clauses", "filter", self.clauses.len(), CLAUSES_MAX)?;
        for clause in &self.clauses {
            match &clause.cond {
                Condition::Datasets { ids } => at_most("datasets", "filter clause", ids.len(), VALUES_MAX)?,
                Condition::Kinds { kinds } => at_most("kinds", "filter clause", kinds.len(), VALUES_MAX)?,
                Condition::Tags { tags, .. } => at_most("tags", "filter clause", tags.len(), VALUES_MAX)?,
                Condition::Queue { statuses, .. } => at_most("statuses", "filter clause", statuses.len(), VALUES_MAX)?,
                Condition::Ids { ids } => at_most("ids", "\"only selected\" clause", ids.len(), IDS_MAX)?,
                Condition::Name { contains } if contains.chars().count() > NAME_MAX => {
                    return Err(RuleError::TooMany { what: "characters", action: "name filter", n: contains.chars().count(), max: NAME_MAX })
                }
                _ => {}
            }
        }
        Ok(())
    }
}

impl Condition {
    /// Clauses of the same facet are left out when that facet's counts are computed.
    pub fn facet(&self) -> &'static str {
        match self {
            Condition::Datasets { .. } => "datasets",
            Condition::Kinds { .. } => "kinds",
            Condition::Tags { .. } => "tags",
            Condition::Queue { .. } => "queue",
            _ => "",
        }
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum SortKey {
    Name,
    Dataset,
    Size,
    /// Pixel count (width × height).
    Dimensions,
    Tags,
    Created,
    Updated,
    /// The order of the open collection; only meaningful with `ItemQuery::collection`.
    Position,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Sort {
    pub key: SortKey,
    #[serde(default)]
    pub desc: bool,
}

impl Default for Sort {
    fn default() -> Self {
        Self { key: SortKey::Name, desc: false }
    }
}

/// What the gallery shows: the project's items matching `filter`, inside `collection` when one
/// is open, in `sort` order (ties broken by id so the order is total and pages are stable).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct ItemQuery {
    #[serde(default)]
    pub filter: Filter,
    #[serde(default)]
    #[ts(type = "number | null")]
    #[ts(type = "number | null")]
    pub collection: Option<i64>,
    #[serde(default)]
    pub sort: Sort,
}

/// A selection: explicit ids, or "everything the query matches except these", so that
/// selecting a million items costs nothing and bulk actions run as one SQL statement.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
#[ts(export)]
pub enum Selection {
    Ids {
        #[ts(type = "Array<number>")]
        ids: Vec<i64>,
    },
    Matching {
        query: ItemQuery,
        #[ts(type = "Array<number>")]
        except: Vec<i64>,
    },
}
