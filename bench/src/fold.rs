//! Name folding (annals' own, so that SQLite stores and compares the same folded names
//! annals does) and the SPEC §3 default order for comparing rows.

use std::cmp::Ordering;

pub use annals::value::fold;

/// The smallest string greater than every string starting with `prefix` (for a range scan).
pub fn prefix_upper_bound(prefix: &str) -> String {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        if let Some(next) = char::from_u32(last as u32 + 1) {
            chars.push(next);
            return chars.into_iter().collect();
        }
    }
    String::from(char::MAX)
}

/// A number as the rendered cell shows it: an integer, a decimal, or money `"<amount> CUR"`.
fn as_number(s: &str) -> Option<f64> {
    if let Ok(x) = s.parse::<f64>() {
        return Some(x);
    }
    let (amount, cur) = s.rsplit_once(' ')?;
    if cur.len() == 3 && cur.chars().all(|c| c.is_ascii_uppercase()) {
        amount.parse::<f64>().ok()
    } else {
        None
    }
}

/// SPEC §3 order of rendered cells: numbers and money by value first, then strings by folded
/// form, ties broken by code point. (ISO dates order correctly as strings.)
pub fn compare_cells(a: &str, b: &str) -> Ordering {
    match (as_number(a), as_number(b)) {
        (Some(x), Some(y)) => x.total_cmp(&y).then_with(|| a.cmp(b)),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => fold(a).cmp(&fold(b)).then_with(|| a.cmp(b)),
    }
}

pub fn compare_rows(a: &[String], b: &[String]) -> Ordering {
    for (x, y) in a.iter().zip(b) {
        let o = compare_cells(x, y);
        if o != Ordering::Equal {
            return o;
        }
    }
    a.len().cmp(&b.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_like_annals() {
        assert_eq!(fold("Émirats arabes unis"), "emirats arabes unis");
        assert_eq!(fold("ÉMIRATS  ARABES UNIS "), "emirats arabes unis");
        assert_eq!(fold("  L’administration\tTrump "), "l'administration trump");
        assert_eq!(fold("Søren Łukasz"), "soren lukasz");
        assert_eq!(prefix_upper_bound("el"), "em");
    }

    #[test]
    fn orders_cells() {
        assert_eq!(
            compare_cells("25000000 USD", "1500000000 USD"),
            Ordering::Less
        );
        assert_eq!(compare_cells("Élodie", "emma"), Ordering::Less);
        assert_eq!(compare_cells("9", "a"), Ordering::Less);
    }
}
