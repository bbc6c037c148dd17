//! Helpers shared by the converters' unit tests: the ADF schema check.

use serde_json::Value;
use std::sync::OnceLock;

/// The ADF JSON schema (draft-04), compiled once for all tests.
pub(crate) fn adf_validator() -> &'static jsonschema::Validator {
    static VALIDATOR: OnceLock<jsonschema::Validator> = OnceLock::new();
    VALIDATOR.get_or_init(|| {
        let schema: Value = serde_json::from_str(include_str!("testdata/adf-schema-v1-full.json"))
            .expect("the ADF schema in testdata is valid JSON");
        jsonschema::draft4::new(&schema).expect("the ADF schema compiles as draft 4")
    })
}

/// Panics with every schema violation if `doc` is not valid ADF.
pub(crate) fn assert_valid_adf(doc: &Value) {
    let errors: Vec<String> = adf_validator()
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "invalid ADF {doc}:\n{}",
        errors.join("\n")
    );
}
