//! Name rules, checked by aiven-local on every request and by the
//! provider at plan time, so a bad name fails before anything is created.

/// Why a name was refused, phrased to complete "service_name ...".
pub type NameError = String;

fn check(kind: &str, name: &str, max: usize) -> Result<(), NameError> {
    let first_ok = name.chars().next().is_some_and(|c| c.is_ascii_lowercase());
    let chars_ok = name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if name.is_empty() || name.len() > max || !first_ok || !chars_ok || name.ends_with('-') {
        return Err(format!(
            "{kind} {name:?} is invalid: use 1 to {max} characters of lowercase letters, digits and hyphens, \
             starting with a letter and not ending with a hyphen"
        ));
    }
    Ok(())
}

/// Service names: `^[a-z][-a-z0-9]{0,63}$`, no trailing hyphen.
pub fn check_service_name(name: &str) -> Result<(), NameError> {
    check("service_name", name, 64)
}

/// Project names: the same alphabet, up to 63 characters.
pub fn check_project_name(name: &str) -> Result<(), NameError> {
    check("project", name, 63)
}

/// Service user and database names: letters, digits, `_` and `-`, starting
/// with a letter or `_`, at most 63 bytes (PostgreSQL's identifier limit).
pub fn check_identifier(kind: &str, name: &str) -> Result<(), NameError> {
    let first_ok = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    let chars_ok = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if !first_ok || !chars_ok || name.len() > 63 {
        return Err(format!(
            "{kind} {name:?} is invalid: use 1 to 63 letters, digits, '_' or '-', starting with a letter or '_'"
        ));
    }
    Ok(())
}

/// A role a service may create: an identifier that PostgreSQL does not
/// reserve (`pg_*`, `public`, `none`; the API refuses them for every
/// type), up to 63 letters, digits, `_`, `-` or `.`. Errors repeat the name:
/// a name is not a secret.
pub fn check_role_name(name: &str) -> Result<(), NameError> {
    let chars_ok = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    // The API's pattern also keeps '-' and '.' off the front.
    let starts_ok = !name.starts_with(['-', '.']);
    if name.is_empty() || name.len() > 63 || !chars_ok || !starts_ok {
        return Err(format!(
            "{name:?} is invalid: use 1 to 63 letters, digits, '_', '-' or '.', not starting with '-' or '.'"
        ));
    }
    let lower = name.to_ascii_lowercase();
    if lower.starts_with("pg_") || lower == "public" || lower == "none" {
        return Err(format!(
            "{name:?} is reserved by PostgreSQL (names starting with pg_, public and none); choose another"
        ));
    }
    Ok(())
}

/// Databases a service keeps for itself: none may be created or dropped
/// through the API.
pub const RESERVED_DATABASES: [&str; 3] = ["postgres", "template0", "template1"];

/// Cloud names are `provider-region`, e.g. `google-europe-west1`.
pub fn check_cloud_name(name: &str) -> Result<(), NameError> {
    const PROVIDERS: [&str; 6] = ["aws", "azure", "do", "google", "upcloud", "local"];
    let valid = name.split_once('-').is_some_and(|(provider, region)| {
        PROVIDERS.contains(&provider)
            && !region.is_empty()
            && region
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    });
    if !valid {
        return Err(format!(
            "cloud {name:?} is invalid: use PROVIDER-REGION with PROVIDER one of {}, e.g. google-europe-west1",
            PROVIDERS.join(", ")
        ));
    }
    Ok(())
}

/// The days a maintenance window may be set to (the request's `DowType`).
/// Replies may also say `never`, which no request can ask for.
pub const MAINTENANCE_DAYS: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

/// A maintenance day a request may set.
pub fn check_maintenance_day(dow: &str) -> Result<(), NameError> {
    if MAINTENANCE_DAYS.contains(&dow) {
        return Ok(());
    }
    let never = if dow == "never" {
        " (\"never\" can be reported by the API but not requested)"
    } else {
        ""
    };
    Err(format!(
        "maintenance day {dow:?} is invalid{never}; use one of {}",
        MAINTENANCE_DAYS.join(", ")
    ))
}

/// A maintenance time: `HH:MM:SS` in UTC.
pub fn check_maintenance_time(time: &str) -> Result<(), NameError> {
    let parts: Vec<&str> = time.split(':').collect();
    let clock = parts.len() == 3
        && parts
            .iter()
            .all(|p| p.len() == 2 && p.chars().all(|c| c.is_ascii_digit()))
        && parts[0] < "24"
        && parts[1] < "60"
        && parts[2] < "60";
    if clock {
        Ok(())
    } else {
        Err(format!(
            "maintenance time {time:?} is invalid; use HH:MM:SS in UTC, e.g. 02:30:00"
        ))
    }
}

/// A service user's password as the API takes it: 8 to 256 letters,
/// digits, `-` or `_`. The message never repeats the password.
pub fn check_password(password: &str) -> Result<(), NameError> {
    let allowed = password
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if (8..=256).contains(&password.len()) && allowed {
        Ok(())
    } else {
        Err("use 8 to 256 letters, digits, '-' or '_'".to_owned())
    }
}

/// The all-zero UUID, which as a `cmk_id` removes the key a service has.
pub const NO_CMK: &str = "00000000-0000-0000-0000-000000000000";

/// A customer-managed key's id: a UUID, `8-4-4-4-12` hexadecimal digits.
pub fn check_cmk_id(id: &str) -> Result<(), NameError> {
    let groups: Vec<&str> = id.split('-').collect();
    let lengths: Vec<usize> = groups.iter().map(|g| g.len()).collect();
    let hex = groups
        .iter()
        .all(|g| g.chars().all(|c| c.is_ascii_hexdigit()));
    if lengths == [8, 4, 4, 4, 12] && hex {
        Ok(())
    } else {
        Err(format!(
            "cmk_id {id:?} is invalid; use the key's UUID, e.g. 3f2a1b4c-5d6e-4f70-8192-a3b4c5d6e7f8, or {NO_CMK} to remove it"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_names_follow_the_api_pattern_and_postgresqls_reservations() {
        for good in ["avnadmin", "app_user", "_x", "a.b-c"] {
            assert!(check_role_name(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "-admin",
            ".admin",
            "a b",
            "pg_admin",
            "public",
            &"a".repeat(64),
        ] {
            assert!(check_role_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn passwords_are_8_to_256_safe_characters_and_never_repeated() {
        assert!(check_password("alice-password_1").is_ok());
        for bad in ["short", "has space in it", "quote'inside", &"a".repeat(257)] {
            let err = check_password(bad).unwrap_err();
            assert!(!err.contains(bad), "{err}");
        }
    }

    #[test]
    fn cmk_ids_are_uuids() {
        assert!(check_cmk_id("3f2a1b4c-5d6e-4f70-8192-a3b4c5d6e7f8").is_ok());
        assert!(check_cmk_id(NO_CMK).is_ok());
        for bad in [
            "",
            "key-1",
            "3f2a1b4c5d6e4f708192a3b4c5d6e7f8",
            "3f2a1b4c-5d6e-4f70-8192-a3b4c5d6e7fz",
        ] {
            assert!(check_cmk_id(bad).unwrap_err().starts_with("cmk_id"));
        }
    }

    #[test]
    fn service_names_follow_the_api_pattern() {
        assert!(check_service_name("pg-fork-1").is_ok());
        for bad in ["", "Pg", "1pg", "pg_fork", "pg-", &"a".repeat(65)] {
            let err = check_service_name(bad).unwrap_err();
            assert!(err.starts_with("service_name"), "{err}");
        }
    }

    #[test]
    fn clouds_need_a_known_provider_and_a_region() {
        assert!(check_cloud_name("google-europe-west1").is_ok());
        assert!(check_cloud_name("aws-eu-central-1").is_ok());
        assert!(check_cloud_name("mars-1").is_err());
        assert!(check_cloud_name("google").is_err());
    }
}
