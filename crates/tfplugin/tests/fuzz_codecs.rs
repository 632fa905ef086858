//! Property tests of the value codecs, run briefly in CI: every value of
//! every type survives msgpack (and JSON, where it has no unknowns) both
//! ways unchanged, and no byte string or JSON document, however broken,
//! makes a decoder panic. PROPTEST_CASES raises the count for a longer run.

use proptest::prelude::*;
use tfplugin::value::{Number, Type, Value};

fn scalar_type() -> impl Strategy<Value = Type> {
    prop_oneof![Just(Type::String), Just(Type::Number), Just(Type::Bool)]
}

/// Types without sets (whose element order and uniqueness the codecs
/// normalize) for the round trips.
fn any_type() -> impl Strategy<Value = Type> {
    scalar_type().prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            inner.clone().prop_map(Type::list),
            inner.clone().prop_map(Type::map),
            proptest::collection::btree_map("[a-z_]{1,8}", inner.clone(), 0..4)
                .prop_map(Type::Object),
            proptest::collection::vec(inner, 0..3).prop_map(Type::Tuple),
        ]
    })
}

fn number() -> impl Strategy<Value = Number> {
    prop_oneof![
        any::<i64>().prop_map(Number::from),
        (any::<i32>(), 0u32..1_000_000).prop_filter_map("a decimal", |(whole, fraction)| {
            Number::parse(&format!("{whole}.{fraction:06}"))
        }),
        "[1-9][0-9]{20,40}".prop_filter_map("a huge integer", |text| Number::parse(&text)),
    ]
}

/// A value of `ty`, null and unknown included where `unknowns` allows.
fn value_of(ty: Type, unknowns: bool) -> BoxedStrategy<Value> {
    let known: BoxedStrategy<Value> = match ty {
        Type::String => ".{0,12}".prop_map(Value::String).boxed(),
        Type::Number => number().prop_map(Value::Number).boxed(),
        Type::Bool => any::<bool>().prop_map(Value::Bool).boxed(),
        Type::List(element) => proptest::collection::vec(value_of(*element, unknowns), 0..4)
            .prop_map(Value::List)
            .boxed(),
        Type::Map(element) => {
            proptest::collection::btree_map(".{0,6}", value_of(*element, unknowns), 0..4)
                .prop_map(Value::Map)
                .boxed()
        }
        Type::Object(attributes) => attributes
            .into_iter()
            .map(|(name, ty)| value_of(ty, unknowns).prop_map(move |v| (name.clone(), v)))
            .collect::<Vec<_>>()
            .prop_map(|entries| Value::Object(entries.into_iter().collect()))
            .boxed(),
        Type::Tuple(elements) => elements
            .into_iter()
            .map(|ty| value_of(ty, unknowns))
            .collect::<Vec<_>>()
            .prop_map(Value::Tuple)
            .boxed(),
        Type::Set(_) | Type::Dynamic => Just(Value::Null).boxed(),
    };
    if unknowns {
        prop_oneof![1 => Just(Value::Null), 1 => Just(Value::unknown()), 6 => known].boxed()
    } else {
        prop_oneof![1 => Just(Value::Null), 6 => known].boxed()
    }
}

fn typed_value(unknowns: bool) -> impl Strategy<Value = (Type, Value)> {
    any_type().prop_flat_map(move |ty| (Just(ty.clone()), value_of(ty, unknowns)))
}

fn json_document() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        ".{0,8}".prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(3, 32, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
            proptest::collection::btree_map(".{0,6}", inner, 0..4)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #[test]
    fn every_value_survives_msgpack_both_ways((ty, value) in typed_value(true)) {
        let bytes = value.to_msgpack(&ty).expect("a value of its own type encodes");
        let back = Value::from_msgpack(&bytes, &ty).expect("what was encoded decodes");
        prop_assert_eq!(back, value);
    }

    #[test]
    fn every_known_value_survives_json_both_ways((ty, value) in typed_value(false)) {
        let json = value.to_json().expect("a known value has JSON");
        let back = Value::from_json(&json, &ty).expect("its JSON decodes");
        prop_assert_eq!(back, value);
    }

    #[test]
    fn no_byte_string_makes_the_msgpack_decoder_panic(
        bytes in proptest::collection::vec(any::<u8>(), 0..64),
        ty in any_type(),
    ) {
        let _ = Value::from_msgpack(&bytes, &ty);
        let _ = Value::from_msgpack(&bytes, &Type::Dynamic);
    }

    #[test]
    fn no_json_document_makes_the_json_decoders_panic(json in json_document(), ty in any_type()) {
        let _ = Value::from_json(&json, &ty);
        let _ = Value::from_json(&json, &Type::Dynamic);
        let _ = Type::from_json(&json);
    }
}
