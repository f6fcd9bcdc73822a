use trove_protocol::{Clause, Condition, Filter, ItemQuery, Mutation, Sort, SortKey, TagMode};

use crate::testing::{fixture, ids, Fixture};

fn clause(cond: Condition) -> Clause {
    Clause { negate: false, cond }
}

fn dogs() -> ItemQuery {
    ItemQuery {
        filter: Filter { clauses: vec![clause(Condition::Tags { tags: vec!["dog".into()], mode: TagMode::Any })] },
        collection: None,
        sort: Sort { key: SortKey::Size, desc: true },
    }
}

fn pending(f: &Fixture) -> Vec<Mutation> {
    f.store.outbox().unwrap().into_iter().map(|(_, m)| m).collect()
}

#[test]
fn a_saved_view_keeps_its_filter_and_sort_and_counts_live() {
    let f = fixture();
    let v = f.store.create_view(f.p, "  Dogs ", &dogs()).unwrap();
    assert_eq!((v.name.as_str(), v.count, v.query.clone()), ("Dogs", 2, dogs()));
    assert!(matches!(pending(&f).last(), Some(Mutation::CreateView { name, .. }) if name == "Dogs"), "queued for sync");

    // The data changes: the count follows.
    f.store.tag_items(f.p, &ids(&[4]), &["dog".into()]).unwrap();
    let listed = f.store.views(f.p).unwrap();
    assert_eq!(listed.iter().map(|v| (v.name.as_str(), v.count)).collect::<Vec<_>>(), [("Dogs", 3)]);
    assert_eq!(f.ids(&listed[0].query), [4, 3, 2], "opening it gives the filter's result now, in its sort");

    // Rename, then save another filter into it.
    let cats = ItemQuery { filter: Filter { clauses: vec![clause(Condition::Tags { tags: vec!["cat".into()], mode: TagMode::Any })] }, ..ItemQuery::default() };
    let v = f.store.update_view(v.id, Some("Animals"), None).unwrap();
    assert_eq!((v.name.as_str(), v.query.clone()), ("Animals", dogs()));
    let v = f.store.update_view(v.id, None, Some(&cats)).unwrap();
    assert_eq!((v.name.as_str(), v.count, v.query.clone()), ("Animals", 2, cats));
    assert!(f.store.update_view(v.id, Some("   "), None).unwrap_err().to_string().contains("view name is empty"));

    f.store.delete_view(v.id).unwrap();
    assert!(f.store.views(f.p).unwrap().is_empty());
    assert!(f.store.view(v.id).is_err());
    let names: Vec<&str> = pending(&f).iter().map(Mutation::name).filter(|n| n.ends_with("_view")).collect();
    assert_eq!(names, ["create_view", "update_view", "update_view", "delete_view"]);
}

#[test]
fn a_filter_naming_a_deleted_collection_still_opens_and_says_what_is_missing() {
    let f = fixture();
    let c = f.collection("Picks");
    f.store.add_to_collection(f.p, c, &ids(&[1, 2])).unwrap();
    let q = ItemQuery { collection: Some(c), ..dogs() };
    let v = f.store.create_view(f.p, "Dogs in picks", &q).unwrap();
    assert_eq!(v.query.collection, None, "a view spans the project; the open collection became a clause");
    assert_eq!(v.count, 1);
    f.store.delete_collection(c).unwrap();
    let opened = f.store.view(v.id).unwrap();
    assert_eq!(opened.query, dogs(), "the tag clause and the sort still apply");
    assert_eq!(opened.count, 2);
    assert_eq!(opened.missing.len(), 1);
    assert!(opened.missing[0].contains("collection was deleted"), "{:?}", opened.missing);
    assert_eq!(f.store.views(f.p).unwrap()[0].missing, opened.missing);
}

#[test]
fn a_view_of_a_collection_order_sorts_by_name_and_a_selection_cannot_be_saved() {
    let f = fixture();
    let c = f.collection("Picks");
    let v = f.store.create_view(f.p, "Picks", &ItemQuery { collection: Some(c), sort: Sort { key: SortKey::Position, desc: false }, ..ItemQuery::default() }).unwrap();
    assert_eq!(v.query.sort, Sort::default());
    let only = ItemQuery { filter: Filter { clauses: vec![clause(Condition::Ids { ids: vec![1] })] }, ..ItemQuery::default() };
    let err = f.store.create_view(f.p, "Mine", &only).unwrap_err().to_string();
    assert!(err.contains("“only selected” filter cannot be saved"), "{err}");
}

#[test]
fn converting_a_view_snapshots_its_result_into_a_collection_in_one_undo_step() {
    let f = fixture();
    let v = f.store.create_view(f.p, "Dogs", &dogs()).unwrap();
    let made = f.store.convert_view(v.id, "Dogs, today").unwrap();
    assert_eq!((made.collection.title.as_str(), made.collection.item_count), ("Dogs, today", 2));
    assert_eq!(f.members(made.collection.id), [3, 2], "in the view's order");
    // A snapshot: the view moves on, the collection does not.
    f.store.tag_items(f.p, &ids(&[4]), &["dog".into()]).unwrap();
    assert_eq!(f.store.view(v.id).unwrap().count, 3);
    assert_eq!(f.members(made.collection.id).len(), 2);
    f.store.undo(f.p).unwrap();
    f.store.undo(f.p).unwrap();
    assert!(f.store.collections(f.p).unwrap().iter().all(|c| c.id != made.collection.id), "its undo removes the new collection");
}

#[test]
fn views_of_a_local_project_stay_local() {
    let f = fixture();
    let before = f.outbox_len();
    let v = f.store.create_view(f.q, "Cats", &ItemQuery::default()).unwrap();
    assert_eq!(v.count, 1);
    assert_eq!(f.outbox_len(), before, "nothing to sync");
}
