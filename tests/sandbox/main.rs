//! The built-in sandbox over real HTTP: content, paging, auth, faults and the fidelity
//! contract against the official OpenAPI documents.

mod auth_faults;
mod confluence;
mod contract;
mod contract_confluence_extra;
mod contract_inline;
mod contract_pages;
mod contract_screens;
mod contract_wiki;
mod coverage;
mod jira;
mod jira_agile;
mod jira_attachments;
mod jira_create;
mod support;
