//! Jira Forms end to end against the sandbox standing in for the Cloud Forms API (cloud id
//! from the site's `/_edge/tenant_info`): listing an issue's forms, reading questions and
//! answers, saving answers (read back from the sandbox), Cloud-only availability, the
//! project filter and read-only mode.

use serde_json::{Value, json};

use crate::helpers::{SandboxApp, spawn_with_sandbox};
use crate::jira_people::rpc_call;

const ACCESS_FORM: &str = "c5a1e5f2-3b6d-4f7a-9e21-5d8c0a4b7e10";
const CHECKLIST_FORM: &str = "9b2f7c44-1e08-4d5b-a3c6-7f1e2d9a8b35";

fn question<'a>(form: &'a Value, id: &str) -> &'a Value {
    form["questions"]
        .as_array()
        .expect("questions")
        .iter()
        .find(|q| q["id"] == id)
        .unwrap_or_else(|| panic!("question {id} in {form}"))
}

/// The form as the sandbox's Forms API holds it.
async fn stored_form(sb: &SandboxApp, id: &str) -> Value {
    let cloud = mcp_atlassian::sandbox::jira::forms::SANDBOX_CLOUD_ID;
    let r = sb
        .app
        .client
        .get(format!(
            "http://{}/jira/forms/cloud/{cloud}/issue/OPS-1/form/{id}",
            sb.sandbox
        ))
        .basic_auth(
            mcp_atlassian::sandbox::SANDBOX_EMAIL,
            Some(mcp_atlassian::sandbox::SANDBOX_API_TOKEN),
        )
        .send()
        .await
        .expect("sandbox reachable");
    assert!(r.status().is_success(), "{}", r.status());
    r.json().await.expect("json")
}

#[tokio::test]
async fn an_issues_forms_are_listed_with_their_questions_and_answers_on_cloud() {
    let sb = spawn_with_sandbox("cloud", &[]).await;
    let list = sb
        .call(
            "jira_get_issue_proforma_forms",
            json!({"issue_key": "OPS-1"}),
        )
        .await
        .json();
    assert_eq!(list["total"], 2, "{list}");
    assert_eq!(list["forms"][0]["id"], ACCESS_FORM);
    assert_eq!(list["forms"][0]["name"], "Access request");
    assert_eq!(list["forms"][0]["status"], "open");
    assert_eq!(list["forms"][1]["status"], "submitted");
    assert_eq!(list["forms"][1]["internal"], true);
    let none = sb
        .call(
            "jira_get_issue_proforma_forms",
            json!({"issue_key": "DEMO-2"}),
        )
        .await
        .json();
    assert_eq!(none["total"], 0, "{none}");

    let form = sb
        .call(
            "jira_get_proforma_form_details",
            json!({"issue_key": "OPS-1", "form_id": ACCESS_FORM}),
        )
        .await
        .json();
    assert_eq!(form["name"], "Access request", "{form}");
    assert_eq!(form["status"], "open");
    assert_eq!(form["questions"].as_array().expect("questions").len(), 5);
    let q1 = question(&form, "1");
    assert_eq!(q1["label"], "System name");
    assert_eq!(q1["type"], "TEXT");
    assert_eq!(q1["required"], true);
    assert_eq!(q1["answer"], "Billing dashboard");
    let q3 = question(&form, "3");
    assert_eq!(q3["type"], "SELECT");
    assert_eq!(q3["choices"][2]["label"], "Admin");
    assert!(q3.get("answer").is_none(), "unanswered: {q3}");
    assert_eq!(question(&form, "5")["type"], "NUMBER");

    let unknown = sb
        .call(
            "jira_get_proforma_form_details",
            json!({"issue_key": "OPS-1", "form_id": "00000000-0000-0000-0000-000000000000"}),
        )
        .await;
    assert!(
        unknown.is_error && unknown.text.contains("404"),
        "{}",
        unknown.text
    );
    sb.stop().await;
}

#[tokio::test]
async fn saved_answers_change_the_forms_state_and_submitted_forms_refuse_them() {
    let sb = spawn_with_sandbox("cloud", &[]).await;
    let saved = sb
        .call(
            "jira_update_proforma_form_answers",
            json!({"issue_key": "OPS-1", "form_id": ACCESS_FORM, "answers": [
                {"questionId": "2", "type": "TEXT", "value": "Quarter-end close"},
                {"questionId": "3", "type": "SELECT", "value": "2"},
                {"questionId": "4", "type": "DATE", "value": "2025-03-01"},
                {"questionId": "5", "type": "NUMBER", "value": 12}
            ]}),
        )
        .await
        .json();
    assert_eq!(question(&saved, "3")["answer"], json!(["2"]), "{saved}");
    assert_eq!(saved["updated_questions"], json!(["2", "3", "4", "5"]));

    let state = &stored_form(&sb, ACCESS_FORM).await["state"];
    assert_eq!(
        state["answers"]["1"],
        json!({"text": "Billing dashboard"}),
        "kept: {state}"
    );
    assert_eq!(state["answers"]["2"], json!({"text": "Quarter-end close"}));
    assert_eq!(state["answers"]["3"], json!({"choices": ["2"]}));
    assert_eq!(state["answers"]["4"], json!({"date": "2025-03-01"}));
    assert_eq!(state["answers"]["5"], json!({"text": "12"}));

    let details = sb
        .call(
            "jira_get_proforma_form_details",
            json!({"issue_key": "OPS-1", "form_id": ACCESS_FORM}),
        )
        .await
        .json();
    assert_eq!(question(&details, "4")["answer"], "2025-03-01", "{details}");

    let bad_choice = sb
        .call(
            "jira_update_proforma_form_answers",
            json!({"issue_key": "OPS-1", "form_id": ACCESS_FORM,
                   "answers": [{"questionId": "3", "type": "SELECT", "value": "9"}]}),
        )
        .await;
    assert!(
        bad_choice.is_error && bad_choice.text.contains("400"),
        "{}",
        bad_choice.text
    );
    let bad_type = sb
        .call(
            "jira_update_proforma_form_answers",
            json!({"issue_key": "OPS-1", "form_id": ACCESS_FORM,
                   "answers": [{"questionId": "3", "type": "COLOUR", "value": "red"}]}),
        )
        .await;
    assert!(
        bad_type.is_error && bad_type.text.contains("MULTI_SELECT"),
        "{}",
        bad_type.text
    );
    let submitted = sb
        .call(
            "jira_update_proforma_form_answers",
            json!({"issue_key": "OPS-1", "form_id": CHECKLIST_FORM,
                   "answers": [{"questionId": "1", "type": "MULTI_SELECT", "value": ["1", "2"]}]}),
        )
        .await;
    assert!(
        submitted.is_error && submitted.text.contains("409"),
        "{}",
        submitted.text
    );
    assert_eq!(
        stored_form(&sb, CHECKLIST_FORM).await["state"]["answers"]["1"],
        json!({"choices": ["1"]}),
        "the submitted form kept its answers"
    );
    sb.stop().await;
}

#[tokio::test]
async fn a_configured_cloud_id_is_used_instead_of_the_sites_tenant_info() {
    let sb = spawn_with_sandbox("cloud", &[("ATLASSIAN_OAUTH_CLOUD_ID", "not-this-site")]).await;
    let r = sb
        .call(
            "jira_get_issue_proforma_forms",
            json!({"issue_key": "OPS-1"}),
        )
        .await;
    assert!(r.is_error && r.text.contains("404"), "{}", r.text);
    sb.stop().await;
}

#[tokio::test]
async fn forms_tools_are_cloud_only_and_respect_the_filter_and_read_only_mode() {
    let sb = spawn_with_sandbox("server", &[]).await;
    let r = rpc_call(
        &sb,
        "jira_get_issue_proforma_forms",
        json!({"issue_key": "OPS-1"}),
    )
    .await;
    assert!(r["error"].is_object(), "hidden on Server/DC: {r}");
    sb.stop().await;

    let sb = spawn_with_sandbox("cloud", &[("JIRA_PROJECTS_FILTER", "DEMO")]).await;
    sb.faults(json!({"errors": {"status": 500, "count": 100}}))
        .await;
    let read = sb
        .call(
            "jira_get_issue_proforma_forms",
            json!({"issue_key": "OPS-1"}),
        )
        .await;
    assert!(
        read.is_error && read.text.contains("outside"),
        "{}",
        read.text
    );
    let write = sb
        .call(
            "jira_update_proforma_form_answers",
            json!({"issue_key": "OPS-1", "form_id": ACCESS_FORM,
                   "answers": [{"questionId": "2", "type": "TEXT", "value": "x"}]}),
        )
        .await;
    assert!(
        write.is_error && write.text.contains("outside"),
        "{}",
        write.text
    );
    assert_eq!(
        sb.remaining_faults().await["errors"]["count"],
        100,
        "no upstream call"
    );
    sb.stop().await;

    let sb = spawn_with_sandbox("cloud", &[("READ_ONLY_MODE", "true")]).await;
    let r = rpc_call(
        &sb,
        "jira_update_proforma_form_answers",
        json!({"issue_key": "OPS-1", "form_id": ACCESS_FORM, "answers": []}),
    )
    .await;
    assert_eq!(r["error"]["code"], -32602, "{r}");
    sb.stop().await;
}
