//! Property tests, run briefly in CI: the user_config validator, the time
//! parser, the contract checker and the request and reply types take any
//! input without panicking, and every time the parser accepts normalizes
//! to what the API takes. PROPTEST_CASES raises the count.

use aiven_api::catalog::SERVICE_TYPES;
use aiven_api::types::{CreateService, Service, ServiceEnvelope, UpdateService};
use aiven_api::{contract, timestamp, user_config};
use proptest::prelude::*;
use serde_json::{Map, Value};

fn json_document() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        ".{0,10}".prop_map(Value::from),
        // Keys and values the definitions know, so the search reaches
        // past the first unknown key.
        prop_oneof![
            Just("pg"),
            Just("pg_version"),
            Just("ip_filter"),
            Just("timezone"),
            Just("recovery_target_time"),
            Just("admin_username"),
            Just("work_mem"),
        ]
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            proptest::collection::btree_map(
                prop_oneof![
                    ".{0,8}".boxed(),
                    prop_oneof![
                        Just("pg".to_owned()),
                        Just("max_connections".to_owned()),
                        Just("timezone".to_owned()),
                        Just("ip_filter".to_owned()),
                        Just("service_to_fork_from".to_owned()),
                        Just("recovery_target_time".to_owned()),
                        Just("admin_username".to_owned()),
                        Just("work_mem".to_owned()),
                    ]
                    .boxed(),
                ],
                inner,
                0..5,
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn config() -> impl Strategy<Value = Map<String, Value>> {
    json_document().prop_map(|v| match v {
        Value::Object(map) => map,
        other => [("pg".to_owned(), other)].into_iter().collect(),
    })
}

proptest! {
    #[test]
    fn the_validator_answers_any_config_without_panicking(config in config()) {
        for service_type in &SERVICE_TYPES {
            let _ = user_config::validate(service_type, &config);
        }
    }

    #[test]
    fn the_time_parser_takes_any_text_without_panicking(text in ".{0,40}") {
        if let Ok(time) = timestamp::parse(&text) {
            let normal = timestamp::normalize(&text).unwrap();
            prop_assert!(normal.len() <= timestamp::MAX_LENGTH, "{}", normal);
            prop_assert_eq!(timestamp::parse(&normal).unwrap(), time);
        }
    }

    #[test]
    fn every_accepted_time_form_normalizes_to_the_same_instant(
        seconds in 0i64..4_102_444_800,
        nanos in 0u32..1_000_000_000,
        offset_minutes in -840i32..840,
    ) {
        let utc = time::OffsetDateTime::from_unix_timestamp(seconds).unwrap()
            .replace_nanosecond(nanos).unwrap();
        let offset = time::UtcOffset::from_whole_seconds(offset_minutes * 60).unwrap();
        let written = utc.to_offset(offset)
            .format(&time::format_description::well_known::Rfc3339).unwrap();
        let normal = timestamp::normalize(&written).unwrap();
        prop_assert!(normal.len() <= timestamp::MAX_LENGTH, "{}", normal);
        prop_assert_eq!(timestamp::parse(&normal).unwrap(), utc);
    }

    #[test]
    fn bodies_of_any_shape_are_checked_and_parsed_without_panicking(body in json_document()) {
        let contract = contract::contract();
        for endpoint in &contract.endpoints {
            let _ = contract.check_request(endpoint, &body);
            let _ = contract.check_reply(endpoint, &body);
        }
        let _ = serde_json::from_value::<CreateService>(body.clone());
        let _ = serde_json::from_value::<UpdateService>(body.clone());
        let _ = serde_json::from_value::<Service>(body.clone());
        let _ = serde_json::from_value::<ServiceEnvelope>(body);
    }
}
