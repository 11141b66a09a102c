//! The Japanese era table, one place for the crate: the era digit of the signature
//! certificate's birth date (`EYYYYMMDD`), and the era year the card-face application uses
//! in the 生年月日 key and in 照合番号B (`YYMMDD` with YY the year of the era, year 1 = `01`).
//!
//! Facts: era by the exact date of its start; 1980-02-17 is 昭和55 (`550217`); the era basis
//! of 照合番号B has one source (the myna-card crate) plus a public nfcpy script giving
//! 令和2年2月24日 → `020224`. The era digits 1–5 are the J-LIS certificate profile's.

use time::{Date, Month};

/// A Japanese era since 明治.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Era {
    /// 明治, digit 1.
    Meiji,
    /// 大正, digit 2.
    Taisho,
    /// 昭和, digit 3.
    Showa,
    /// 平成, digit 4.
    Heisei,
    /// 令和, digit 5.
    Reiwa,
}

/// Each era and its first day, oldest first.
const ERAS: [(Era, i32, Month, u8); 5] = [
    (Era::Meiji, 1868, Month::October, 23),
    (Era::Taisho, 1912, Month::July, 30),
    (Era::Showa, 1926, Month::December, 25),
    (Era::Heisei, 1989, Month::January, 8),
    (Era::Reiwa, 2019, Month::May, 1),
];

impl Era {
    /// Every era, oldest first.
    pub const ALL: [Era; 5] = [Era::Meiji, Era::Taisho, Era::Showa, Era::Heisei, Era::Reiwa];

    /// The J-LIS era digit (1 明治 … 5 令和).
    pub fn digit(self) -> u8 {
        self as u8 + 1
    }

    /// From the J-LIS era digit.
    pub fn from_digit(d: u8) -> Option<Era> {
        Era::ALL.get(usize::from(d.checked_sub(1)?)).copied()
    }

    /// The era's name in kanji.
    pub fn kanji(self) -> &'static str {
        match self {
            Era::Meiji => "明治",
            Era::Taisho => "大正",
            Era::Showa => "昭和",
            Era::Heisei => "平成",
            Era::Reiwa => "令和",
        }
    }

    /// The first day of the era.
    pub fn start(self) -> Date {
        // The table holds a valid date for every era; a test checks each.
        ERAS.get(self as usize)
            .and_then(|&(_, y, m, d)| Date::from_calendar_date(y, m, d).ok())
            .unwrap_or(Date::MIN)
    }

    /// The era of a date and the year within it (1 = 元年); `None` before 明治.
    pub fn of(date: Date) -> Option<(Era, i32)> {
        let era = Era::ALL.iter().rev().find(|e| date >= e.start())?;
        Some((*era, date.year() - era.start().year() + 1))
    }
}

/// A `YYYYMMDD` date string as a date; `None` unless 8 ASCII digits of a real date.
pub fn parse_yyyymmdd(s: &str) -> Option<Date> {
    let b = s.as_bytes();
    if b.len() != 8 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let y: i32 = s.get(0..4)?.parse().ok()?;
    let m: u8 = s.get(4..6)?.parse().ok()?;
    let d: u8 = s.get(6..8)?.parse().ok()?;
    Date::from_calendar_date(y, Month::try_from(m).ok()?, d).ok()
}

/// The six era digits `YYMMDD` of a date (era year, month, day), as the card-face
/// application's 生年月日 key and the front of 照合番号B use them; `None` before 明治 or
/// past era year 99.
pub fn era_yymmdd(date: Date) -> Option<String> {
    let (_, year) = Era::of(date)?;
    (year <= 99).then(|| format!("{year:02}{:02}{:02}", u8::from(date.month()), date.day()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn table_dates_are_valid_and_ordered() {
        let starts: Vec<Date> = Era::ALL.iter().map(|e| e.start()).collect();
        assert!(starts.iter().all(|d| *d != Date::MIN));
        assert!(starts.windows(2).all(|w| w[0] < w[1]));
        for e in Era::ALL {
            assert_eq!(Era::from_digit(e.digit()), Some(e));
        }
        assert_eq!(Era::from_digit(0), None);
        assert_eq!(Era::from_digit(6), None);
    }

    #[test]
    fn era_years_by_exact_date() {
        // docs/card-facts.md §3: 1980-02-17 is 昭和55.
        assert_eq!(era_yymmdd(date!(1980 - 02 - 17)).as_deref(), Some("550217"));
        // 令和2年2月24日 → 020224 (independent nfcpy script).
        assert_eq!(era_yymmdd(date!(2020 - 02 - 24)).as_deref(), Some("020224"));
        // Boundaries: the first day of an era is year 1 of it, the day before is the old one.
        assert_eq!(Era::of(date!(2019 - 05 - 01)), Some((Era::Reiwa, 1)));
        assert_eq!(Era::of(date!(2019 - 04 - 30)), Some((Era::Heisei, 31)));
        assert_eq!(Era::of(date!(1989 - 01 - 07)), Some((Era::Showa, 64)));
        assert_eq!(Era::of(date!(1989 - 01 - 08)), Some((Era::Heisei, 1)));
        assert_eq!(Era::of(date!(1926 - 12 - 25)), Some((Era::Showa, 1)));
        assert_eq!(Era::of(date!(1926 - 12 - 24)), Some((Era::Taisho, 15)));
        assert_eq!(Era::of(date!(1868 - 10 - 22)), None);
        assert_eq!(era_yymmdd(date!(1868 - 10 - 22)), None);
    }

    #[test]
    fn parses_only_real_dates() {
        assert_eq!(parse_yyyymmdd("19800217"), Some(date!(1980 - 02 - 17)));
        for bad in ["1980021", "198002170", "19800230", "1980ab17", "19801317", "１９８００２１７"]
        {
            assert_eq!(parse_yyyymmdd(bad), None, "{bad}");
        }
    }
}
