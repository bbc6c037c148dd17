//! Page restrictions end to end in Cloud and Server/DC flavour: set, read back, keep what
//! was not named, lift with an empty list, and the space filter.

use serde_json::{Value, json};

use crate::helpers::spawn_with_sandbox;

const FLAVOURS: [&str; 2] = ["cloud", "server"];
const RICH: &str = "196610";
const ENG_HOME: &str = "196639";

/// How a flavour names Alice and Bob in a restriction write.
fn ids(flavour: &str) -> (&'static str, &'static str) {
    if flavour == "cloud" {
        ("5b10a2844c20165700ede022", "5b10a2844c20165700ede023")
    } else {
        ("alice", "bob")
    }
}

fn names(v: &Value) -> Vec<String> {
    v["users"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|u| u["display_name"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn restrictions_set_on_a_page_read_back_and_unnamed_lists_are_kept() {
    for flavour in FLAVOURS {
        let sb = spawn_with_sandbox(flavour, &[]).await;
        let (alice, bob) = ids(flavour);
        let open = sb
            .call("confluence_get_page_restrictions", json!({"page_id": RICH}))
            .await
            .json();
        assert!(
            names(&open["read"]).is_empty() && names(&open["edit"]).is_empty(),
            "{flavour}: {open}"
        );
        let set = sb
            .call(
                "confluence_set_page_restrictions",
                json!({"page_id": RICH, "read_users": [alice, bob], "edit_users": [alice], "edit_groups": ["confluence-admins"]}),
            )
            .await
            .json();
        assert_eq!(
            names(&set["read"]),
            ["Alice Anders", "Bob Brown"],
            "{flavour}: {set}"
        );
        let read = sb
            .call("confluence_get_page_restrictions", json!({"page_id": RICH}))
            .await
            .json();
        assert_eq!(
            names(&read["read"]),
            ["Alice Anders", "Bob Brown"],
            "{flavour}"
        );
        assert_eq!(names(&read["edit"]), ["Alice Anders"]);
        assert_eq!(read["edit"]["groups"], json!(["confluence-admins"]));
        // Only the read users change; edit restrictions stay.
        let narrowed = sb
            .call(
                "confluence_set_page_restrictions",
                json!({"page_id": RICH, "read_users": []}),
            )
            .await
            .json();
        assert!(names(&narrowed["read"]).is_empty(), "{flavour}: {narrowed}");
        assert_eq!(
            names(&narrowed["edit"]),
            ["Alice Anders"],
            "{flavour}: {narrowed}"
        );
        assert_eq!(narrowed["edit"]["groups"], json!(["confluence-admins"]));
        let unknown = sb
            .call(
                "confluence_set_page_restrictions",
                json!({"page_id": RICH, "read_users": ["nobody-here"]}),
            )
            .await;
        assert!(
            unknown.is_error && unknown.text.contains("400"),
            "{}",
            unknown.text
        );
        let nothing = sb
            .call("confluence_set_page_restrictions", json!({"page_id": RICH}))
            .await;
        assert!(
            nothing.is_error && nothing.text.contains("Nothing to change"),
            "{}",
            nothing.text
        );
        sb.stop().await;
    }
}

#[tokio::test]
async fn restrictions_outside_the_space_filter_are_refused() {
    for flavour in FLAVOURS {
        let sb = spawn_with_sandbox(flavour, &[("CONFLUENCE_SPACES_FILTER", "DEMO")]).await;
        let (alice, _) = ids(flavour);
        for (tool, args) in [
            (
                "confluence_get_page_restrictions",
                json!({"page_id": ENG_HOME}),
            ),
            (
                "confluence_set_page_restrictions",
                json!({"page_id": ENG_HOME, "read_users": [alice]}),
            ),
        ] {
            let r = sb.call(tool, args).await;
            assert!(
                r.is_error && r.text.contains("outside the spaces"),
                "{flavour} {tool}: {}",
                r.text
            );
        }
        sb.stop().await;
        let open = spawn_with_sandbox(flavour, &[]).await;
        let v = open
            .call(
                "confluence_get_page_restrictions",
                json!({"page_id": ENG_HOME}),
            )
            .await
            .json();
        assert!(names(&v["read"]).is_empty(), "{flavour}: {v}");
        open.stop().await;
    }
}
