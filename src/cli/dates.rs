//! Dates and times as the language in force writes them ([`super::i18n`]): English keeps ISO
//! 8601 (`2035-05-15`), Japanese writes `2035年5月15日`; a birth date, which the card face
//! prints in the Japanese era, is written with the era in Japanese (`昭和55年1月2日`, year 1 as
//! 元年), using the era table of src/carddata/era.rs. JSON never goes through here.

use std::time::SystemTime;

use mynacard::carddata::era::Era;
use time::{Date, OffsetDateTime, UtcOffset};

use super::i18n::{lang, Lang};

/// A calendar day.
pub fn day(d: Date) -> String {
    match lang() {
        Lang::En => format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day()),
        Lang::Ja => format!("{}年{}月{}日", d.year(), u8::from(d.month()), d.day()),
    }
}

/// A birth date: in Japanese with the era, as the card face prints it (the Gregorian day before
/// 明治, which no card holds).
pub fn birth_day(d: Date) -> String {
    match (lang(), Era::of(d)) {
        (Lang::Ja, Some((era, year))) => {
            let year = if year == 1 { "元".to_string() } else { year.to_string() };
            format!("{}{year}年{}月{}日", era.kanji(), u8::from(d.month()), d.day())
        }
        _ => day(d),
    }
}

/// A `YYYYMMDD` or `YYYY-MM-DD` string as [`birth_day`], or unchanged if it is not a date.
pub fn birth_text(raw: &str) -> String {
    let compact: String = raw.chars().filter(|c| *c != '-').collect();
    match mynacard::carddata::era::parse_yyyymmdd(&compact) {
        Some(d) => birth_day(d),
        None => raw.to_string(),
    }
}

/// A `YYYYMMDD` or `YYYY-MM-DD` string as [`day`], or unchanged if it is not a date.
pub fn day_text(raw: &str) -> String {
    let compact: String = raw.chars().filter(|c| *c != '-').collect();
    match mynacard::carddata::era::parse_yyyymmdd(&compact) {
        Some(d) => day(d),
        None => raw.to_string(),
    }
}

/// A point in time in Japan time: `2035-05-15 23:59:59 JST` / `2035年5月15日 23:59:59 (日本時間)`.
pub fn jst_time(t: SystemTime) -> String {
    let offset = UtcOffset::from_hms(9, 0, 0).unwrap_or(UtcOffset::UTC);
    let j = OffsetDateTime::from(t).to_offset(offset);
    let clock = format!("{:02}:{:02}:{:02}", j.hour(), j.minute(), j.second());
    match lang() {
        Lang::En => format!("{} {clock} JST", day(j.date())),
        Lang::Ja => format!("{} {clock} (日本時間)", day(j.date())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::i18n::with_lang;
    use time::macros::date;

    #[test]
    fn days_in_each_language() {
        assert_eq!(with_lang(Lang::En, || day(date!(2035 - 05 - 15))), "2035-05-15");
        assert_eq!(with_lang(Lang::Ja, || day(date!(2035 - 05 - 15))), "2035年5月15日");
    }

    #[test]
    fn birth_dates_take_the_era_in_japanese() {
        assert_eq!(with_lang(Lang::Ja, || birth_day(date!(1980 - 01 - 02))), "昭和55年1月2日");
        assert_eq!(with_lang(Lang::Ja, || birth_day(date!(2019 - 05 - 01))), "令和元年5月1日");
        assert_eq!(with_lang(Lang::Ja, || birth_day(date!(2019 - 04 - 30))), "平成31年4月30日");
        assert_eq!(with_lang(Lang::Ja, || birth_text("19800102")), "昭和55年1月2日");
        assert_eq!(with_lang(Lang::En, || birth_text("1980-01-02")), "1980-01-02");
        assert_eq!(with_lang(Lang::Ja, || birth_text("x")), "x");
    }

    #[test]
    fn japan_time() {
        let t = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(2_062_853_999);
        assert_eq!(with_lang(Lang::En, || jst_time(t)), "2035-05-15 23:59:59 JST");
        assert_eq!(with_lang(Lang::Ja, || jst_time(t)), "2035年5月15日 23:59:59 (日本時間)");
    }
}
