//! "Did you mean ...?" for route names, settings keys and profiles.

/// The candidate closest to `wanted`, if one is close enough to be a likely typo.
pub(crate) fn closest<'a>(
    wanted: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    close_matches(wanted, candidates, 1).into_iter().next()
}

/// Up to `limit` candidates similar to `wanted`, best first.
pub(crate) fn close_matches<'a>(
    wanted: &str,
    candidates: impl IntoIterator<Item = &'a str>,
    limit: usize,
) -> Vec<&'a str> {
    let mut scored: Vec<(f64, &str)> = candidates
        .into_iter()
        .filter(|c| *c != wanted)
        .map(|c| (strsim::jaro_winkler(wanted, c), c))
        .filter(|(score, _)| *score >= 0.8)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    scored.dedup_by(|a, b| a.1 == b.1);
    scored.into_iter().take(limit).map(|(_, c)| c).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_typos_and_ignores_strangers() {
        let names = ["shop:product-detail", "shop:product-list", "home"];
        assert_eq!(
            closest("shop:prodcut-detail", names),
            Some("shop:product-detail")
        );
        assert_eq!(closest("zzz", names), None);
        assert_eq!(close_matches("shop:product", names, 3).len(), 2);
    }
}
