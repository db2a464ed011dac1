//! Rendering a [`Table`] in the formats of SPEC §4: a terminal table (fit to the
//! terminal's width), tsv, csv, json (one document per table, on one line) and jsonl
//! (one object per row). Numbers stay numbers in JSON; entities, dates and money are
//! strings (`"9000000000 USD"`); an unbound cell is `null` in JSON and empty elsewhere.

use std::io::Write;

use annals::table::{Cell, Table};
use annals::value::Value;
use serde_json::{json, Value as J};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum OutFormat {
    Table,
    Json,
    Jsonl,
    Csv,
    Tsv,
}

/// A cell as JSON.
pub fn cell_json(c: &Cell) -> J {
    match c {
        None => J::Null,
        Some(Value::Int(i)) => json!(i),
        Some(Value::Decimal(d)) => json!(d),
        Some(v) => J::String(v.to_string()),
    }
}

/// A cell as text.
pub fn cell_text(c: &Cell) -> String {
    c.as_ref().map(|v| v.to_string()).unwrap_or_default()
}

/// A tsv field: tabs, newlines and backslashes escaped so a row stays one line.
fn tsv_field(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '\\' => o.push_str("\\\\"),
            '\t' => o.push_str("\\t"),
            '\n' => o.push_str("\\n"),
            '\r' => o.push_str("\\r"),
            c => o.push(c),
        }
    }
    o
}

pub fn render(t: &Table, format: OutFormat, w: &mut dyn Write) -> std::io::Result<()> {
    match format {
        OutFormat::Table => {
            let mut ct = comfy_table::Table::new();
            ct.load_preset(comfy_table::presets::UTF8_FULL_CONDENSED)
                .set_content_arrangement(comfy_table::ContentArrangement::Dynamic)
                .set_header(t.columns.iter());
            for row in &t.rows {
                ct.add_row(row.iter().map(cell_text));
            }
            writeln!(w, "{ct}")?;
        }
        OutFormat::Tsv => {
            let header: Vec<String> = t.columns.iter().map(|c| tsv_field(c)).collect();
            writeln!(w, "{}", header.join("\t"))?;
            for row in &t.rows {
                let cells: Vec<String> = row.iter().map(|c| tsv_field(&cell_text(c))).collect();
                writeln!(w, "{}", cells.join("\t"))?;
            }
        }
        OutFormat::Csv => {
            let mut cw = csv::Writer::from_writer(w);
            cw.write_record(&t.columns)?;
            for row in &t.rows {
                cw.write_record(row.iter().map(cell_text))?;
            }
            cw.flush()?;
        }
        OutFormat::Json => {
            let rows: Vec<J> = t
                .rows
                .iter()
                .map(|r| J::Array(r.iter().map(cell_json).collect()))
                .collect();
            let doc = json!({"columns": t.columns, "rows": rows});
            serde_json::to_writer(&mut *w, &doc)?;
            writeln!(w)?;
        }
        OutFormat::Jsonl => {
            // Written by hand so that keys keep the column order (serde_json's map
            // without `preserve_order` would sort them).
            for row in &t.rows {
                let mut line = String::from("{");
                for (i, (name, c)) in t.columns.iter().zip(row).enumerate() {
                    if i > 0 {
                        line.push(',');
                    }
                    line.push_str(&J::String(name.clone()).to_string());
                    line.push(':');
                    line.push_str(&cell_json(c).to_string());
                }
                line.push('}');
                writeln!(w, "{line}")?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Table {
        let mut t = Table::new(["name", "n", "amount"]);
        t.push(vec![
            Some(Value::Entity("G42".into())),
            Some(Value::Int(3)),
            Value::parse_typed_literal("9000000000 USD"),
        ]);
        t.push(vec![Some(Value::Str("a\tb".into())), None, None]);
        t
    }

    fn out(f: OutFormat) -> String {
        let mut v = Vec::new();
        render(&sample(), f, &mut v).unwrap();
        String::from_utf8(v).unwrap()
    }

    #[test]
    fn formats() {
        assert_eq!(
            out(OutFormat::Json),
            "{\"columns\":[\"name\",\"n\",\"amount\"],\"rows\":[[\"G42\",3,\"9000000000 USD\"],[\"a\\tb\",null,null]]}\n"
        );
        assert_eq!(
            out(OutFormat::Tsv),
            "name\tn\tamount\nG42\t3\t9000000000 USD\na\\tb\t\t\n"
        );
        assert_eq!(
            out(OutFormat::Jsonl).lines().next().unwrap(),
            "{\"name\":\"G42\",\"n\":3,\"amount\":\"9000000000 USD\"}"
        );
        assert_eq!(
            out(OutFormat::Csv),
            "name,n,amount\nG42,3,9000000000 USD\na\tb,,\n"
        );
    }
}
