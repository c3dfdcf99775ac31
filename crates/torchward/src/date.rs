//! Calendar dates for ignore-file expiry: parsing `YYYY-MM-DD` strictly and knowing today's
//! date (UTC) without a date-time dependency. Civil-from-days follows Howard Hinnant's
//! public-domain algorithm ("chrono-Compatible Low-Level Date Algorithms").
use std::fmt;
use std::str::FromStr;
use std::time::{SystemTime, UNIX_EPOCH};

/// A proleptic Gregorian date; ordered chronologically.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date {
    year: i32,
    month: u8,
    day: u8,
}

impl Date {
    /// Today in UTC, from the system clock. A clock before 1970 reads as 1970-01-01.
    pub fn today() -> Date {
        let secs = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        Date::from_days(i64::try_from(secs / 86_400).unwrap_or(0))
    }

    /// The date `days` days after 1970-01-01.
    fn from_days(days: i64) -> Date {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        Date {
            year: i32::try_from(year).unwrap_or(i32::MAX),
            month: u8::try_from(month).unwrap_or(1),
            day: u8::try_from(day).unwrap_or(1),
        }
    }
}

/// A string that is not a valid `YYYY-MM-DD` date.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{given}` is not a date of the form YYYY-MM-DD")]
pub struct ParseDateError {
    given: String,
}

impl FromStr for Date {
    type Err = ParseDateError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || ParseDateError {
            given: s.to_owned(),
        };
        let bytes = s.as_bytes();
        if bytes.len() != 10 || bytes.get(4) != Some(&b'-') || bytes.get(7) != Some(&b'-') {
            return Err(err());
        }
        let number = |range: std::ops::Range<usize>| -> Result<u32, ParseDateError> {
            let part = s.get(range).ok_or_else(err)?;
            if !part.bytes().all(|b| b.is_ascii_digit()) {
                return Err(err());
            }
            part.parse().map_err(|_| err())
        };
        let year = number(0..4)?;
        let month = number(5..7)?;
        let day = number(8..10)?;
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        let days_in_month = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return Err(err()),
        };
        if day == 0 || day > days_in_month {
            return Err(err());
        }
        Ok(Date {
            year: i32::try_from(year).map_err(|_| err())?,
            month: u8::try_from(month).map_err(|_| err())?,
            day: u8::try_from(day).map_err(|_| err())?,
        })
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_valid_dates_and_refuses_invalid_ones() {
        assert_eq!(
            "2024-02-29".parse::<Date>().map(|d| d.to_string()),
            Ok("2024-02-29".into())
        );
        for bad in [
            "2023-02-29",
            "2024-13-01",
            "2024-00-10",
            "2024-1-01",
            "24-01-01",
            "2024-01-32",
            "2024/01/01",
            "+024-01-01",
        ] {
            assert!(bad.parse::<Date>().is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn days_since_epoch_convert_to_civil_dates() {
        assert_eq!(Date::from_days(0).to_string(), "1970-01-01");
        assert_eq!(Date::from_days(11_016).to_string(), "2000-02-29");
        assert_eq!(Date::from_days(20_454).to_string(), "2026-01-01");
    }

    #[test]
    fn orders_chronologically() {
        let a: Date = "2025-12-31".parse().unwrap_or(Date::from_days(0));
        let b: Date = "2026-01-01".parse().unwrap_or(Date::from_days(0));
        assert!(a < b);
    }
}
