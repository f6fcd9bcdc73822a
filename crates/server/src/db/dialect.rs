//! The store's SQL is written once, in SQLite's dialect; this turns a statement into
//! PostgreSQL's. It rewrites only what the store uses and the tests below show, outside string
//! literals and quoted names:
//!
//! - placeholders: `?N` → `$N`, and a bare `?` takes one more than the largest so far (SQLite's
//!   rule);
//! - lists (`trove_sqlite::list`): `x IN rarray(?N)` → `x = ANY($N)`, `NOT IN` → `<> ALL`, and
//!   `FROM rarray(?N) a` → `FROM unnest($N) AS a(value)`;
//! - JSON arrays: `json_each(?N) j` → the elements as text with their 0-based `key`; `value ->>`
//!   reads an element that is itself an array;
//! - functions: `instr` → `strpos`, `group_concat` → `string_agg`, `char(?N)` → `chr`,
//!   `ifnull` → `coalesce`, `printf('%0Nd…', x)` → `lpad`, `lower(hex(randomblob(12)))` → 24
//!   random hex characters;
//! - `a IS NOT ?N` → `a IS DISTINCT FROM $N`.
//!
//! Anything else must already mean the same in both (standard SQL, `ON CONFLICT`, `RETURNING`,
//! `COLLATE NOCASE`, which the PostgreSQL schema defines as a case-insensitive collation).

/// The PostgreSQL text of a SQLite statement.
pub fn postgres(sql: &str) -> String {
    // `printf`'s format is a literal: rewritten before the code is split around literals.
    let placed = call(&placeholders(sql), "printf(", printf);
    let mut out = String::with_capacity(placed.len() + 32);
    let mut rest = placed.as_str();
    while !rest.is_empty() {
        let (code, literal, after) = split_literal(rest);
        out.push_str(&rewrite(code));
        out.push_str(literal);
        rest = after;
    }
    out
}

/// `(code before the next literal, the literal, what follows it)`.
fn split_literal(s: &str) -> (&str, &str, &str) {
    let Some(start) = s.find(['\'', '"']) else { return (s, "", "") };
    let quote = s.as_bytes()[start];
    let mut i = start + 1;
    let bytes = s.as_bytes();
    while i < bytes.len() {
        if bytes[i] == quote {
            if bytes.get(i + 1) == Some(&quote) {
                i += 2;
                continue;
            }
            return (&s[..start], &s[start..=i], &s[i + 1..]);
        }
        i += 1;
    }
    (&s[..start], &s[start..], "")
}

/// Numbers every placeholder `$N` (outside literals).
fn placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut largest = 0usize;
    let mut rest = sql;
    while !rest.is_empty() {
        let (code, literal, after) = split_literal(rest);
        let mut chars = code.char_indices().peekable();
        while let Some((_, c)) = chars.next() {
            if c != '?' {
                out.push(c);
                continue;
            }
            let mut digits = String::new();
            while let Some((_, d)) = chars.peek().filter(|(_, d)| d.is_ascii_digit()) {
                digits.push(*d);
                chars.next();
            }
            let n = if digits.is_empty() { largest + 1 } else { digits.parse().unwrap_or(largest + 1) };
            largest = largest.max(n);
            out.push('$');
            out.push_str(&n.to_string());
        }
        out.push_str(literal);
        rest = after;
    }
    out
}

/// The rewrites of one stretch of code (no literals in it).
fn rewrite(code: &str) -> String {
    let mut s = code.to_string();
    s = s.replace("NOT IN rarray(", "<> ALL(").replace("IN rarray(", "= ANY(");
    s = table_function(&s, "rarray(", |arg, alias| format!("unnest({arg}) AS {alias}(value)"));
    s = table_function(&s, "json_each(", |arg, alias| {
        format!("(SELECT e.value, e.key - 1 AS key FROM json_array_elements_text(CAST({arg} AS json)) WITH ORDINALITY AS e(value, key)) AS {alias}")
    });
    s = s.replace("value ->> ", "CAST(value AS json) ->> ");
    s = s.replace("lower(hex(randomblob(12)))", "substr(md5(random()::text || clock_timestamp()::text), 1, 24)");
    s = s.replace("instr(", "strpos(").replace("group_concat(", "string_agg(").replace("ifnull(", "coalesce(");
    s = s.replace("IS NOT $", "IS DISTINCT FROM $");
    s = call(&s, "char(", |arg| format!("chr(CAST({arg} AS INTEGER))"));
    s = call(&s, "max(", |args| if top_level_comma(args) { format!("greatest({args})") } else { format!("max({args})") });
    s = call(&s, "min(", |args| if top_level_comma(args) { format!("least({args})") } else { format!("min({args})") });
    s = derived_aliases(&s);
    s = cross_join_on(&s);
    s
}

/// SQLite's `CROSS JOIN t a ON …` (a join whose order the planner keeps) is PostgreSQL's
/// `JOIN t a ON …`: PostgreSQL takes no condition after CROSS JOIN.
fn cross_join_on(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = rest.find("CROSS JOIN ") {
        let after = &rest[at + "CROSS JOIN ".len()..];
        let words: Vec<&str> = after.splitn(4, ' ').collect();
        let with_on = words.get(2) == Some(&"ON") || words.get(1) == Some(&"ON");
        out.push_str(&rest[..at]);
        out.push_str(if with_on { "JOIN " } else { "CROSS JOIN " });
        rest = after;
    }
    out.push_str(rest);
    out
}

fn top_level_comma(args: &str) -> bool {
    let mut depth = 0i32;
    args.chars().any(|c| {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => return true,
            _ => {}
        }
        false
    })
}

/// PostgreSQL needs a name for every subquery in FROM or JOIN; SQLite does not.
fn derived_aliases(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 16);
    let mut rest = s;
    let mut n = 0;
    loop {
        let next = [rest.find("FROM ("), rest.find("JOIN (")].into_iter().flatten().min();
        let Some(at) = next else { break };
        let open = at + "FROM (".len();
        let Some(len) = closing(&rest[open..]) else { break };
        let end = open + len + 1;
        out.push_str(&rest[..end]);
        if clause_keyword(next_word(&rest[end..]).0) {
            n += 1;
            out.push_str(&format!(" AS derived_{n}"));
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// The word `text` starts with (after spaces) and how many bytes of `text` that takes.
fn next_word(text: &str) -> (&str, usize) {
    let trimmed = text.trim_start();
    let len = trimmed.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(trimmed.len());
    (&trimmed[..len], text.len() - trimmed.len() + len)
}

/// Whether `word`, after a table expression, starts the next clause (or nothing follows):
/// the expression has no alias.
fn clause_keyword(word: &str) -> bool {
    ["", "WHERE", "ORDER", "GROUP", "LIMIT", "UNION", "JOIN", "LEFT", "CROSS", "INNER", "ON", "HAVING"].iter().any(|k| k.eq_ignore_ascii_case(word))
}

/// Replaces each call `name(arg)` whose `name` is not the tail of a longer word.
fn call(s: &str, name: &str, with: impl Fn(&str) -> String) -> String {
    each_call(s, name, |arg, _| (with(arg), 0))
}

/// A table-valued function call followed by its alias (`rarray(?1) a`), or named after itself.
fn table_function(s: &str, name: &str, with: impl Fn(&str, &str) -> String) -> String {
    each_call(s, name, |arg, after| {
        let (word, taken) = next_word(after);
        if clause_keyword(word) || word.eq_ignore_ascii_case("AS") {
            (with(arg, name.trim_end_matches('(')), 0)
        } else {
            (with(arg, word), taken)
        }
    })
}

/// Each call `name(arg)` replaced by what `with(arg, text after the call)` gives, which also
/// says how many bytes of that text it took in.
fn each_call(s: &str, name: &str, mut with: impl FnMut(&str, &str) -> (String, usize)) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = find_word(rest, name) {
        out.push_str(&rest[..at]);
        let args_start = at + name.len();
        let Some(len) = closing(&rest[args_start..]) else {
            out.push_str(&rest[at..]);
            return out;
        };
        let after = &rest[args_start + len + 1..];
        let (replaced, taken) = with(&rest[args_start..args_start + len], after);
        out.push_str(&replaced);
        rest = &after[taken..];
    }
    out.push_str(rest);
    out
}

fn find_word(s: &str, name: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = s[from..].find(name) {
        let at = from + i;
        let before = s[..at].chars().next_back();
        if !before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Some(at);
        }
        from = at + name.len();
    }
    None
}

/// The length of the text before the parenthesis that closes an already open one.
fn closing(s: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (i, c) in s.char_indices() {
        match c {
            '(' => depth += 1,
            ')' if depth == 0 => return Some(i),
            ')' => depth -= 1,
            _ => {}
        }
    }
    None
}

/// `printf('%0Nd<suffix>', x)`: the only format the store uses (`position::ranked_sql`).
fn printf(args: &str) -> String {
    let (format, value) = args.split_once(',').unwrap_or((args, ""));
    let format = format.trim().trim_matches('\'');
    let width: String = format.trim_start_matches("%0").chars().take_while(char::is_ascii_digit).collect();
    let suffix = &format[2 + width.len() + 1..];
    format!("(lpad(CAST(({}) AS TEXT), {width}, '0') || '{suffix}')", value.trim())
}

#[cfg(test)]
mod tests {
    use super::postgres;

    #[test]
    fn placeholders_follow_sqlites_numbering() {
        assert_eq!(postgres("SELECT ?1, ?, ?3, ?"), "SELECT $1, $2, $3, $4");
        assert_eq!(postgres("SELECT '?' || ?2"), "SELECT '?' || $2");
    }

    #[test]
    fn lists_and_json_arrays_become_arrays_and_sets() {
        assert_eq!(postgres("DELETE FROM m WHERE c = ?1 AND i IN rarray(?2)"), "DELETE FROM m WHERE c = $1 AND i = ANY($2)");
        assert_eq!(postgres("SELECT a.value FROM rarray(?1) a WHERE a.value > 0"), "SELECT a.value FROM unnest($1) AS a(value) WHERE a.value > 0");
        assert_eq!(
            postgres("SELECT i.id FROM json_each(?1) j JOIN items i ON i.uuid = j.value"),
            "SELECT i.id FROM (SELECT e.value, e.key - 1 AS key FROM json_array_elements_text(CAST($1 AS json)) WITH ORDINALITY AS e(value, key)) AS j JOIN items i ON i.uuid = j.value"
        );
        assert!(postgres("SELECT value ->> 0 FROM json_each(?4) ORDER BY key").starts_with("SELECT CAST(value AS json) ->> 0 FROM (SELECT"));
        assert!(postgres("x IN (SELECT value FROM json_each(?3))").ends_with("WITH ORDINALITY AS e(value, key)) AS json_each)"));
    }

    #[test]
    fn functions_are_renamed_and_literals_kept() {
        assert_eq!(postgres("SELECT group_concat(name, char(?2)), instr(lower(n), 'instr(')"), "SELECT string_agg(name, chr(CAST($2 AS INTEGER))), strpos(lower(n), 'instr(')");
        assert_eq!(postgres("SELECT (b || printf('%07dV', n.rank + ?5))"), "SELECT (b || (lpad(CAST((n.rank + $5) AS TEXT), 7, '0') || 'V'))");
        assert_eq!(postgres("WHERE a IS NOT ?1 AND b IS NOT NULL"), "WHERE a IS DISTINCT FROM $1 AND b IS NOT NULL");
        assert_eq!(postgres("SELECT max(coalesce(a, 0), b), max(c) FROM t"), "SELECT greatest(coalesce(a, 0), b), max(c) FROM t");
    }

    #[test]
    fn a_cross_join_with_a_condition_is_a_join() {
        assert_eq!(postgres("FROM rarray(?1) a CROSS JOIN items i ON i.no = a.value"), "FROM unnest($1) AS a(value) JOIN items i ON i.no = a.value");
        assert_eq!(postgres("FROM a CROSS JOIN b WHERE x"), "FROM a CROSS JOIN b WHERE x");
    }

    #[test]
    fn subqueries_in_from_get_a_name() {
        assert_eq!(postgres("SELECT v FROM (SELECT 1 AS v) WHERE v > 0"), "SELECT v FROM (SELECT 1 AS v) AS derived_1 WHERE v > 0");
        assert_eq!(postgres("SELECT v FROM (SELECT 1 AS v) s"), "SELECT v FROM (SELECT 1 AS v) s");
        assert_eq!(postgres("SELECT count(*) FROM (SELECT 1 FROM t LIMIT 5)"), "SELECT count(*) FROM (SELECT 1 FROM t LIMIT 5) AS derived_1");
    }
}
