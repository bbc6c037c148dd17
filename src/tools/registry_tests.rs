//! Unit tests of the registry's filters (kept apart: registry.rs stays under the size guide).

use super::*;

struct Fixed(ToolSpec);

impl Tool for Fixed {
    fn spec(&self) -> &ToolSpec {
        &self.0
    }
    fn call<'a>(&'a self, _ctx: &'a ToolContext, _args: Map<String, Value>) -> ToolFuture<'a> {
        Box::pin(async move { Ok(ToolOutput::text(self.0.name)) })
    }
}

fn tool(
    name: &'static str,
    toolset: &'static str,
    product: Product,
    access: Access,
    availability: Availability,
) -> Arc<dyn Tool> {
    Arc::new(Fixed(ToolSpec {
        name,
        description: "d",
        toolset,
        product,
        access,
        destructive: false,
        idempotent: true,
        availability,
        input_schema: Arc::new(Map::new()),
    }))
}

fn sample() -> Vec<Arc<dyn Tool>> {
    vec![
        tool(
            "jira_get_issue",
            "jira_issues",
            Product::Jira,
            Access::Read,
            Availability::BOTH,
        ),
        tool(
            "jira_create_issue",
            "jira_issues",
            Product::Jira,
            Access::Write,
            Availability::BOTH,
        ),
        tool(
            "jira_get_agile_boards",
            "jira_agile",
            Product::Jira,
            Access::Read,
            Availability::BOTH,
        ),
        tool(
            "jira_cloud_only",
            "jira_issues",
            Product::Jira,
            Access::Read,
            Availability::CLOUD,
        ),
        tool(
            "confluence_search",
            "confluence_pages",
            Product::Confluence,
            Access::Read,
            Availability::BOTH,
        ),
    ]
}

fn exposure(toolsets: &[&str]) -> Exposure {
    Exposure {
        toolsets: toolsets.iter().map(|s| (*s).to_owned()).collect(),
        products: [
            (Product::Jira, Flavor::Cloud),
            (Product::Confluence, Flavor::Cloud),
        ]
        .into(),
        ..Exposure::default()
    }
}

fn names(r: &Registry, caller: &Caller) -> Vec<&'static str> {
    r.visible(caller).map(|t| t.spec().name).collect()
}

#[test]
fn toolsets_select_tools_and_default_leaves_out_agile() {
    let r = Registry::build(sample(), &exposure(&["default"])).expect("build");
    let n = names(&r, &Caller::default());
    assert!(n.contains(&"jira_get_issue"));
    assert!(!n.contains(&"jira_get_agile_boards"));
    let r = Registry::build(sample(), &exposure(&["all"])).expect("build");
    assert!(names(&r, &Caller::default()).contains(&"jira_get_agile_boards"));
}

#[test]
fn read_only_mode_hides_and_refuses_write_tools() {
    let mut e = exposure(&["all"]);
    e.read_only = true;
    let r = Registry::build(sample(), &e).expect("build");
    assert!(!names(&r, &Caller::default()).contains(&"jira_create_issue"));
    assert!(r.get("jira_create_issue", &Caller::default()).is_none());
    assert!(r.get("jira_get_issue", &Caller::default()).is_some());
}

#[test]
fn a_read_scoped_caller_can_neither_see_nor_call_write_tools() {
    let r = Registry::build(sample(), &exposure(&["all"])).expect("build");
    let reader = Caller {
        api_key_id: Some("ci".into()),
        read_only: true,
    };
    assert!(!names(&r, &reader).contains(&"jira_create_issue"));
    assert!(r.get("jira_create_issue", &reader).is_none());
    assert!(r.get("jira_create_issue", &Caller::default()).is_some());
}

#[test]
fn a_request_can_narrow_the_toolsets_but_never_widen_them() {
    let r = Registry::build(sample(), &exposure(&["default"])).expect("build");
    let anyone = Caller::default();
    let issues: BTreeSet<&'static str> = ["jira_issues"].into();
    let n: Vec<_> = r
        .visible_within(&anyone, Some(&issues))
        .map(|t| t.spec().name)
        .collect();
    assert_eq!(
        n,
        ["jira_get_issue", "jira_create_issue", "jira_cloud_only"]
    );
    assert!(
        r.get_within("confluence_search", &anyone, Some(&issues))
            .is_none()
    );
    let agile: BTreeSet<&'static str> = ["jira_agile"].into();
    assert_eq!(
        r.visible_within(&anyone, Some(&agile)).count(),
        0,
        "not enabled"
    );
    assert!(
        r.get_within("jira_get_agile_boards", &anyone, Some(&agile))
            .is_none()
    );
    assert_eq!(r.visible_within(&anyone, None).count(), r.len());
}

#[test]
fn dynamic_mode_keeps_every_toolset_available_unless_names_narrow_it() {
    let r = Registry::build(sample(), &exposure(&["dynamic"])).expect("build");
    assert!(r.dynamic());
    assert_eq!(r.len(), 5);
    let sets: Vec<_> = r.toolsets_for(&Caller::default());
    assert_eq!(
        sets,
        [
            ("jira_issues", 3),
            ("jira_agile", 1),
            ("confluence_pages", 1)
        ]
    );
    let r = Registry::build(sample(), &exposure(&["Dynamic", "jira_agile"])).expect("build");
    assert!(r.dynamic());
    assert_eq!(r.toolsets_for(&Caller::default()), [("jira_agile", 1)]);
    assert!(
        !Registry::build(sample(), &exposure(&["all"]))
            .expect("b")
            .dynamic()
    );
}

#[test]
fn enabled_tools_intersect_with_toolsets() {
    let mut e = exposure(&["default"]);
    e.enabled_tools = vec!["jira_get_issue".into(), "jira_get_agile_boards".into()];
    let r = Registry::build(sample(), &e).expect("build");
    assert_eq!(names(&r, &Caller::default()), vec!["jira_get_issue"]);
}

#[test]
fn cloud_only_tools_are_hidden_on_server_and_unconfigured_products_expose_nothing() {
    let mut e = exposure(&["all"]);
    e.products = [(Product::Jira, Flavor::Server)].into();
    let r = Registry::build(sample(), &e).expect("build");
    let n = names(&r, &Caller::default());
    assert!(!n.contains(&"jira_cloud_only"));
    assert!(n.contains(&"jira_get_issue"));
    assert!(!n.contains(&"confluence_search"));
}

#[test]
fn unknown_toolsets_stop_the_build() {
    let err = Registry::build(sample(), &exposure(&["jira_everything"])).expect_err("unknown");
    assert!(err.to_string().contains("jira_everything"));
}

#[test]
fn bad_tool_names_are_rejected() {
    let bad = vec![tool(
        "Jira-Bad",
        "jira_issues",
        Product::Jira,
        Access::Read,
        Availability::BOTH,
    )];
    assert!(matches!(
        Registry::build(bad, &exposure(&["all"])),
        Err(RegistryError::BadDeclaration(..))
    ));
}

#[test]
fn enabled_names_that_match_nothing_are_reported() {
    let all = sample();
    let enabled = vec!["jira_get_issue".to_owned(), "jira_typo".to_owned()];
    assert_eq!(Registry::unknown_enabled(&all, &enabled), vec!["jira_typo"]);
}
