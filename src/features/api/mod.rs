//! (in progress)
use crate::web::Routes;

pub fn routes() -> Routes {
    Routes::new()
}
