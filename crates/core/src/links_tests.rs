use trove_protocol::{Clause, Condition, Filter, ItemQuery, Sort, SortKey, TagMode};

use super::*;
use crate::testing::{fixture, Fixture};

fn clause(cond: Condition) -> Clause {
    Clause { negate: false, cond }
}

fn query(f: &Fixture, collection: Option<i64>) -> ItemQuery {
    ItemQuery {
        filter: Filter {
            clauses: vec![
                clause(Condition::Datasets { ids: vec![f.b] }),
                clause(Condition::Tags { tags: vec!["dog".into()], mode: TagMode::Any }),
            ],
        },
        collection,
        sort: Sort { key: SortKey::Size, desc: true },
    }
}

#[test]
fn a_link_names_the_project_collection_and_filter_by_uuid_and_opens_the_same_place() {
    let f = fixture();
    let c = f.collection("Picks");
    let q = query(&f, Some(c));
    let link = f.store.link(f.p, &q).unwrap();
    assert!(link.starts_with("trove://open?project="), "{link}");
    let b_uuid: String = f.store.read(|conn| Ok(conn.query_row("SELECT uuid FROM datasets WHERE id = ?1", [f.b], |r| r.get(0))?)).unwrap();
    assert!(url::Url::parse(&link).unwrap().query_pairs().any(|(k, v)| k == "filter" && v.contains(&b_uuid)), "datasets travel by UUID: {link}");
    let target = f.store.resolve_link(&link).unwrap();
    assert_eq!((target.project_id, target.query, target.missing), (f.p, q, Vec::<String>::new()));
}

#[test]
fn what_a_link_names_that_is_gone_is_left_out_and_said_while_the_rest_opens() {
    let f = fixture();
    let c = f.collection("Short-lived");
    let mut q = query(&f, Some(c));
    q.filter.clauses.push(clause(Condition::Collection { id: c }));
    let link = f.store.link(f.p, &q).unwrap();
    f.store.delete_collection(c).unwrap();
    let target = f.store.resolve_link(&link).unwrap();
    assert_eq!(target.query.collection, None, "the deleted collection is not opened");
    assert_eq!(target.query.filter.clauses.len(), 2, "the dataset and tag clauses still apply");
    assert_eq!(target.missing.len(), 2, "{:?}", target.missing);
    assert!(target.missing[0].contains("collection it opens"), "{:?}", target.missing);
    assert!(target.missing[1].contains("“in collection” filter"), "{:?}", target.missing);
    // The resolved query runs.
    assert!(f.store.item_ids(f.p, &target.query, 0, 10).is_ok());
}

#[test]
fn hostile_links_are_refused_with_a_sentence_that_quotes_them_cut_short() {
    let f = fixture();
    let err = |s: &str| f.store.resolve_link(s).unwrap_err().to_string();
    assert!(err("https://example.com/x").starts_with("“https://example.com/x” is not a Trove link"));
    assert!(err(&format!("trove://open?project={}", "x".repeat(LINK_MAX))).contains("too long"));
    let long = format!("trove://delete?{}", "y".repeat(200));
    assert!(err(&long).chars().count() < 150, "quoted cut short: {}", err(&long));
    assert!(err("trove://open?project=nope").contains("not on this computer"));
    let p: String = f.store.read(|c| Ok(c.query_row("SELECT uuid FROM projects WHERE id = ?1", [f.p], |r| r.get(0))?)).unwrap();
    assert!(err(&format!("trove://open?project={p}&filter=%7B%22clauses%22%3A5%7D")).contains("filter is not one Trove reads"));
    assert!(err(&format!("trove://open?project={p}&sort=%22sideways%22")).contains("sort"));
    let too_many = serde_json::json!({ "clauses": vec![serde_json::json!({"negate": false, "cond": {"field": "labeled", "value": true}}); 51] });
    let url = url::Url::parse_with_params("trove://open", &[("project", p.as_str()), ("filter", &too_many.to_string())]).unwrap();
    assert!(f.store.resolve_link(url.as_str()).is_err(), "a filter past its bounds is refused");
}

#[test]
fn a_link_does_not_carry_a_selection() {
    let f = fixture();
    let q = ItemQuery { filter: Filter { clauses: vec![clause(Condition::Ids { ids: vec![1, 2] })] }, ..Default::default() };
    assert!(f.store.link(f.p, &q).unwrap_err().to_string().contains("only selected"));
}
