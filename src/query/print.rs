//! Canonical syntax for the AST: [`fmt::Display`] on every node.
//!
//! The canonical form is one line per statement, keywords in lower case, single spaces,
//! `, ` between list items, strings with the minimal escapes. Parsing the printed text
//! gives back the same tree, spans aside; `tests/parser.rs` checks that on random trees.
//! `explain` and the REPL's history show statements this way.

use std::fmt::{self, Display, Formatter, Write};

use chrono::SecondsFormat;

use crate::query::ast::*;

impl Display for Script {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        for s in &self.statements {
            writeln!(f, "{s};")?;
        }
        Ok(())
    }
}

impl Display for Statement {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        self.kind.fmt(f)
    }
}

fn as_of(f: &mut Formatter<'_>, a: &Option<AsOf>) -> fmt::Result {
    match a {
        Some(a) => write!(f, " as of {a}"),
        None => Ok(()),
    }
}

impl Display for StatementKind {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            StatementKind::Find(find) => find.fmt(f),
            StatementKind::History { target, as_of: a } => {
                write!(f, "history {target}")?;
                as_of(f, a)
            }
            StatementKind::Why {
                subject,
                predicate,
                object,
                as_of: a,
            } => {
                write!(f, "why {subject} {predicate} {object}")?;
                as_of(f, a)
            }
            StatementKind::Entity { name, as_of: a } => {
                write!(f, "entity {name}")?;
                as_of(f, a)
            }
            StatementKind::SuggestAliases { target, limit } => {
                f.write_str("suggest aliases")?;
                if let Some(t) = target {
                    write!(f, " for {t}")?;
                }
                if let Some(n) = limit {
                    write!(f, " limit {n}")?;
                }
                Ok(())
            }
            StatementKind::Assert {
                subject,
                predicate,
                object,
                note,
            } => {
                write!(f, "assert {subject} {predicate} {object}")?;
                if let Some(n) = note {
                    write!(f, " note {n}")?;
                }
                Ok(())
            }
            StatementKind::Retract {
                subject,
                predicate,
                object,
                article,
                reason,
            } => {
                write!(f, "retract {subject} {predicate} {object}")?;
                if let Some(a) = article {
                    write!(f, " in {a}")?;
                }
                if let Some(r) = reason {
                    write!(f, " because {r}")?;
                }
                Ok(())
            }
            StatementKind::RetractArticle { id, reason } => {
                write!(f, "retract article {id}")?;
                if let Some(r) = reason {
                    write!(f, " because {r}")?;
                }
                Ok(())
            }
            StatementKind::Alias { alias, canonical } => write!(f, "alias {alias} as {canonical}"),
            StatementKind::Let { name, value } => write!(f, "let ${name} = {value}"),
            StatementKind::Explain { analyze, statement } => {
                f.write_str(if *analyze {
                    "explain analyze "
                } else {
                    "explain "
                })?;
                statement.fmt(f)
            }
        }
    }
}

fn comma_list<T: Display>(f: &mut Formatter<'_>, items: &[T]) -> fmt::Result {
    for (n, x) in items.iter().enumerate() {
        if n > 0 {
            f.write_str(", ")?;
        }
        x.fmt(f)?;
    }
    Ok(())
}

impl Display for Find {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "find {} where ", self.projection)?;
        comma_list(f, &self.clauses)?;
        if !self.order_by.is_empty() {
            f.write_str(" order by ")?;
            comma_list(f, &self.order_by)?;
        }
        if let Some(n) = self.limit {
            write!(f, " limit {n}")?;
        }
        if let Some(n) = self.offset {
            write!(f, " offset {n}")?;
        }
        as_of(f, &self.as_of)
    }
}

impl Display for Projection {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Projection::Star(_) => f.write_str("*"),
            Projection::Items(items) => comma_list(f, items),
        }
    }
}

impl Display for ProjItem {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            ProjItem::Var(v) => v.fmt(f),
            ProjItem::Aggregate(a) => a.fmt(f),
        }
    }
}

/// The column an aggregate names when it has no `as` (SPEC §3: "as written", in its
/// canonical spelling): `count(?p)`, `count(distinct ?p)`, `count(*)`.
pub fn aggregate_column(a: &Aggregate) -> String {
    let mut s = String::new();
    s.push_str(a.func.as_str());
    s.push('(');
    if a.distinct {
        s.push_str("distinct ");
    }
    match &a.arg {
        Some(v) => {
            let _ = write!(s, "{v}");
        }
        None => s.push('*'),
    }
    s.push(')');
    s
}

impl Display for Aggregate {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(&aggregate_column(self))?;
        if let Some(a) = &self.alias {
            write!(f, " as {a}")?;
        }
        Ok(())
    }
}

impl Display for Clause {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Clause::Pattern(p) => p.fmt(f),
            // The short form for the common case; both forms parse to this tree.
            Clause::Not(cs, _) => match cs.as_slice() {
                [Clause::Pattern(p)] => write!(f, "not {p}"),
                _ => {
                    f.write_str("not (")?;
                    comma_list(f, cs)?;
                    f.write_str(")")
                }
            },
            Clause::Optional(cs, _) => {
                f.write_str("optional (")?;
                comma_list(f, cs)?;
                f.write_str(")")
            }
            Clause::Filter(filter) => filter.fmt(f),
        }
    }
}

impl Display for Pattern {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.subject, self.path, self.object)?;
        if let Some(a) = &self.article {
            write!(f, " in {a}")?;
        }
        Ok(())
    }
}

impl Display for Path {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Path::Var(v) => v.fmt(f),
            Path::Pred {
                name,
                inverse,
                repeat,
            } => {
                if *inverse {
                    f.write_str("^")?;
                }
                write!(f, "{name}{repeat}")
            }
        }
    }
}

impl Display for Repeat {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Repeat::One => Ok(()),
            Repeat::Plus => f.write_str("+"),
            Repeat::Star => f.write_str("*"),
            Repeat::Range(m, n) => write!(f, "{{{m},{n}}}"),
        }
    }
}

impl Display for Filter {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Filter::Compare {
                left, op, right, ..
            } => write!(f, "{left} {op} {right}"),
            Filter::In { left, values, .. } => {
                write!(f, "{left} in [")?;
                comma_list(f, values)?;
                f.write_str("]")
            }
        }
    }
}

impl Display for CompareOp {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CompareOp::Eq => "=",
            CompareOp::Ne => "!=",
            CompareOp::Lt => "<",
            CompareOp::Le => "<=",
            CompareOp::Gt => ">",
            CompareOp::Ge => ">=",
            CompareOp::Contains => "contains",
            CompareOp::StartsWith => "starts_with",
            CompareOp::Matches => "matches",
        })
    }
}

impl Display for OrderKey {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match &self.target {
            OrderTarget::Var(v) => v.fmt(f)?,
            OrderTarget::Column(n) => n.fmt(f)?,
        }
        if self.descending {
            f.write_str(" desc")?;
        }
        Ok(())
    }
}

impl Display for AsOf {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            AsOf::Tx(n, _) => write!(f, "#{n}"),
            AsOf::Date(d, _) => write!(f, "{}", d.format("%Y-%m-%d")),
            AsOf::DateTime(d, _) => f.write_str(&d.to_rfc3339_opts(SecondsFormat::AutoSi, true)),
            AsOf::Param(n) => write!(f, "${n}"),
        }
    }
}

impl Display for Term {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Term::Var(v) => v.fmt(f),
            Term::Wildcard(_) => f.write_str("_"),
            Term::Param(n) => write!(f, "${n}"),
            Term::Literal(l, _) => l.fmt(f),
        }
    }
}

impl Display for Literal {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Literal::Str(s) => write_string(f, s),
            Literal::Int(n) => write!(f, "{n}"),
            Literal::Decimal(d) => {
                // Rust prints the shortest text that reads back as the same f64, never
                // in exponent form; a whole number needs its `.0` to stay a decimal.
                let s = d.to_string();
                if s.contains('.') || !d.is_finite() {
                    f.write_str(&s)
                } else {
                    write!(f, "{s}.0")
                }
            }
            Literal::Date(d) => write!(f, "{}", d.format("%Y-%m-%d")),
            Literal::DateTime(d) => f.write_str(&d.to_rfc3339_opts(SecondsFormat::AutoSi, true)),
        }
    }
}

/// A string literal with the escapes the lexer reads back.
fn write_string(f: &mut Formatter<'_>, s: &str) -> fmt::Result {
    f.write_char('"')?;
    for c in s.chars() {
        match c {
            '"' => f.write_str("\\\"")?,
            '\\' => f.write_str("\\\\")?,
            '\n' => f.write_str("\\n")?,
            '\t' => f.write_str("\\t")?,
            '\r' => f.write_str("\\r")?,
            c if c.is_control() => write!(f, "\\u{{{:X}}}", c as u32)?,
            c => f.write_char(c)?,
        }
    }
    f.write_char('"')
}

impl Display for Var {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "?{}", self.name)
    }
}

impl Display for Name {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}
