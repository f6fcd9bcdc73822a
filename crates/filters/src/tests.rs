//! The compiler over a schema that shares no name with either real one, so nothing it writes
//! can lean on a hard-coded table or column; the real schemas are tested by their owners
//! through [`crate::examples::run_all`].

use rusqlite::Connection;
use trove_protocol::{Clause, Condition, Filter, ItemQuery, QueueStatus, Sort, SortKey, TagMode};

use super::*;
use crate::examples::{run_all, Ids};
use crate::name_upkeep;

const ODD: Schema = Schema {
    items: Items {
        table: "things",
        alias: "x",
        id: "thing_id",
        project: "prj",
        dataset: "ds",
        name: "title",
        kind: "sort_of",
        size: "bytes",
        width: "w",
        height: "h",
        labels_count: "labels",
        created_at: "born",
        updated_at: "touched",
        tags_text: "tag_line",
    },
    datasets: Datasets { table: "sets", id: "set_id", name: "label" },
    item_tags: ItemTags { table: "thing_words", item: "thing", tag: "word" },
    tags: Tags { table: "words", id: "word_id", name: "spelling" },
    memberships: Memberships { table: "links", alias: "l", collection: "box", item: "thing", position: "pos" },
    collections: Collections { table: "boxes", id: "box_id", deleted_at: "gone_at" },
    queues: Queues { table: "lines", id: "line_id", collection: "source", closed: "shut" },
    queue_entries: QueueEntries { table: "line_states", queue: "line", item: "thing", status: "state" },
    names: Some(NameIndex { table: "title_grams", pending: "title_grams_todo" }),
    tag_sep: '|',
};

/// [`ODD`] without its name index: every name search is the plain `instr` test.
const PLAIN: Schema = Schema { names: None, ..ODD };

/// Things 1–4 of project 1 (thing 5 is in project 2): 1 "Alpha" in set 1 tagged cat, 2 "beta"
/// in set 1 tagged cat and dog, 3 "gamma" in set 2 tagged dog, 4 "delta" in set 2 untagged.
/// Box 1 holds 3 then 1; box 2 (deleted) holds 4. Line (queue) 1 follows box 1: thing 1
/// annotating, thing 4 done after it left the box, thing 2 claimed but no longer in the box;
/// line 2 follows the deleted box 2 (thing 2 accepted); line 3 follows box 1 but is shut
/// (thing 1 rejected).
fn db() -> Connection {
    let conn = Connection::open_in_memory().unwrap();
    rusqlite::vtab::array::load_module(&conn).unwrap();
    conn.execute_batch(
        "CREATE TABLE sets (set_id INTEGER PRIMARY KEY, label TEXT);
         CREATE TABLE things (thing_id INTEGER PRIMARY KEY, prj INTEGER, ds INTEGER, title TEXT, sort_of TEXT, bytes INTEGER,
                              w INTEGER, h INTEGER, labels INTEGER, born INTEGER, touched INTEGER, tag_line TEXT);
         CREATE TABLE words (word_id INTEGER PRIMARY KEY, spelling TEXT);
         CREATE TABLE thing_words (thing INTEGER, word INTEGER);
         CREATE TABLE boxes (box_id INTEGER PRIMARY KEY, gone_at INTEGER);
         CREATE TABLE links (box INTEGER, thing INTEGER, pos TEXT);
         CREATE TABLE lines (line_id INTEGER PRIMARY KEY, source INTEGER, shut INTEGER);
         CREATE TABLE line_states (line INTEGER, thing INTEGER, state TEXT);
         INSERT INTO lines VALUES (1, 1, 0), (2, 2, 0), (3, 1, 1);
         INSERT INTO line_states VALUES (1, 1, 'annotating'), (1, 4, 'done'), (1, 2, 'annotating'), (2, 2, 'accepted'), (3, 1, 'rejected');
         INSERT INTO sets VALUES (1, 'one'), (2, 'two');
         INSERT INTO things VALUES
           (1, 1, 1, 'Alpha', 'image', 100, 10, 10, 0, 1000, 1000, 'cat'),
           (2, 1, 1, 'beta', 'image', 200, NULL, NULL, 2, 2000, 2000, 'cat|dog'),
           (3, 1, 2, 'gamma', 'model', 300, 30, 10, 1, 3000, 3000, 'dog'),
           (4, 1, 2, 'delta', 'image', 400, 40, 40, 0, 4000, 4000, ''),
           (5, 2, 1, 'alpha', 'image', 500, 10, 10, 0, 5000, 5000, 'cat');
         INSERT INTO words VALUES (1, 'cat'), (2, 'dog');
         INSERT INTO thing_words VALUES (1, 1), (2, 1), (2, 2), (3, 2), (5, 1);
         INSERT INTO boxes VALUES (1, NULL), (2, 7);
         INSERT INTO links VALUES (1, 3, 'a0'), (1, 1, 'a1'), (2, 4, 'a0');",
    )
    .unwrap();
    conn.execute_batch(NAME_INDEX).unwrap();
    conn
}

/// The name index of [`ODD`], as the real migrations make theirs: an external-content FTS5
/// trigram table filled from the rows already there, and the pending table its triggers fill, which
/// [`upkeep`] (`name_upkeep`) empties into the index as a write transaction would.
const NAME_INDEX: &str = "
    CREATE VIRTUAL TABLE title_grams USING fts5(title, content='things', content_rowid='thing_id', tokenize='trigram case_sensitive 0');
    INSERT INTO title_grams (rowid, title) SELECT thing_id, title FROM things ORDER BY thing_id;
    CREATE TABLE title_grams_todo (id INTEGER PRIMARY KEY, fresh INTEGER NOT NULL, old_name TEXT);
    CREATE TRIGGER title_grams_insert AFTER INSERT ON things BEGIN
        INSERT INTO title_grams_todo (id, fresh, old_name) VALUES (NEW.thing_id, 1, NULL) ON CONFLICT (id) DO NOTHING;
    END;
    CREATE TRIGGER title_grams_delete AFTER DELETE ON things BEGIN
        INSERT INTO title_grams_todo (id, fresh, old_name) VALUES (OLD.thing_id, 0, OLD.title) ON CONFLICT (id) DO NOTHING;
    END;
    CREATE TRIGGER title_grams_update AFTER UPDATE OF title ON things WHEN NEW.title IS NOT OLD.title BEGIN
        INSERT INTO title_grams_todo (id, fresh, old_name) VALUES (NEW.thing_id, 0, OLD.title) ON CONFLICT (id) DO NOTHING;
    END;";

/// What every write transaction of the app and the server runs before it commits.
fn upkeep(conn: &Connection) {
    conn.execute_batch(&name_upkeep(&ODD).unwrap()).unwrap();
    let left: i64 = conn.query_row("SELECT count(*) FROM title_grams_todo", [], |r| r.get(0)).unwrap();
    assert_eq!(left, 0);
}

fn ids(conn: &Connection, query: &ItemQuery, scope: Scope) -> Vec<i64> {
    ids_in(&ODD, conn, query, scope)
}

fn ids_in(schema: &Schema, conn: &Connection, query: &ItemQuery, scope: Scope) -> Vec<i64> {
    let sql = from_where_in(schema, 1, query, |_| false, scope);
    let text = format!("SELECT x.thing_id{}{}", sql.text, order_by(schema, query));
    conn.prepare(&text).unwrap().query_map(sql.params(), |r| r.get(0)).unwrap().collect::<Result<_, _>>().unwrap()
}

fn only(cond: Condition, negate: bool) -> ItemQuery {
    ItemQuery { filter: Filter { clauses: vec![Clause { negate, cond }] }, ..Default::default() }
}

#[test]
fn every_example_runs_on_a_schema_named_unlike_either_real_one() {
    let conn = db();
    let ran = run_all(&ODD, &conn, Ids { project: 1, dataset: 1, collection: 1, item: 1 }).unwrap();
    assert!(ran > 100, "{ran} statements");
}

#[test]
fn filters_and_sorts_follow_the_schema_it_is_given() {
    let conn = db();
    let all = Scope::All;
    assert_eq!(ids(&conn, &ItemQuery::default(), all), [1, 2, 4, 3], "name order, case-insensitive, one project");
    assert_eq!(ids(&conn, &only(Condition::Name { contains: "ALPHA".into() }, false), all), [1]);
    assert_eq!(ids(&conn, &only(Condition::Datasets { ids: vec![2] }, false), all), [4, 3]);
    let tags = |mode| Condition::Tags { tags: vec!["cat".into(), "dog".into()], mode };
    assert_eq!(ids(&conn, &only(tags(TagMode::All), false), all), [2]);
    assert_eq!(ids(&conn, &only(tags(TagMode::None), false), all), [4]);
    assert_eq!(ids(&conn, &only(Condition::Width { min: Some(20), max: None }, true), all), [1, 2], "no width is not excluded");
    assert_eq!(ids(&conn, &only(Condition::AnyCollection, false), all), [1, 3], "a deleted box holds nothing");
    assert_eq!(ids(&conn, &only(Condition::AnyCollection, false), Scope::Collections(&[2])), Vec::<i64>::new());
    let in_box = ItemQuery { collection: Some(1), sort: Sort { key: SortKey::Position, desc: false }, ..Default::default() };
    assert_eq!(ids(&conn, &in_box, all), [3, 1]);
    let by_tags = ItemQuery { sort: Sort { key: SortKey::Tags, desc: false }, ..Default::default() };
    assert_eq!(ids(&conn, &by_tags, all), [1, 2, 3, 4], "cat, cat|dog, dog, then untagged");
    let by_set = ItemQuery { sort: Sort { key: SortKey::Dataset, desc: true }, ..Default::default() };
    assert_eq!(ids(&conn, &by_set, all), [3, 4, 2, 1]);
    assert_eq!(ODD.split_tags("cat|dog"), ["cat", "dog"]);
    assert_eq!(ODD.join_tags(&["cat", "dog"]), "cat|dog");
    assert!(ODD.split_tags("").is_empty());
}

#[test]
fn a_name_search_through_the_trigram_index_finds_what_instr_finds() {
    let conn = db();
    let tricky = [
        "ALPHABET soup", "100% juice", "100_percent", "it's \"quoted\"", "say \"\"twice\"\"", "Ünïcödé Straße", "ünïcödé strasse",
        "École", "école", "tab\there", "two  spaces", "emoji 🐱‍👤 cat", "a*b", "x:y", "NEAR(a b)", "AND OR NOT", "trailing ", " leading",
        "日本語のファイル", "İstanbul", "ǅemal", "ﬁle ligature", "x') OR 1=1 --", "caf\u{e9} and cafe\u{301}",
    ];
    for (k, name) in tricky.iter().enumerate() {
        conn.execute("INSERT INTO things (thing_id, prj, ds, title) VALUES (?1, 1, 1, ?2)", rusqlite::params![10 + k as i64, name]).unwrap();
    }
    upkeep(&conn);
    let searches = [
        "", "a", "al", "é", "%", "_", "\"", "alp", "ALPHA", "% j", "0% ", "_p", "100_", "\"quoted\"", "\"\"", "'s \"", "ünï", "ÜNÏ",
        "straße", "STRASSE", "éco", "ÉCO", "Éco", "cole", "\ther", "  s", "🐱‍👤", "a*b", "*b", "x:y", "NEAR(", "AND OR", " OR ", "g ", " l",
        "本語の", "İst", "ist", "ǆem", "ǅem", "fil", "ﬁle", "') OR", "café", "cafe\u{301}", "e\u{301}", "zzz",
    ];
    let check = |conn: &Connection| {
        let mut found = 0;
        for text in searches {
            for negate in [false, true] {
                let query = only(Condition::Name { contains: text.into() }, negate);
                let want = ids_in(&PLAIN, conn, &query, Scope::All);
                assert_eq!(ids_in(&ODD, conn, &query, Scope::All), want, "name contains {text:?}, negated {negate}");
                found += want.len();
            }
            let sql = from_where(&ODD, 1, &only(Condition::Name { contains: text.into() }, false), |_| false);
            assert_eq!(sql.text.contains("MATCH"), text.chars().count() >= 3, "{text:?}: {}", sql.text);
        }
        assert!(found > searches.len(), "the searches find names");
    };
    check(&conn);
    // The triggers keep the index current: a rename, a delete, a new row.
    conn.execute_batch(
        "UPDATE things SET title = 'renamed 100% Alpha' WHERE thing_id = 1;
         DELETE FROM things WHERE thing_id = 11;
         INSERT INTO things (thing_id, prj, ds, title) VALUES (99, 1, 1, 'new \"quoted\" école');",
    )
    .unwrap();
    upkeep(&conn);
    // In one transaction: inserted then renamed, renamed twice, deleted then inserted again
    // under the same id, inserted then deleted; the index follows the last state of each.
    conn.execute_batch(
        "INSERT INTO things (thing_id, prj, ds, title) VALUES (100, 1, 1, 'first draft');
         UPDATE things SET title = 'final cut' WHERE thing_id = 100;
         UPDATE things SET title = 'ALPHABET one' WHERE thing_id = 10;
         UPDATE things SET title = 'ALPHABET two' WHERE thing_id = 10;
         DELETE FROM things WHERE thing_id = 12;
         INSERT INTO things (thing_id, prj, ds, title) VALUES (12, 1, 1, 'reborn 100_percent');
         INSERT INTO things (thing_id, prj, ds, title) VALUES (101, 1, 1, 'gone soon');
         DELETE FROM things WHERE thing_id = 101;",
    )
    .unwrap();
    upkeep(&conn);
    check(&conn);
    let find = |text: &str| ids(&conn, &only(Condition::Name { contains: text.into() }, false), Scope::All);
    assert_eq!(find("final"), [100]);
    assert!(find("draft").is_empty() && find("gone").is_empty() && find("one").is_empty());
    assert_eq!(find("ET TWO"), [10]);
    assert_eq!(find("reborn"), [12]);
    check(&conn);
    assert_eq!(ids(&conn, &only(Condition::Name { contains: "100%".into() }, false), Scope::All), [1]);
    assert_eq!(fts_string("say \"hi\""), "\"say \"\"hi\"\"\"");
}

#[test]
fn a_queue_holds_its_live_members_and_the_history_of_the_rest() {
    let conn = db();
    let q = |id, statuses: &[QueueStatus]| ids(&conn, &only(Condition::Queue { id, statuses: statuses.to_vec() }, false), Scope::All);
    use QueueStatus::*;
    assert_eq!(q(1, &[Pending]), [3], "a member without an entry is pending");
    assert_eq!(q(1, &[Annotating]), [1], "a claim of an item that left the box is not in the queue");
    assert_eq!(q(1, &[Done]), [4], "a submission stays after the item left");
    assert_eq!(q(1, &[Pending, Done]), [4, 3]);
    assert_eq!(q(1, &QueueStatus::ALL), [1, 4, 3]);
    assert_eq!(q(2, &[Pending]), Vec::<i64>::new(), "a deleted box feeds nothing");
    assert_eq!(q(2, &[Accepted]), [2], "its history stays");
    assert_eq!(q(3, &[Pending, Annotating]), Vec::<i64>::new(), "a closed queue follows nothing");
    assert_eq!(q(3, &[Rejected]), [1]);
    let not_done = ids(&conn, &only(Condition::Queue { id: 1, statuses: vec![Done] }, true), Scope::All);
    assert_eq!(not_done, [1, 2, 3]);
}

#[test]
fn values_are_bound_never_spliced() {
    let hostile = "x') OR 1=1 --";
    let query = ItemQuery {
        filter: Filter {
            clauses: vec![
                Clause { negate: false, cond: Condition::Name { contains: hostile.into() } },
                Clause { negate: false, cond: Condition::Tags { tags: vec![hostile.into()], mode: TagMode::Any } },
                Clause { negate: true, cond: Condition::Size { min: Some(987654321), max: None } },
            ],
        },
        collection: Some(424242),
        ..Default::default()
    };
    let mut sql = from_where(&ODD, 7777777, &query, |_| false);
    after(&ODD, &mut sql, &query, &[Value::Text(hostile.into()), Value::Integer(31337)]);
    for value in [hostile, "987654321", "424242", "7777777", "31337"] {
        assert!(!sql.text.contains(value), "{value} is in {}", sql.text);
    }
    assert_eq!(sql.text.matches('?').count(), sql.params.len());
    assert!(db().prepare(&format!("SELECT x.thing_id{}", sql.text)).is_ok());
}

#[test]
fn meaningless_filters_are_refused_naming_the_value() {
    let bad = |cond| check(&Filter { clauses: vec![Clause { negate: false, cond }] }).unwrap_err().to_string();
    assert_eq!(bad(Condition::Size { min: Some(5), max: Some(1) }), "size range 5..1 is empty; the minimum is above the maximum");
    assert!(bad(Condition::Datasets { ids: vec![] }).contains("names no dataset"));
    assert!(bad(Condition::Tags { tags: vec!["  ".into()], mode: TagMode::Any }).contains("tag is empty"));
    let many = Filter { clauses: vec![Clause { negate: false, cond: Condition::AnyCollection }; 51] };
    assert_eq!(check(&many).unwrap_err().to_string(), "51 clauses in one filter; at most 50 are allowed");
}

#[test]
fn a_name_search_most_names_hold_tests_every_name_instead_of_the_index() {
    let conn = db();
    conn.execute_batch(
        "WITH RECURSIVE n(k) AS (SELECT 1000 UNION ALL SELECT k + 1 FROM n WHERE k < 13000)
         INSERT INTO things (thing_id, prj, ds, title) SELECT k, 1, 1, 'img_' || k || '.jpg' FROM n;",
    )
    .unwrap();
    upkeep(&conn);
    let query = |text: &str| only(Condition::Name { contains: text.into() }, false);
    let uses_index = |text: &str| planned(&conn, &ODD, &query(text)).unwrap().names.is_some();
    assert!(!uses_index("jpg") && !uses_index("IMG_"), "12,001 of 12,005 names hold it");
    assert!(uses_index("img_1234") && uses_index("Alpha") && uses_index("zzz"));
    assert!(uses_index("al"), "too short for the index either way: nothing to decide");
    assert!(planned(&conn, &PLAIN, &query("jpg")).unwrap().names.is_none());
    // Either way the same items.
    for text in ["jpg", "img_1234", "Alpha"] {
        let plain = ids_in(&PLAIN, &conn, &query(text), Scope::All);
        assert_eq!(ids_in(&planned(&conn, &ODD, &query(text)).unwrap(), &conn, &query(text), Scope::All), plain, "{text}");
        assert_eq!(ids_in(&ODD, &conn, &query(text), Scope::All), plain, "{text}");
    }
}
