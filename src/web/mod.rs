//! The HTTP edge shared by all modules: the route table with its access declarations, the
//! request context, middleware, the page frame, extractors and static assets.

pub mod assets;
pub mod ctx;
pub mod extract;
pub mod middleware;
pub mod pages;
pub mod respond;
pub mod routes;

pub use ctx::Ctx;
pub use pages::{Layout, Pager, render, render_status};
pub use routes::{RouteInfo, Routes};

/// A form error to show next to a field: (field name, message in the user's language).
#[derive(Debug, Clone, Default)]
pub struct FormErrors(pub Vec<(String, String)>);

impl FormErrors {
    /// Turn an input error into a field message; other errors are handed back.
    pub fn from_error(e: crate::AppError, t: &crate::i18n::Catalog) -> Result<FormErrors, crate::AppError> {
        use crate::AppError;
        match &e {
            AppError::Invalid { field, label, msg } => {
                Ok(FormErrors(vec![(field.to_string(), t.labeled(label, &msg.render(t)))]))
            }
            AppError::Conflict { field: Some(f), msg } => Ok(FormErrors(vec![(f.to_string(), msg.render(t))])),
            AppError::Conflict { field: None, msg } | AppError::BadRequest(msg) => {
                Ok(FormErrors(vec![("_".to_string(), msg.render(t))]))
            }
            _ => Err(e),
        }
    }

    pub fn get(&self, field: &str) -> &str {
        self.0.iter().find(|(f, _)| f == field).map(|(_, m)| m.as_str()).unwrap_or("")
    }

    pub fn has(&self, field: &str) -> bool {
        self.0.iter().any(|(f, _)| f == field)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// All messages (for a summary box at the top of a form).
    pub fn all(&self) -> Vec<&str> {
        self.0.iter().map(|(_, m)| m.as_str()).collect()
    }
}
