//! A data source from an object resource: the resource's schema read-only,
//! looked up by its key attributes and read the way a refresh reads.

use std::sync::Arc;

use tfplugin::diag::{Diagnostic, Diagnostics};
use tfplugin::resource::{Context, DataSource, Resource};
use tfplugin::schema::Schema;
use tfplugin::value::Value;

use crate::client::Client;
use crate::service::data_source::read_only;

pub struct ObjectDataSource {
    pub resource: Arc<dyn Resource<Client>>,
    /// The attributes the configuration names the object by.
    pub keys: &'static [&'static str],
}

#[tfplugin::async_trait]
impl DataSource<Client> for ObjectDataSource {
    fn type_name(&self) -> &'static str {
        self.resource.type_name()
    }

    fn schema(&self) -> Schema {
        let resource = self.resource.schema().block;
        let mut block = read_only(&resource, self.keys);
        block.description = format!("Reads an existing object. {}", resource.description);
        Schema::new(block)
    }

    async fn read(&self, ctx: &Context<Client>, config: &Value, diags: &mut Diagnostics) -> Value {
        let lookup = Value::object(self.keys.iter().map(|key| (*key, config.get(key).clone())));
        match self.resource.read(ctx, &lookup, diags).await {
            Some(state) => {
                // Exactly the data source's attributes: write-only ones go.
                let attributes = self.schema().block.attributes;
                Value::object(
                    attributes
                        .iter()
                        .map(|a| (a.name.as_str(), state.get(&a.name).clone())),
                )
            }
            None => {
                if !diags.has_errors() {
                    let named: Vec<String> = self
                        .keys
                        .iter()
                        .map(|k| format!("{k} = {}", config.get(k).as_str().unwrap_or("?")))
                        .collect();
                    diags.push(Diagnostic::error(
                        "Not found",
                        format!("No {} with {}.", self.type_name(), named.join(", ")),
                    ));
                }
                Value::Null
            }
        }
    }
}
