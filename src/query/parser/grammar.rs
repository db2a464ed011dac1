//! The productions of `grammar/annals.ebnf`, one function each, the production quoted
//! in its doc comment. Each function skips leading white space itself (through the
//! token primitives of [`super::lexical`]) and never consumes trailing white space, so
//! a node's span ends at its last token.
//!
//! `cut` marks the points after which an alternative is committed (after `find`, after
//! `not`, after an operator): past them a failure is the user's mistake, not a reason to
//! try the next alternative. Messages do not depend on it (see `lexical`), only speed and
//! the absence of surprising second tries.

use chrono::NaiveDate;
use nom::branch::alt;
use nom::combinator::{cut, map, opt};
use nom::sequence::preceded;
use nom::{Err, Parser};

use super::lexical::{
    enter, expect, fail_with, ident, keyword, leave, offset, punct, quiet, sigil_name, string_lit,
    take_while, uint, ws, Expected, Fail, PResult,
};
use crate::query::ast::*;

/// Predicate names that would make a clause ambiguous with a filter.
const RESERVED_PREDICATES: &[&str] = &["in", "contains", "starts_with", "matches"];

fn span_from(start: usize, rest: &str) -> Span {
    Span::new(start, offset(rest))
}

/// Runs `p`; if it fails without getting past its first token, replaces what it
/// recorded there with the one label `what` (plus `hidden` keywords for "did you
/// mean"), so that "expected a term" replaces a list of seven token kinds.
fn labelled<'a, T>(
    what: &'static str,
    hidden: &'static [&'static str],
    mut p: impl Parser<&'a str, Output = T, Error = Fail>,
) -> impl FnMut(&'a str) -> PResult<'a, T> {
    move |i: &'a str| {
        let at = offset(ws(i));
        let before = super::lexical::snapshot();
        let r = p.parse(i);
        if let Err(Err::Error(_)) = &r {
            super::lexical::relabel(at, before, what, hidden);
        }
        r
    }
}

/// `item { sep item }`, committed after each separator. nom's `separated_list1` instead
/// backtracks over a separator whose item fails, ending the list early and leaving the
/// caller to stumble on the stray `,`.
fn list1<'a, T>(
    sep: &'static str,
    mut item: impl FnMut(&'a str) -> PResult<'a, T>,
) -> impl FnMut(&'a str) -> PResult<'a, Vec<T>> {
    move |i: &'a str| {
        let (mut i, first) = item(i)?;
        let mut out = vec![first];
        loop {
            match punct(sep)(i) {
                Ok((rest, _)) => {
                    let (rest, x) = cut(&mut item).parse(rest)?;
                    out.push(x);
                    i = rest;
                }
                Err(Err::Error(_)) => return Ok((i, out)),
                Err(e) => return Err(e),
            }
        }
    }
}

/// `script = { [ statement ] ";" } [ statement ] ;`
pub(crate) fn script(mut i: &str) -> PResult<'_, Vec<Statement>> {
    let mut out = Vec::new();
    loop {
        let t = ws(i);
        if t.is_empty() {
            return Ok((t, out));
        }
        if let Some(rest) = t.strip_prefix(';') {
            i = rest;
            continue;
        }
        let (rest, s) = statement(t)?;
        out.push(s);
        match punct(";")(rest) {
            Ok((rest, _)) => i = rest,
            Err(Err::Error(_)) => {
                let end = ws(rest);
                if end.is_empty() {
                    return Ok((end, out));
                }
                return expect(end, Expected::Thing("end of input"));
            }
            Err(e) => return Err(e),
        }
    }
}

/// `statement = find_stmt | history_stmt | why_stmt | entity_stmt | suggest_stmt
///            | assert_stmt | retract_stmt | alias_stmt | let_stmt | explain_stmt ;`
pub(crate) fn statement(i: &str) -> PResult<'_, Statement> {
    alt((inner_statement, explain_stmt)).parse(i)
}

/// `inner_statement = find_stmt | history_stmt | … | let_stmt ;` (all but `explain`)
fn inner_statement(i: &str) -> PResult<'_, Statement> {
    let start = offset(ws(i));
    let (rest, kind) = alt((
        find_stmt,
        history_stmt,
        why_stmt,
        entity_stmt,
        suggest_stmt,
        assert_stmt,
        retract_stmt,
        alias_stmt,
        let_stmt,
    ))
    .parse(i)?;
    Ok((
        rest,
        Statement {
            kind,
            span: span_from(start, rest),
        },
    ))
}

/// `explain_stmt = "explain" [ "analyze" ] inner_statement ;`
///
/// `explain explain …` is rejected by the grammar rather than by a depth limit: it
/// means nothing, and unbounded it would recurse once per keyword.
fn explain_stmt(i: &str) -> PResult<'_, Statement> {
    let (i, kw) = keyword("explain")(i)?;
    let (i, analyze) = opt(keyword("analyze")).parse(i)?;
    let (rest, inner) = cut(inner_statement).parse(i)?;
    Ok((
        rest,
        Statement {
            kind: StatementKind::Explain {
                analyze: analyze.is_some(),
                statement: Box::new(inner),
            },
            span: span_from(kw.start, rest),
        },
    ))
}

/// `find_stmt = "find" projection "where" clause_list [ order_by ] [ "limit" UINT ]
///              [ "offset" UINT ] [ as_of ] ;`
fn find_stmt(i: &str) -> PResult<'_, StatementKind> {
    let (i, _) = keyword("find")(i)?;
    let (i, projection) = cut(projection).parse(i)?;
    let (i, _) = cut(keyword("where")).parse(i)?;
    let (i, clauses) = cut(clause_list).parse(i)?;
    let (i, order_by) = opt(order_by).parse(i)?;
    let (i, limit) = opt(preceded(keyword("limit"), cut(uint))).parse(i)?;
    let (i, offset) = opt(preceded(keyword("offset"), cut(uint))).parse(i)?;
    let (i, as_of) = opt(as_of).parse(i)?;
    if as_of.is_some() {
        misplaced_after_as_of(i)?;
    }
    Ok((
        i,
        StatementKind::Find(Find {
            projection,
            clauses,
            order_by: order_by.unwrap_or_default(),
            limit: limit.map(|(n, _)| n),
            offset: offset.map(|(n, _)| n),
            as_of,
        }),
    ))
}

/// SPEC §6 puts `as of` last; say so rather than "expected `;`" when a clause follows.
fn misplaced_after_as_of(i: &str) -> PResult<'_, ()> {
    let t = ws(i);
    let (w, _) = take_while(t, super::lexical::is_ident_char);
    for kw in ["order", "limit", "offset"] {
        if w.eq_ignore_ascii_case(kw) {
            let at = offset(t);
            return fail_with(
                Span::new(at, at + w.len()),
                format!("`as of` comes last: move `{kw}` before it"),
            );
        }
    }
    Ok((i, ()))
}

/// `projection = "*" | proj_item { "," proj_item } ;`
fn projection(i: &str) -> PResult<'_, Projection> {
    alt((
        map(punct("*"), Projection::Star),
        map(list1(",", proj_item), Projection::Items),
    ))
    .parse(i)
}

/// `proj_item = variable | aggregate [ "as" column_name ] ;`
fn proj_item(i: &str) -> PResult<'_, ProjItem> {
    labelled(
        "a variable or an aggregate",
        &["count", "sum", "min", "max", "avg"],
        alt((map(variable, ProjItem::Var), |i| {
            let (i, mut agg) = aggregate(i)?;
            let (i, alias) = opt(preceded(keyword("as"), cut(column_name))).parse(i)?;
            if let Some(a) = &alias {
                agg.span.end = a.span.end;
            }
            agg.alias = alias;
            Ok((i, ProjItem::Aggregate(agg)))
        })),
    )(i)
}

/// `aggregate = ( "count" | "sum" | "min" | "max" | "avg" )
///              "(" [ "distinct" ] ( variable | "*" ) ")" ;`
fn aggregate(i: &str) -> PResult<'_, Aggregate> {
    let (i, (func, fspan)) = alt((
        map(keyword("count"), |s| (AggFunc::Count, s)),
        map(keyword("sum"), |s| (AggFunc::Sum, s)),
        map(keyword("min"), |s| (AggFunc::Min, s)),
        map(keyword("max"), |s| (AggFunc::Max, s)),
        map(keyword("avg"), |s| (AggFunc::Avg, s)),
    ))
    .parse(i)?;
    let (i, _) = cut(punct("(")).parse(i)?;
    let (i, distinct) = opt(keyword("distinct")).parse(i)?;
    let (i, arg) = cut(alt((map(variable, Some), map(punct("*"), |_| None)))).parse(i)?;
    if arg.is_none() && func != AggFunc::Count {
        let at = offset(ws(i));
        return fail_with(
            Span::new(fspan.start, at),
            format!(
                "only `count` takes `*`; write `{}(?variable)`",
                func.as_str()
            ),
        );
    }
    let (i, close) = cut(punct(")")).parse(i)?;
    Ok((
        i,
        Aggregate {
            func,
            distinct: distinct.is_some(),
            arg,
            alias: None,
            span: Span::new(fspan.start, close.end),
        },
    ))
}

/// `column_name = IDENT ;` (not a keyword)
fn column_name(i: &str) -> PResult<'_, Name> {
    let (rest, (name, span)) = ident("a column name")(i)?;
    if super::is_keyword(name) {
        return expect(ws(i), Expected::Ident("a column name (not a keyword)"));
    }
    Ok((
        rest,
        Name {
            name: name.to_string(),
            span,
        },
    ))
}

/// `clause_list = clause { "," clause } ;`
///
/// This and the next three functions are the recursive path of nested `not (` and
/// `optional (`; they are written without nom combinators, whose closures take several
/// KB of stack per level in debug builds, so that 256 levels fit a 2 MB thread.
fn clause_list(mut i: &str) -> PResult<'_, Vec<Clause>> {
    let (rest, first) = clause(i)?;
    let mut out = vec![first];
    i = rest;
    loop {
        match punct(",")(i) {
            Ok((rest, _)) => {
                let (rest, c) = clause(rest).map_err(commit)?;
                out.push(c);
                i = rest;
            }
            Err(Err::Error(_)) => return Ok((i, out)),
            Err(e) => return Err(e),
        }
    }
}

/// Turns a backtracking error into a committed one, as `cut` does.
fn commit(e: Err<Fail>) -> Err<Fail> {
    match e {
        Err::Error(f) => Err::Failure(f),
        other => other,
    }
}

/// `clause = not_clause | optional_clause | term_clause ;`
fn clause(i: &str) -> PResult<'_, Clause> {
    let t = ws(i);
    let at = offset(t);
    let before = super::lexical::snapshot();
    let (w, _) = take_while(t, super::lexical::is_ident_char);
    let r = if w.eq_ignore_ascii_case("not") {
        not_clause(t)
    } else if w.eq_ignore_ascii_case("optional") {
        optional_clause(t)
    } else {
        term_clause(t)
    };
    if let Err(Err::Error(_)) = &r {
        super::lexical::relabel(at, before, "a clause", &["not", "optional"]);
    }
    r
}

/// `term_clause = term ( filter_tail | pattern_tail ) ;`
#[inline(never)]
fn term_clause(i: &str) -> PResult<'_, Clause> {
    let (i, left) = term(i)?;
    alt((
        |i| filter_tail(i, left.clone()),
        |i| pattern_tail(i, left.clone()).map(|(r, p)| (r, Clause::Pattern(p))),
    ))
    .parse(i)
}

/// `not_clause = "not" ( group | pattern ) ;`
fn not_clause(i: &str) -> PResult<'_, Clause> {
    let (i, kw) = keyword("not")(i)?;
    if ws(i).starts_with('(') {
        let (rest, clauses) = group(i).map_err(commit)?;
        return Ok((rest, Clause::Not(clauses, span_from(kw.start, rest))));
    }
    not_pattern(i, kw.start)
}

#[inline(never)]
fn not_pattern(i: &str, start: usize) -> PResult<'_, Clause> {
    let (rest, p) = cut(pattern).parse(i)?;
    Ok((
        rest,
        Clause::Not(vec![Clause::Pattern(p)], span_from(start, rest)),
    ))
}

/// `optional_clause = "optional" group ;`
fn optional_clause(i: &str) -> PResult<'_, Clause> {
    let (i, kw) = keyword("optional")(i)?;
    let (rest, clauses) = group(i).map_err(commit)?;
    Ok((rest, Clause::Optional(clauses, span_from(kw.start, rest))))
}

/// `group = "(" clause_list ")" ;` — at most 256 deep (SPEC §6).
fn group(i: &str) -> PResult<'_, Vec<Clause>> {
    let (i, open) = punct("(")(i)?;
    enter(open)?;
    let r = clause_list(i).and_then(|(i, cs)| {
        let (i, _) = punct(")")(i)?;
        Ok((i, cs))
    });
    leave();
    r
}

/// `pattern = term pattern_tail ;`
fn pattern(i: &str) -> PResult<'_, Pattern> {
    let (i, subject) = term(i)?;
    pattern_tail(i, subject)
}

/// `pattern_tail = path term [ "in" variable ] ;`
fn pattern_tail(i: &str, subject: Term) -> PResult<'_, Pattern> {
    let (i, path) = path(i)?;
    let (i, object) = cut(term).parse(i)?;
    let (i, article) = opt(preceded(quiet(keyword("in")), cut(variable))).parse(i)?;
    let start = subject.span().start;
    Ok((
        i,
        Pattern {
            subject,
            path,
            object,
            article,
            span: span_from(start, i),
        },
    ))
}

/// `filter_tail = compare_op term | "in" "[" term { "," term } "]" ;`
fn filter_tail(i: &str, left: Term) -> PResult<'_, Clause> {
    let start = left.span().start;
    if let Ok((i, _)) = keyword("in")(i) {
        let (i, _) = cut(punct("[")).parse(i)?;
        let (i, values) = cut(list1(",", term)).parse(i)?;
        let (i, _) = cut(punct("]")).parse(i)?;
        let span = span_from(start, i);
        return Ok((i, Clause::Filter(Filter::In { left, values, span })));
    }
    let (i, op) = compare_op(i)?;
    let (i, right) = cut(term).parse(i)?;
    let span = span_from(start, i);
    Ok((
        i,
        Clause::Filter(Filter::Compare {
            left,
            op,
            right,
            span,
        }),
    ))
}

/// `compare_op = "=" | "!=" | "<" | "<=" | ">" | ">=" | "contains" | "starts_with"
///              | "matches" ;`
fn compare_op(i: &str) -> PResult<'_, CompareOp> {
    labelled(
        "a comparison operator",
        &["contains", "starts_with", "matches"],
        alt((
            map(punct("<="), |_| CompareOp::Le),
            map(punct(">="), |_| CompareOp::Ge),
            map(punct("!="), |_| CompareOp::Ne),
            map(punct("="), |_| CompareOp::Eq),
            map(punct("<"), |_| CompareOp::Lt),
            map(punct(">"), |_| CompareOp::Gt),
            map(keyword("contains"), |_| CompareOp::Contains),
            map(keyword("starts_with"), |_| CompareOp::StartsWith),
            map(keyword("matches"), |_| CompareOp::Matches),
        )),
    )(i)
}

/// `path = variable | [ "^" ] predicate [ repeat ] ;`
fn path(i: &str) -> PResult<'_, Path> {
    labelled(
        "a predicate",
        &[],
        alt((map(variable, Path::Var), |i| {
            let (i, caret) = opt(punct("^")).parse(i)?;
            let (i, name) = if caret.is_some() {
                cut(predicate).parse(i)?
            } else {
                predicate(i)?
            };
            let (i, repeat) = opt(quiet(repeat)).parse(i)?;
            Ok((
                i,
                Path::Pred {
                    name,
                    inverse: caret.is_some(),
                    repeat: repeat.unwrap_or(Repeat::One),
                },
            ))
        })),
    )(i)
}

/// `predicate = IDENT ;` (not `in`, `contains`, `starts_with` or `matches`)
fn predicate(i: &str) -> PResult<'_, Name> {
    let (rest, (name, span)) = ident("a predicate")(i)?;
    if RESERVED_PREDICATES
        .iter()
        .any(|r| r.eq_ignore_ascii_case(name))
    {
        return expect(ws(i), Expected::Ident("a predicate"));
    }
    Ok((
        rest,
        Name {
            name: name.to_string(),
            span,
        },
    ))
}

/// `repeat = "+" | "*" | "{" UINT "," UINT "}" ;`
fn repeat(i: &str) -> PResult<'_, Repeat> {
    alt((
        map(punct("+"), |_| Repeat::Plus),
        map(punct("*"), |_| Repeat::Star),
        |i| {
            let (i, open) = punct("{")(i)?;
            let (i, (m, _)) = cut(uint).parse(i)?;
            let (i, _) = cut(punct(",")).parse(i)?;
            let (i, (n, _)) = cut(uint).parse(i)?;
            let (i, close) = cut(punct("}")).parse(i)?;
            let span = Span::new(open.start, close.end);
            match (u32::try_from(m), u32::try_from(n)) {
                (Ok(m), Ok(n)) if m <= n => Ok((i, Repeat::Range(m, n))),
                (Ok(_), Ok(_)) => fail_with(span, "a hop range `{m,n}` needs m <= n"),
                _ => fail_with(span, "hop count too large"),
            }
        },
    ))
    .parse(i)
}

/// `term = variable | "_" | param | literal ;`
pub(crate) fn term(i: &str) -> PResult<'_, Term> {
    labelled(
        "a term (`?var`, `_`, `$param`, a string, number or date)",
        &[],
        alt((
            map(variable, Term::Var),
            wildcard,
            map(param, Term::Param),
            map(literal, |(l, s)| Term::Literal(l, s)),
        )),
    )(i)
}

/// `constant = param | literal ;` (the subject and object of write statements)
fn constant(i: &str) -> PResult<'_, Term> {
    labelled(
        "a string, number, date or `$param`",
        &[],
        alt((
            map(param, Term::Param),
            map(literal, |(l, s)| Term::Literal(l, s)),
        )),
    )(i)
}

/// `variable = "?" IDENT ;`
fn variable(i: &str) -> PResult<'_, Var> {
    let (rest, (name, span)) = sigil_name('?', "a variable")(i)?;
    Ok((
        rest,
        Var {
            name: name.to_string(),
            span,
        },
    ))
}

/// `param = "$" IDENT ;`
fn param(i: &str) -> PResult<'_, Name> {
    let (rest, (name, span)) = sigil_name('$', "a `$param`")(i)?;
    Ok((
        rest,
        Name {
            name: name.to_string(),
            span,
        },
    ))
}

/// `wildcard = "_" ;` (not followed by identifier characters)
fn wildcard(i: &str) -> PResult<'_, Term> {
    let i = ws(i);
    match i.strip_prefix('_') {
        Some(rest) if !rest.starts_with(super::lexical::is_ident_char) => {
            Ok((rest, Term::Wildcard(span_from(offset(i), rest))))
        }
        _ => expect(i, Expected::Punct("_")),
    }
}

/// `literal = STRING | DATETIME | DATE | DECIMAL | INTEGER ;`
pub(crate) fn literal(i: &str) -> PResult<'_, (Literal, Span)> {
    let i = ws(i);
    if i.starts_with('"') {
        let (rest, (s, span)) = string_lit(i)?;
        return Ok((rest, (Literal::Str(s), span)));
    }
    let start = offset(i);
    let (sign, body) = match i.strip_prefix('-') {
        Some(b) => ("-", b),
        None => ("", i),
    };
    let (digits, after) = take_while(body, |c| c.is_ascii_digit());
    if digits.is_empty() {
        return expect(i, Expected::Thing("a literal"));
    }
    if sign.is_empty() && digits.len() == 4 && after.starts_with('-') {
        return date_or_datetime(i);
    }
    if let Some(frac) = after.strip_prefix('.') {
        let (fdigits, rest) = take_while(frac, |c| c.is_ascii_digit());
        if frac.is_empty() {
            // `12.` at the very end: a decimal still being typed.
            return expect(frac, Expected::Thing("a digit after the decimal point"));
        }
        if !fdigits.is_empty() {
            let text = i.get(..i.len() - rest.len()).unwrap_or("");
            let span = span_from(start, rest);
            return match text.parse::<f64>() {
                Ok(d) if d.is_finite() => Ok((rest, (Literal::Decimal(d), span))),
                _ => fail_with(span, "decimal number out of range"),
            };
        }
    }
    let text = i.get(..i.len() - after.len()).unwrap_or("");
    let span = span_from(start, after);
    match text.parse::<i64>() {
        Ok(n) => Ok((after, (Literal::Int(n), span))),
        Err(_) => fail_with(span, "integer out of range (at most 19 digits)"),
    }
}

/// `DATE = DIGIT{4} "-" DIGIT{2} "-" DIGIT{2} ;`
/// `DATETIME = DATE "T" DIGIT{2} ":" DIGIT{2} ":" DIGIT{2} [ "." DIGIT+ ]
///             ( "Z" | ( "+" | "-" ) DIGIT{2} ":" DIGIT{2} ) ;`
fn date_or_datetime(i: &str) -> PResult<'_, (Literal, Span)> {
    let i = ws(i);
    let start = offset(i);
    let (date_text, rest) = take_while(i, |c| c.is_ascii_digit() || c == '-');
    let span = span_from(start, rest);
    let shape_ok = date_text.len() == 10
        && date_text.char_indices().all(|(n, c)| {
            if n == 4 || n == 7 {
                c == '-'
            } else {
                c.is_ascii_digit()
            }
        });
    if !shape_ok {
        return fail_with(span, "a date is written YYYY-MM-DD, e.g. 2025-05-14");
    }
    let Ok(date) = NaiveDate::parse_from_str(date_text, "%Y-%m-%d") else {
        return fail_with(span, format!("no such date: {date_text}"));
    };
    if !rest.starts_with('T') {
        return Ok((rest, (Literal::Date(date), span)));
    }
    let (time_text, rest) = take_while(rest, |c| {
        c.is_ascii_digit() || matches!(c, 'T' | 'Z' | ':' | '.' | '+' | '-')
    });
    let span = span_from(start, rest);
    let text = format!("{date_text}{time_text}");
    match crate::value::parse_datetime(&text) {
        Some(dt) if time_text.len() >= 10 => Ok((rest, (Literal::DateTime(dt), span))),
        _ => fail_with(
            span,
            format!("invalid date-time `{text}`: write e.g. 2025-05-14T10:00:00Z"),
        ),
    }
}

/// `order_by = "order" "by" order_key { "," order_key } ;`
fn order_by(i: &str) -> PResult<'_, Vec<OrderKey>> {
    let (i, _) = keyword("order")(i)?;
    let (i, _) = cut(keyword("by")).parse(i)?;
    cut(list1(",", order_key)).parse(i)
}

/// `order_key = ( variable | aggregate | column_name ) [ "asc" | "desc" ] ;`
///
/// An aggregate is kept as the column it names, written canonically (`count(?p)`).
fn order_key(i: &str) -> PResult<'_, OrderKey> {
    let (i, target) = labelled(
        "a variable or column name",
        &[],
        alt((
            map(variable, OrderTarget::Var),
            map(aggregate, |a| {
                OrderTarget::Column(Name {
                    name: crate::query::print::aggregate_column(&a),
                    span: a.span,
                })
            }),
            map(column_name, OrderTarget::Column),
        )),
    )(i)?;
    let start = match &target {
        OrderTarget::Var(v) => v.span.start,
        OrderTarget::Column(n) => n.span.start,
    };
    let (i, dir) = opt(alt((
        map(keyword("asc"), |_| false),
        map(keyword("desc"), |_| true),
    )))
    .parse(i)?;
    Ok((
        i,
        OrderKey {
            target,
            descending: dir.unwrap_or(false),
            span: span_from(start, i),
        },
    ))
}

/// `as_of = "as" "of" ( "#" UINT | DATETIME | DATE | param ) ;`
fn as_of(i: &str) -> PResult<'_, AsOf> {
    let (i, _) = keyword("as")(i)?;
    let (i, _) = cut(keyword("of")).parse(i)?;
    cut(labelled(
        "`#tx`, a date, a date-time or a `$param`",
        &[],
        alt((
            |i| {
                let (i, hash) = punct("#")(i)?;
                let (i, (n, s)) = cut(uint).parse(i)?;
                Ok((i, AsOf::Tx(n, Span::new(hash.start, s.end))))
            },
            map(param, AsOf::Param),
            as_of_date,
        )),
    ))
    .parse(i)
}

/// `as_of_date = DATETIME | DATE ;`
fn as_of_date(i: &str) -> PResult<'_, AsOf> {
    let t = ws(i);
    if !t.starts_with(|c: char| c.is_ascii_digit()) {
        return expect(t, Expected::Thing("a date"));
    }
    match date_or_datetime(t)? {
        (rest, (Literal::Date(d), s)) => Ok((rest, AsOf::Date(d, s))),
        (rest, (Literal::DateTime(d), s)) => Ok((rest, AsOf::DateTime(d, s))),
        _ => expect(t, Expected::Thing("a date")),
    }
}

/// `history_stmt = "history" constant [ as_of ] ;`
fn history_stmt(i: &str) -> PResult<'_, StatementKind> {
    let (i, _) = keyword("history")(i)?;
    let (i, target) = cut(constant).parse(i)?;
    let (i, as_of) = opt(as_of).parse(i)?;
    Ok((i, StatementKind::History { target, as_of }))
}

/// `why_stmt = "why" constant predicate constant [ as_of ] ;`
fn why_stmt(i: &str) -> PResult<'_, StatementKind> {
    let (i, _) = keyword("why")(i)?;
    let (i, subject) = cut(constant).parse(i)?;
    let (i, predicate) = cut(predicate).parse(i)?;
    let (i, object) = cut(constant).parse(i)?;
    let (i, as_of) = opt(as_of).parse(i)?;
    Ok((
        i,
        StatementKind::Why {
            subject,
            predicate,
            object,
            as_of,
        },
    ))
}

/// `entity_stmt = "entity" constant [ as_of ] ;`
fn entity_stmt(i: &str) -> PResult<'_, StatementKind> {
    let (i, _) = keyword("entity")(i)?;
    let (i, name) = cut(constant).parse(i)?;
    let (i, as_of) = opt(as_of).parse(i)?;
    Ok((i, StatementKind::Entity { name, as_of }))
}

/// `suggest_stmt = "suggest" "aliases" [ "for" constant ] [ "limit" UINT ] ;`
fn suggest_stmt(i: &str) -> PResult<'_, StatementKind> {
    let (i, _) = keyword("suggest")(i)?;
    let (i, _) = cut(keyword("aliases")).parse(i)?;
    let (i, target) = opt(preceded(keyword("for"), cut(constant))).parse(i)?;
    let (i, limit) = opt(preceded(keyword("limit"), cut(uint))).parse(i)?;
    Ok((
        i,
        StatementKind::SuggestAliases {
            target,
            limit: limit.map(|(n, _)| n),
        },
    ))
}

/// `assert_stmt = "assert" constant predicate constant [ "note" constant ] ;`
fn assert_stmt(i: &str) -> PResult<'_, StatementKind> {
    let (i, _) = keyword("assert")(i)?;
    let (i, subject) = cut(constant).parse(i)?;
    let (i, predicate) = cut(predicate).parse(i)?;
    let (i, object) = cut(constant).parse(i)?;
    let (i, note) = opt(preceded(keyword("note"), cut(constant))).parse(i)?;
    Ok((
        i,
        StatementKind::Assert {
            subject,
            predicate,
            object,
            note,
        },
    ))
}

/// `retract_stmt = "retract" ( "article" constant
///                           | constant predicate constant [ "in" constant ] )
///                 [ "because" constant ] ;`
fn retract_stmt(i: &str) -> PResult<'_, StatementKind> {
    let (i, _) = keyword("retract")(i)?;
    if let Ok((i, _)) = keyword("article")(i) {
        let (i, id) = cut(constant).parse(i)?;
        let (i, reason) = opt(preceded(keyword("because"), cut(constant))).parse(i)?;
        return Ok((i, StatementKind::RetractArticle { id, reason }));
    }
    let (i, subject) = cut(constant).parse(i)?;
    let (i, predicate) = cut(predicate).parse(i)?;
    let (i, object) = cut(constant).parse(i)?;
    let (i, article) = opt(preceded(keyword("in"), cut(constant))).parse(i)?;
    let (i, reason) = opt(preceded(keyword("because"), cut(constant))).parse(i)?;
    Ok((
        i,
        StatementKind::Retract {
            subject,
            predicate,
            object,
            article,
            reason,
        },
    ))
}

/// `alias_stmt = "alias" constant "as" constant ;`
fn alias_stmt(i: &str) -> PResult<'_, StatementKind> {
    let (i, _) = keyword("alias")(i)?;
    let (i, alias) = cut(constant).parse(i)?;
    let (i, _) = cut(keyword("as")).parse(i)?;
    let (i, canonical) = cut(constant).parse(i)?;
    Ok((i, StatementKind::Alias { alias, canonical }))
}

/// `let_stmt = "let" param "=" literal ;`
fn let_stmt(i: &str) -> PResult<'_, StatementKind> {
    let (i, _) = keyword("let")(i)?;
    let (i, name) = cut(param).parse(i)?;
    let (i, _) = cut(punct("=")).parse(i)?;
    let (i, (lit, span)) = cut(literal).parse(i)?;
    Ok((
        i,
        StatementKind::Let {
            name,
            value: Term::Literal(lit, span),
        },
    ))
}
