//! Collections: create, rename and edit, soft-delete, list with counts.

use rand::Rng;
use rusqlite::{Connection, OptionalExtension};
use trove_protocol::{rules, Collection, CollectionPatch, Mutation, NewCollection, Theme};

use crate::error::{Error, Result};
use crate::cache::CacheReplica;
use crate::history::{Entry, Op, Placed};
use crate::{outbox, projects};

const COLUMNS: &str = "c.id, c.project_id, c.namespace, c.title, c.hex_id, c.description, c.private, c.theme, \
     (SELECT count(*) FROM member_order m WHERE m.collection_id = c.id), c.created_at, c.updated_at";

fn row(r: &rusqlite::Row) -> rusqlite::Result<Collection> {
    let namespace: String = r.get(2)?;
    let title: String = r.get(3)?;
    let hex_id: String = r.get(4)?;
    let theme: String = r.get(7)?;
    Ok(Collection {
        id: r.get(0)?,
        project_id: r.get(1)?,
        slug: rules::slug(&namespace, &title, &hex_id),
        title,
        description: r.get(5)?,
        private: r.get(6)?,
        theme: Theme::parse(&theme).unwrap_or(Theme::Orange),
        item_count: r.get::<_, i64>(8)? as u64,
        created_at: r.get(9)?,
        updated_at: r.get(10)?,
    })
}

/// A live (not deleted) collection.
pub fn get(conn: &Connection, id: i64) -> Result<Collection> {
    conn.query_row(&format!("SELECT {COLUMNS} FROM collections c WHERE c.id = ?1 AND c.deleted_at IS NULL"), [id], row)
        .optional()?
        .ok_or(Error::NotFound { what: "collection", id })
}

/// What checks need of a live collection, read without counting its members.
pub(crate) struct Live {
    pub project_id: i64,
    pub title: String,
}

/// The live collection `id`, or `NotFound`.
pub(crate) fn live(conn: &Connection, id: i64) -> Result<Live> {
    conn.query_row("SELECT project_id, title FROM collections WHERE id = ?1 AND deleted_at IS NULL", [id], |r| {
        Ok(Live { project_id: r.get(0)?, title: r.get(1)? })
    })
    .optional()?
    .ok_or(Error::NotFound { what: "collection", id })
}

pub(crate) fn uuid_of(conn: &Connection, id: i64) -> Result<String> {
    Ok(conn.query_row("SELECT uuid FROM collections WHERE id = ?1", [id], |r| r.get(0))?)
}

/// Every live collection of the project with its item count, by title.
pub fn list(conn: &Connection, project: i64) -> Result<Vec<Collection>> {
    projects::require(conn, project)?;
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM collections c WHERE c.project_id = ?1 AND c.deleted_at IS NULL ORDER BY c.title COLLATE NOCASE, c.id"
    ))?;
    let rows = stmt.query_map([project], row)?.collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

fn check_unique(conn: &Connection, project: i64, title: &str, except: Option<i64>) -> Result<()> {
    let existing: Option<String> = conn
        .query_row(
            "SELECT title FROM collections WHERE project_id = ?1 AND title_slug = ?2 AND deleted_at IS NULL AND id IS NOT ?3",
            rusqlite::params![project, rules::slugify(title), except],
            |r| r.get(0),
        )
        .optional()?;
    match existing {
        Some(existing) => Err(Error::DuplicateTitle { existing }),
        None => Ok(()),
    }
}

fn project_uuid(conn: &Connection, project: i64) -> Result<String> {
    Ok(conn.query_row("SELECT uuid FROM projects WHERE id = ?1", [project], |r| r.get(0))?)
}

pub fn create(conn: &Connection, project: i64, input: &NewCollection, owner: &str) -> Result<Collection> {
    projects::require(conn, project)?;
    let title = rules::title(&input.title)?;
    let description = rules::description(&input.description)?;
    check_unique(conn, project, &title, None)?;
    let theme = input.theme.unwrap_or(Theme::Orange);
    let uuid = uuid::Uuid::new_v4().to_string();
    let hex_id: String = hex::encode(rand::rng().random::<[u8; 12]>());
    let m = Mutation::CreateCollection {
        collection: uuid.clone(),
        project: project_uuid(conn, project)?,
        hex_id,
        title,
        description,
        private: input.private,
        theme,
    };
    // What the create does is the rulebook's, as when the server applies it.
    trove_rulebook::apply(&m, &mut CacheReplica::new(conn, project, owner)?)?;
    outbox::append(conn, project, &m)?;
    let id = crate::cache::collection_id(conn, &uuid)?.ok_or(Error::NotFound { what: "collection", id: 0 })?;
    get(conn, id)
}

pub fn update(conn: &Connection, id: i64, patch: &CollectionPatch) -> Result<Collection> {
    let current = live(conn, id)?;
    let mut clean = CollectionPatch { private: patch.private, theme: patch.theme, ..CollectionPatch::default() };
    if let Some(t) = &patch.title {
        let t = rules::title(t)?;
        check_unique(conn, current.project_id, &t, Some(id))?;
        clean.title = Some(t);
    }
    if let Some(d) = &patch.description {
        clean.description = Some(rules::description(d)?);
    }
    if clean != CollectionPatch::default() {
        let m = Mutation::UpdateCollection { collection: uuid_of(conn, id)?, patch: clean };
        trove_rulebook::apply(&m, &mut CacheReplica::new(conn, current.project_id, "")?)?;
        outbox::append(conn, current.project_id, &m)?;
    }
    get(conn, id)
}

/// Soft-deletes: the collection disappears from every list; its memberships stay for sync.
pub fn delete(conn: &Connection, id: i64) -> Result<()> {
    let current = live(conn, id)?;
    let m = Mutation::DeleteCollection { collection: uuid_of(conn, id)? };
    trove_rulebook::apply(&m, &mut CacheReplica::new(conn, current.project_id, "")?)?;
    outbox::append(conn, current.project_id, &m)?;
    Ok(())
}


impl crate::Store {
    pub fn collections(&self, project: i64) -> Result<Vec<Collection>> {
        self.read(|c| list(c, project))
    }

    pub fn create_collection(&self, project: i64, input: &NewCollection) -> Result<Collection> {
        self.journaled(|tx| {
            let c = create(tx, project, input, self.actor())?;
            let op = Op::Created { collection: c.id, input: input.clone() };
            let label = format!("Create collection {}", c.title);
            Ok((c, Entry::new(project, label, vec![op])))
        })
    }

    pub fn update_collection(&self, id: i64, patch: &CollectionPatch) -> Result<Collection> {
        self.journaled(|tx| {
            let old = get(tx, id)?;
            let new = update(tx, id, patch)?;
            let before = CollectionPatch {
                title: (old.title != new.title).then(|| old.title.clone()),
                description: (old.description != new.description).then(|| old.description.clone()),
                private: (old.private != new.private).then_some(old.private),
                theme: (old.theme != new.theme).then_some(old.theme),
            };
            let after = CollectionPatch {
                title: before.title.as_ref().map(|_| new.title.clone()),
                description: before.description.as_ref().map(|_| new.description.clone()),
                private: before.private.map(|_| new.private),
                theme: before.theme.map(|_| new.theme),
            };
            let label = if before.title.is_some() { format!("Rename {} to {}", old.title, new.title) } else { format!("Edit collection {}", new.title) };
            let ops = if before == CollectionPatch::default() { Vec::new() } else { vec![Op::Updated { collection: id, before, after }] };
            Ok((new.clone(), Entry::new(new.project_id, label, ops)))
        })
    }

    pub fn delete_collection(&self, id: i64) -> Result<()> {
        self.journaled(|tx| {
            let c = get(tx, id)?;
            let items = Placed::of(crate::cache::in_order(tx, id, None, true)?);
            delete(tx, id)?;
            let input = NewCollection { title: c.title.clone(), description: c.description, private: c.private, theme: Some(c.theme) };
            let op = Op::Deleted { collection: id, input, items };
            Ok(((), Entry::new(c.project_id, format!("Delete collection {}", c.title), vec![op])))
        })
    }
}

#[cfg(test)]
mod tests {
    use trove_protocol::ErrorCode;

    use super::*;
    use crate::testing::fixture;

    fn input(title: &str) -> NewCollection {
        NewCollection { title: title.into(), description: "d".into(), private: false, theme: None }
    }

    #[test]
    fn create_rename_and_delete() {
        let f = fixture();
        let c = f.store.create_collection(f.p, &input("  False positives ")).unwrap();
        assert_eq!(c.title, "False positives");
        assert!(c.slug.starts_with("lab/false-positives-"), "a synced project's collection is in its server namespace: {}", c.slug);
        assert_eq!(c.slug.rsplit('-').next().unwrap().len(), 24);
        assert_eq!(c.theme, Theme::Orange);
        let patch = CollectionPatch { title: Some("Hard negatives".into()), private: Some(true), theme: Some(Theme::Blue), description: None };
        let r = f.store.update_collection(c.id, &patch).unwrap();
        assert_eq!((r.title.as_str(), r.private, r.theme, r.description.as_str()), ("Hard negatives", true, Theme::Blue, "d"));
        assert_eq!(r.slug.rsplit('-').next(), c.slug.rsplit('-').next(), "the id suffix never changes");
        f.store.delete_collection(c.id).unwrap();
        assert!(f.store.collections(f.p).unwrap().is_empty());
        // The title is free again once deleted.
        f.store.create_collection(f.p, &input("Hard negatives")).unwrap();
        let kinds: Vec<&str> = f.store.outbox().unwrap().iter().map(|(_, m)| m.name()).collect();
        assert_eq!(kinds, ["create_collection", "update_collection", "delete_collection", "create_collection"]);
        // A local project's collections are in the local namespace, and nobody is told of them.
        let local = f.store.create_collection(f.q, &input("Only here")).unwrap();
        assert!(local.slug.starts_with("local/only-here-"), "{}", local.slug);
        f.store.delete_collection(local.id).unwrap();
        assert_eq!(f.store.outbox().unwrap().len(), 4, "local projects record no mutations");
    }

    #[test]
    fn bad_input_is_refused_with_a_typed_error_and_no_change() {
        let f = fixture();
        let c = f.store.create_collection(f.p, &input("Cats")).unwrap();
        let before = f.snapshot();
        let cases: Vec<(Error, ErrorCode, &str)> = vec![
            (f.store.create_collection(f.p, &input("")).unwrap_err(), ErrorCode::InvalidInput, "title is empty; a collection needs a title"),
            (f.store.create_collection(f.p, &input("   ")).unwrap_err(), ErrorCode::InvalidInput, "title is empty; a collection needs a title"),
            (f.store.create_collection(f.p, &input(&"t".repeat(61))).unwrap_err(), ErrorCode::InvalidInput, "title is 61 characters; at most 60 are allowed"),
            (
                f.store.create_collection(f.p, &input("cats!")).unwrap_err(),
                ErrorCode::Conflict,
                "a collection titled \"Cats\" already exists in this project; choose another title",
            ),
            (
                f.store.create_collection(f.p, &NewCollection { description: "x".repeat(151), ..input("Dogs") }).unwrap_err(),
                ErrorCode::InvalidInput,
                "description is 151 characters; at most 150 are allowed",
            ),
            (
                f.store.update_collection(c.id, &CollectionPatch { title: Some(" ".into()), ..Default::default() }).unwrap_err(),
                ErrorCode::InvalidInput,
                "title is empty; a collection needs a title",
            ),
            (f.store.create_collection(99, &input("Dogs")).unwrap_err(), ErrorCode::NotFound, "project 99 does not exist"),
            (f.store.delete_collection(99).unwrap_err(), ErrorCode::NotFound, "collection 99 does not exist"),
        ];
        for (err, code, message) in cases {
            assert_eq!((err.code(), err.to_string().as_str()), (code, message));
        }
        assert_eq!(f.snapshot(), before, "refused input changed nothing");
        // The same title in another project is fine.
        f.store.create_collection(f.q, &input("Cats")).unwrap();
        // Unknown themes never reach the core: the wire type refuses them.
        let err = serde_json::from_str::<NewCollection>(r#"{"title":"x","theme":"teal"}"#).unwrap_err();
        assert!(err.to_string().contains("teal"), "{err}");
    }
}
