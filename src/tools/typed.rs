//! Typed tools: declare the argument struct once and get the portable schema, argument
//! parsing (explicit `null` = not given, unknown names rejected) and the [`Tool`] impl.

use std::future::Future;
use std::sync::Arc;

use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

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
            let args: L::Args = serde_json::from_value(Value::Object(arguments)).map_err(|e| {
                CallError::InvalidArguments {
                    tool: self.spec.name.to_owned(),
                    reason: e.to_string(),
                }
            })?;
            Ok(self.logic.run(ctx, args).await)
        })
    }
}
