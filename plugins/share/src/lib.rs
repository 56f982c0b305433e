//! `share`: fractional counting, the Nature Index "Share".
//!
//! An article is worth 1 (times its weight). Each of its `n` authorships gets
//! `1/n`, split equally over that authorship's `k_i` distinct institution
//! slots; each slot's part goes to the entity it resolves to. Authorships
//! without institutions and unresolved slots leave their part unassigned
//! (policy `drop`, the Nature Index and CWTS behaviour), or the article's 1 is
//! shared among the resolved slots only (policy `renormalize`: `n'` =
//! authorships with a resolved slot, each gets `1/n'` over its resolved slots).

use serde::Deserialize;
use tally_core::{
    credit_by_position, Article, Credit, FromParams, ParamsError, ScoreKind, Scorer, ScorerInfo,
    UNRESOLVED,
};

/// What happens to the part of an authorship without a resolved institution.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Unaffiliated {
    /// The part stays unassigned (Nature Index, CWTS).
    #[default]
    Drop,
    /// The article's 1 is shared among resolved slots only.
    Renormalize,
}

/// Fractional counting.
#[derive(Clone, Debug, Default)]
pub struct Share {
    /// Policy for unaffiliated and unresolved parts.
    pub unaffiliated: Unaffiliated,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Params {
    #[serde(default)]
    unaffiliated: Unaffiliated,
}

impl FromParams for Share {
    fn from_params(json: &str) -> Result<Self, ParamsError> {
        let p: Params =
            serde_path_to_error::deserialize(&mut serde_json::Deserializer::from_str(json))
                .map_err(|e| match e.path().to_string().as_str() {
                    "." => ParamsError::new(e.inner().to_string()),
                    key => ParamsError::at(key, e.inner().to_string()),
                })?;
        Ok(Share {
            unaffiliated: p.unaffiliated,
        })
    }
}

impl Scorer for Share {
    fn info(&self) -> ScorerInfo {
        ScorerInfo::new(
            "share",
            env!("CARGO_PKG_VERSION"),
            "fractional counting: 1/n per author, split over the author's affiliations (Nature Index Share)",
            ScoreKind::Fractional,
        )
    }

    fn score(&self, article: &Article<'_>, out: &mut Vec<Credit>) {
        match self.unaffiliated {
            Unaffiliated::Drop => credit_by_position(article, out, |_, n| 1.0 / n as f64),
            Unaffiliated::Renormalize => {
                let resolved = |slots: &[u32]| slots.iter().filter(|&&e| e != UNRESOLVED).count();
                let n = article.iter().filter(|s| resolved(s) > 0).count();
                for slots in article.iter() {
                    let k = resolved(slots);
                    if k == 0 {
                        continue;
                    }
                    let part = article.weight / (n as f64 * k as f64);
                    for &entity in slots.iter().filter(|&&e| e != UNRESOLVED) {
                        out.push(Credit {
                            entity,
                            credit: part,
                        });
                    }
                }
            }
        }
    }
}

#[cfg(feature = "export")]
tally_core::export_scorer!(Share);

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn totals(s: &Share, offsets: &[u32], slots: &[u32]) -> BTreeMap<u32, f64> {
        let a = Article::new(2022, 0, 1.0, offsets, slots).unwrap();
        let mut out = Vec::new();
        s.score(&a, &mut out);
        let mut m = BTreeMap::new();
        for c in out {
            *m.entry(c.entity).or_insert(0.0) += c.credit;
        }
        m
    }

    #[test]
    fn worked_example_w1_at_city_level() {
        // [Beijing] [Beijing, Hefei] [Cambridge US] []
        let m = totals(&Share::default(), &[0, 1, 3, 4, 4], &[0, 0, 1, 2]);
        assert_eq!(m[&0], 0.25 + 0.125);
        assert_eq!(m[&1], 0.125);
        assert_eq!(m[&2], 0.25);
        assert_eq!(m.values().sum::<f64>(), 0.75);
    }

    #[test]
    fn two_institutions_in_one_city_give_the_full_part() {
        // [Tsinghua, Peking U] both Beijing: Beijing gets the whole 1/1.
        let m = totals(&Share::default(), &[0, 2], &[4, 4]);
        assert_eq!(m[&4], 1.0);
    }

    #[test]
    fn renormalize_shares_among_resolved_slots() {
        let s = Share {
            unaffiliated: Unaffiliated::Renormalize,
        };
        // [A] [] [A, unresolved] -> n' = 2; A gets 1/2 + 1/2.
        let m = totals(&s, &[0, 1, 1, 3], &[0, 0, UNRESOLVED]);
        assert_eq!(m[&0], 1.0);
        // Nothing resolved: nothing emitted.
        assert!(totals(&s, &[0, 1], &[UNRESOLVED]).is_empty());
        // The same article under drop: 1/3 + 1/6.
        let d = totals(&Share::default(), &[0, 1, 1, 3], &[0, 0, UNRESOLVED]);
        assert!((d[&0] - 0.5).abs() < 1e-15);
    }

    #[test]
    fn empty_byline_emits_nothing() {
        assert!(totals(&Share::default(), &[0], &[]).is_empty());
    }

    #[test]
    fn three_thousand_authors_conserve_the_article() {
        let n = 3000u32;
        let offsets: Vec<u32> = (0..=n).map(|i| i * 2).collect();
        let slots: Vec<u32> = (0..2 * n).map(|i| i % 97).collect();
        let m = totals(&Share::default(), &offsets, &slots);
        assert_eq!(m.len(), 97);
        assert!((m.values().sum::<f64>() - 1.0).abs() < 1e-12);
    }

    #[test]
    fn params_are_checked() {
        assert_eq!(
            Share::from_params(r#"{"unaffiliated":"renormalize"}"#)
                .unwrap()
                .unaffiliated,
            Unaffiliated::Renormalize
        );
        let err = Share::from_params(r#"{"unaffiliated":"keep"}"#).unwrap_err();
        assert_eq!(err.key.as_deref(), Some("unaffiliated"));
        assert!(err.message.contains("unknown variant `keep`"), "{err}");
        let err = Share::from_params(r#"{"policy":"drop"}"#).unwrap_err();
        assert_eq!(err.key.as_deref(), Some("policy"));
        assert_eq!(Share::from_params("[").unwrap_err().key, None);
    }

    #[test]
    fn keeps_the_contract_directly_and_through_the_abi() {
        tally_testkit::check_contract_with_abi::<Share>("{}").unwrap();
        tally_testkit::check_contract_with_abi::<Share>(r#"{"unaffiliated":"renormalize"}"#)
            .unwrap();
    }
}
