//! docs/configuration.md must list exactly the options the code has, with the same defaults.

use std::collections::BTreeMap;

use mcp_atlassian::config::options::OPTIONS;

fn unquote(cell: &str) -> String {
    cell.trim().trim_matches('`').to_owned()
}

#[test]
fn the_configuration_doc_lists_every_option_with_its_flag_and_default() {
    let doc = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/docs/configuration.md"
    ))
    .expect("docs/configuration.md exists");
    let mut rows = BTreeMap::new();
    for line in doc.lines() {
        let cells: Vec<&str> = line.split('|').collect();
        if cells.len() < 6 || !cells[1].trim().starts_with('`') {
            continue;
        }
        rows.insert(unquote(cells[1]), (unquote(cells[2]), unquote(cells[3])));
    }
    for o in OPTIONS {
        let (flag, default) = rows
            .remove(o.env)
            .unwrap_or_else(|| panic!("{} is missing from docs/configuration.md", o.env));
        assert_eq!(flag, format!("--{}", o.flag), "flag of {}", o.env);
        assert_eq!(
            default,
            o.default.unwrap_or("unset"),
            "default of {}",
            o.env
        );
    }
    assert!(
        rows.is_empty(),
        "documented but not in the code: {:?}",
        rows.keys().collect::<Vec<_>>()
    );
}

#[test]
fn the_env_example_mentions_every_option() {
    let example = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/.env.example"))
        .expect(".env.example exists");
    for o in OPTIONS {
        let line = format!("#{}=", o.env);
        assert!(
            example.lines().any(|l| l.starts_with(&line)),
            "{} is missing from .env.example",
            o.env
        );
    }
}
