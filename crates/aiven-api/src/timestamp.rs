//! Times as the API writes them (RFC 3339 in UTC with microseconds) and as
//! users write `recovery_target_time` (RFC 3339 with any offset, or the
//! CLI's `YYYY-MM-DD HH:MM:SS` in UTC).

use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};

/// What `recovery_target_time` accepts, for error messages.
pub const ACCEPTED_FORMATS: &str = "RFC 3339 (e.g. 2025-07-01T15:16:22Z or 2025-07-01T15:16:22+00:00) \
                                    or YYYY-MM-DD HH:MM:SS in UTC";

/// A time in neither accepted format. It repeats the text: a time is not a
/// secret, and seeing it is the quickest way to spot the typo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidTime {
    pub text: String,
}

impl std::fmt::Display for InvalidTime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:?} is not a valid time: use {ACCEPTED_FORMATS}",
            self.text
        )
    }
}

impl std::error::Error for InvalidTime {}

/// Parses a user-supplied time in either accepted format.
pub fn parse(text: &str) -> Result<OffsetDateTime, InvalidTime> {
    let trimmed = text.trim();
    if let Ok(parsed) = OffsetDateTime::parse(trimmed, &Rfc3339) {
        return Ok(parsed);
    }
    let plain = format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    let plain_fraction =
        format_description!("[year]-[month]-[day] [hour]:[minute]:[second].[subsecond]");
    PrimitiveDateTime::parse(trimmed, &plain)
        .or_else(|_| PrimitiveDateTime::parse(trimmed, &plain_fraction))
        .map(PrimitiveDateTime::assume_utc)
        .map_err(|_| InvalidTime {
            text: text.to_owned(),
        })
}

/// The longest time string the API takes in `recovery_target_time`.
pub const MAX_LENGTH: usize = 32;

/// A user's time in the form the API takes: RFC 3339 in UTC with `Z`, at
/// most 30 characters (nanoseconds included), so never over
/// [`MAX_LENGTH`].
pub fn normalize(text: &str) -> Result<String, InvalidTime> {
    parse(text).map(format)
}

/// Formats as the API does: RFC 3339, UTC, `Z`.
pub fn format(time: OffsetDateTime) -> String {
    time.to_offset(UtcOffset::UTC)
        .format(&Rfc3339)
        .unwrap_or_default()
}

/// Formats without sub-second digits, for values users compare by eye.
pub fn format_seconds(time: OffsetDateTime) -> String {
    format(time.replace_nanosecond(0).unwrap_or(time))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_formats_name_the_same_instant() {
        let a = parse("2025-07-01T15:16:22+00:00").unwrap();
        let b = parse("2025-07-01 15:16:22").unwrap();
        let c = parse("2025-07-01T17:16:22+02:00").unwrap();
        assert_eq!(a, b);
        assert_eq!(a, c);
        assert_eq!(format(a), "2025-07-01T15:16:22Z");
    }

    #[test]
    fn any_accepted_time_normalizes_to_what_the_api_takes() {
        let long = "2025-07-01T17:16:22.123456789+02:00";
        assert!(long.len() > MAX_LENGTH);
        let normal = normalize(long).unwrap();
        assert_eq!(normal, "2025-07-01T15:16:22.123456789Z");
        assert!(normal.len() <= MAX_LENGTH);
        assert_eq!(
            normalize("2025-07-01 15:16:22").unwrap(),
            "2025-07-01T15:16:22Z"
        );
    }

    #[test]
    fn garbage_is_refused_with_the_accepted_formats() {
        let err = parse("yesterday").unwrap_err();
        assert!(err.to_string().contains("RFC 3339"), "{err}");
        assert!(parse("2025-13-01 00:00:00").is_err());
    }
}
