//! Typed tools: declare the argument struct once and get the portable schema, argument
//! parsing (explicit `null` = not given; numbers and booleans coerced and unknown names set
//! aside by [`super::arguments`]) and the [`Tool`] impl.

use std::future::Future;
use std::sync::Arc;

use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::arguments::{self, Step};
use super::registry::{
    Access, Availability, CallError, Product, Tool, ToolContext, ToolFuture, ToolOutput, ToolSpec,
};
use super::schema::portable_schema;

/// The static part of a tool declaration.
#[derive(Debug, Clone, Copy)]
pub struct Meta {
    /// Name as the reference server spells it.
    pub name: &'static str,
    /// For the model.
    pub description: &'static str,
    /// Toolset.
    pub toolset: &'static str,
    /// Product.
    pub product: Product,
    /// Read or write.
    pub access: Access,
    /// Deletes, removes or moves.
    pub destructive: bool,
    /// Safe to repeat.
    pub idempotent: bool,
    /// Flavours.
    pub availability: Availability,
}

/// A tool's behaviour over its typed arguments.
pub trait Logic: Send + Sync + 'static {
    /// The arguments.
    type Args: DeserializeOwned + JsonSchema + Send + 'static;
    /// Runs the tool.
    fn run<'a>(
        &'a self,
        ctx: &'a ToolContext,
        args: Self::Args,
    ) -> impl Future<Output = ToolOutput> + Send + 'a;
}

/// Adapts a [`Logic`] to [`Tool`].
pub struct Typed<L: Logic> {
    spec: ToolSpec,
    logic: L,
}

impl<L: Logic> Typed<L> {
    /// Builds the declaration (schema generated once, here).
    pub fn tool(meta: Meta, logic: L) -> Arc<dyn Tool> {
        let spec = ToolSpec {
            name: meta.name,
            description: meta.description,
            toolset: meta.toolset,
            product: meta.product,
            access: meta.access,
            destructive: meta.destructive,
            idempotent: meta.idempotent,
            availability: meta.availability,
            input_schema: Arc::new(portable_schema::<L::Args>()),
        };
        Arc::new(Typed { spec, logic })
    }
}

impl<L: Logic> Tool for Typed<L> {
    fn spec(&self) -> &ToolSpec {
        &self.spec
    }

    fn call<'a>(&'a self, ctx: &'a ToolContext, arguments: Map<String, Value>) -> ToolFuture<'a> {
        Box::pin(async move {
            let schema = &self.spec.input_schema;
            let prepared = arguments::prepare(schema, arguments);
            let note = (!prepared.ignored.is_empty())
                .then(|| arguments::ignored_note(self.spec.name, schema, &prepared.ignored));
            let parsed: Result<L::Args, _> =
                serde_path_to_error::deserialize(Value::Object(prepared.arguments));
            let args = match parsed {
                Ok(args) => args,
                Err(e) => {
                    let path = steps(e.path());
                    let mut reason =
                        arguments::refusal(self.spec.name, schema, &path, &e.inner().to_string());
                    if let Some(note) = note {
                        reason = format!("{reason} ({note})");
                    }
                    return Err(CallError::InvalidArguments {
                        tool: self.spec.name.to_owned(),
                        reason,
                    });
                }
            };
            let mut output = self.logic.run(ctx, args).await;
            if let Some(note) = note {
                output.content.push(super::registry::Content::Text(note));
            }
            Ok(output)
        })
    }
}

/// The parser's path as [`Step`]s.
fn steps(path: &serde_path_to_error::Path) -> Vec<Step> {
    path.iter()
        .filter_map(|segment| match segment {
            serde_path_to_error::Segment::Map { key } => Some(Step::Key(key.clone())),
            serde_path_to_error::Segment::Seq { index } => Some(Step::Index(*index)),
            _ => None,
        })
        .collect()
}
