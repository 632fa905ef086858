//! Name rules, checked by aiven-local on every request and by the
//! provider at plan time, so a bad name fails before anything is created.

use crate::user_config::patterns;

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

/// Service user names (and pool names): letters, digits, `_` and `-`,
/// starting with a letter or `_`, at most 63 bytes (PostgreSQL's
/// identifier limit).
pub fn check_identifier(kind: &str, name: &str) -> Result<(), NameError> {
    check_identifier_up_to(kind, name, 63)
}

/// The longest database name the API takes: its create operation's
/// `database` has a maximum length of 40 (the official provider's
/// `aiven_pg_database` and `aiven_mysql_database`, generated from the
/// API's specification, check the same).
pub const DATABASE_NAME_MAX: usize = 40;

/// Database names: the alphabet of [`check_identifier`], at most
/// [`DATABASE_NAME_MAX`] characters.
pub fn check_database_name(kind: &str, name: &str) -> Result<(), NameError> {
    check_identifier_up_to(kind, name, DATABASE_NAME_MAX)
}

fn check_identifier_up_to(kind: &str, name: &str, max: usize) -> Result<(), NameError> {
    let first_ok = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    let chars_ok = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if !first_ok || !chars_ok || name.len() > max {
        return Err(format!(
            "{kind} {name:?} is invalid: use 1 to {max} letters, digits, '_' or '-', starting with a letter or '_'"
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

/// The collation and character classification the platform gives a pg
/// database whose create request names none: the official provider plans
/// it (`internal/plugin/service/pg/database`), and its acceptance test
/// reads it back from the API.
pub const PG_DATABASE_LOCALE: &str = "en_US.UTF-8";

/// A pg database's `lc_collate` or `lc_ctype`: 1 to 128 characters, the
/// bound the official provider takes from the API's schema. Whether the
/// machine has the locale is the engine's to say.
pub fn check_locale(field: &str, locale: &str) -> Result<(), NameError> {
    if locale.is_empty() || locale.chars().count() > 128 {
        return Err(format!(
            "{field} {locale:?} is invalid: use 1 to 128 characters, a locale name such as {PG_DATABASE_LOCALE:?}"
        ));
    }
    Ok(())
}

/// Databases a service keeps for itself: none may be created or dropped
/// through the API. PostgreSQL's are its maintenance and template
/// databases; MySQL's its system schemas.
pub fn reserved_databases(service_type: &str) -> &'static [&'static str] {
    match service_type {
        "pg" => &["postgres", "template0", "template1"],
        "mysql" => &["mysql", "sys", "performance_schema", "information_schema"],
        _ => &[],
    }
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

/// A service user's password as the API takes it: 8 to 256 characters
/// (the official provider's `aiven_pg_user` and `aiven_mysql_user` check
/// `StringLenBetween(8, 256)`; the API states no character set). Control
/// characters (newlines, NUL) are refused here: nothing documents them
/// and they cannot be typed into a connection string. The message never
/// repeats the password.
pub fn check_password(password: &str) -> Result<(), NameError> {
    let length = password.len();
    if !(8..=256).contains(&length) {
        return Err(format!("use 8 to 256 characters (this one has {length})"));
    }
    if password.chars().any(char::is_control) {
        return Err(
            "use 8 to 256 characters without control characters (newlines, tabs)".to_owned(),
        );
    }
    Ok(())
}

/// Valkey ACL rules as the API documents them (the official provider's
/// descriptions): categories `+@name` or `-@name`, commands `+name` or
/// `-name` (a subcommand after `|`), keys and channels glob patterns. Each
/// becomes one rule in the server's ACL file, so nothing else passes: not
/// `nopass` or `resetpass` (a passwordless user), not a space or newline
/// (a second rule, or a user the API never lists).
pub fn check_valkey_acl(field: &str, rules: &[String]) -> Result<(), NameError> {
    let pattern = match field {
        "valkey_acl_categories" => r"^[+-]@[A-Za-z][A-Za-z0-9_-]*$",
        "valkey_acl_commands" => r"^[+-][A-Za-z][A-Za-z0-9_.-]*(\|[A-Za-z0-9_.-]+)?$",
        _ => r"^[!-~]+$",
    };
    match rules.iter().find(|rule| !patterns::matches(pattern, rule)) {
        None => Ok(()),
        Some(rule) => Err(match field {
            "valkey_acl_categories" => {
                format!("{field} rule {rule:?} is not +@category or -@category")
            }
            "valkey_acl_commands" => {
                format!("{field} rule {rule:?} is not +command or -command (a subcommand after |)")
            }
            _ => format!(
                "{field} pattern {rule:?} must be a glob of printable characters without spaces"
            ),
        }),
    }
}

/// How many random characters follow `AVNS_` in a generated password.
pub const GENERATED_PASSWORD_CHARACTERS: usize = 19;

/// A password in the form the hosted API generates them: `AVNS_` and 19
/// characters of `A-Za-z0-9_-` (the form seen in the platform's
/// connection details, 24 characters in all), one per random byte: 64
/// characters, so each byte's low six bits pick one without bias.
pub fn generated_password(random: [u8; GENERATED_PASSWORD_CHARACTERS]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
    let characters = random.iter().map(|b| ALPHABET[usize::from(b & 63)] as char);
    format!("AVNS_{}", characters.collect::<String>())
}

/// Where a tag may go: a project's take `billing:` keys (billing tags,
/// shown on invoices) as well.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TagsOf {
    Service,
    Project,
}

/// A resource's tags as the API takes them (Aiven's "Use resource tags"):
/// keys of 1 to 64 letters, digits, `_` or `-` starting with a letter, and
/// unique within the resource; values of at most 64 characters. Errors
/// name the key (a tag is not a secret).
pub fn check_tags<'t>(
    tags: impl IntoIterator<Item = (&'t str, &'t str)>,
    of: TagsOf,
) -> Result<(), NameError> {
    let mut seen = std::collections::BTreeSet::new();
    for (key, value) in tags {
        let name = match (of, key.strip_prefix("billing:")) {
            (TagsOf::Project, Some(rest)) => rest,
            _ => key,
        };
        let well_formed = (1..=64).contains(&name.len())
            && name.starts_with(|c: char| c.is_ascii_alphabetic())
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if !well_formed {
            return Err(format!(
                "tag key {key:?} is invalid: use 1 to 64 letters, digits, '_' or '-', starting with a letter{}",
                if of == TagsOf::Project {
                    " (billing tags: billing:KEY)"
                } else {
                    ""
                }
            ));
        }
        if value.chars().count() > 64 {
            return Err(format!(
                "the value of tag {key:?} has {} characters; at most 64",
                value.chars().count()
            ));
        }
        if !seen.insert(key) {
            return Err(format!(
                "tag key {key:?} is written more than once; a resource's tag keys are unique"
            ));
        }
    }
    Ok(())
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

/// A VPC's `network_cidr`: an IPv4 block `a.b.c.d/n` whose host bits are
/// zero.
pub fn check_cidr(cidr: &str) -> Result<(), NameError> {
    let (address, prefix) = cidr
        .split_once('/')
        .ok_or_else(|| format!("network_cidr {cidr:?} is not a CIDR block such as 10.0.0.0/24"))?;
    let address: std::net::Ipv4Addr = address
        .parse()
        .map_err(|_| format!("network_cidr {cidr:?}: {address:?} is not an IPv4 address"))?;
    let prefix: u32 = prefix
        .parse()
        .ok()
        .filter(|p| *p <= 32)
        .ok_or_else(|| format!("network_cidr {cidr:?}: the prefix length must be 0 to 32"))?;
    let host_bits = u32::from(address) & u32::MAX.checked_shr(prefix).unwrap_or(0);
    if host_bits != 0 {
        return Err(format!(
            "network_cidr {cidr:?} has host bits set; the network is {}/{prefix}",
            std::net::Ipv4Addr::from(
                u32::from(address) & !u32::MAX.checked_shr(prefix).unwrap_or(0)
            )
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_vpc_network_is_a_cidr_block_without_host_bits() {
        use super::check_cidr;
        assert!(check_cidr("10.0.0.0/24").is_ok());
        assert!(check_cidr("192.168.1.0/24").is_ok());
        assert!(
            check_cidr("10.0.0.1/24")
                .unwrap_err()
                .contains("10.0.0.0/24")
        );
        assert!(check_cidr("10.0.0.0").is_err());
        assert!(check_cidr("10.0.0.0/33").is_err());
        assert!(check_cidr("ten/8").is_err());
    }

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
    fn database_names_stop_at_40_characters_where_user_names_go_on_to_63() {
        let forty = "d".repeat(40);
        assert!(check_database_name("database_name", &forty).is_ok());
        let err = check_database_name("database_name", &format!("{forty}x")).unwrap_err();
        assert!(
            err.starts_with("database_name") && err.contains("1 to 40"),
            "{err}"
        );
        assert!(check_identifier("username", &"u".repeat(63)).is_ok());
    }

    #[test]
    fn passwords_are_8_to_256_characters_as_the_api_takes_and_never_repeated() {
        for good in [
            "alice-password_1",
            "Test$1234abc",
            "has space, quote' \"and\" @:/%",
        ] {
            assert!(check_password(good).is_ok(), "{good}");
        }
        for bad in ["short", "new\nline-password", &"a".repeat(257)] {
            let err = check_password(bad).unwrap_err();
            assert!(!err.contains(bad), "{err}");
            assert!(err.contains("8 to 256 characters"), "{err}");
        }
    }

    #[test]
    fn valkey_acl_rules_are_one_rule_each_and_never_switch_passwords_off() {
        let ok = |field: &str, rule: &str| check_valkey_acl(field, &[rule.to_owned()]).is_ok();
        assert!(ok("valkey_acl_categories", "+@write"));
        assert!(ok("valkey_acl_categories", "-@dangerous"));
        assert!(ok("valkey_acl_commands", "-flushall"));
        assert!(ok("valkey_acl_commands", "+config|get"));
        assert!(ok("valkey_acl_keys", "session:*"));
        assert!(ok("valkey_acl_channels", "some*chan"));
        assert!(!ok("valkey_acl_categories", "nopass"));
        assert!(!ok("valkey_acl_commands", "nopass"));
        assert!(!ok("valkey_acl_commands", "+get resetpass"));
        assert!(!ok("valkey_acl_keys", "a\nuser evil on nopass +@all"));
        assert!(!ok("valkey_acl_channels", "a b"));
        assert!(!ok("valkey_acl_keys", ""));
    }

    #[test]
    fn generated_passwords_look_like_the_platforms_and_pass_the_rule() {
        let password = generated_password([
            0, 1, 62, 63, 255, 64, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19,
        ]);
        assert_eq!(password.len(), 24);
        assert!(password.starts_with("AVNS_AB_-"), "{password}");
        assert!(check_password(&password).is_ok());
    }

    #[test]
    fn tags_have_unique_well_formed_keys_and_short_values() {
        assert!(check_tags([("env", "prod"), ("team-a_1", "")], TagsOf::Service).is_ok());
        let twice = check_tags([("env", "prod"), ("env", "dev")], TagsOf::Service).unwrap_err();
        assert!(twice.contains("more than once"), "{twice}");
        for key in ["", "1env", "env:x", &"k".repeat(65)] {
            assert!(check_tags([(key, "v")], TagsOf::Service).is_err(), "{key}");
        }
        let long = "v".repeat(65);
        assert!(check_tags([("env", long.as_str())], TagsOf::Service).is_err());
        assert!(check_tags([("billing:PO", "42")], TagsOf::Project).is_ok());
        assert!(check_tags([("billing:PO", "42")], TagsOf::Service).is_err());
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
}
