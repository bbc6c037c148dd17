//! Integration tests: the real application on a loopback port, real MCP over real HTTP.

mod bad_input;
mod budget;
mod cli;
mod config_docs;
mod confluence_pages;
mod confluence_people;
mod confluence_restrictions;
mod confluence_social;
mod confluence_versions;
mod health;
mod helpers;
mod jira_agile;
mod jira_attachments;
mod jira_fields_batch;
mod jira_issue_writes;
mod jira_links;
mod jira_people;
mod jira_projects;
mod jira_workflow;
mod jira_worklog;
mod redis;
mod security;
mod shutdown;
mod sse;
mod streamable;
mod tools;
