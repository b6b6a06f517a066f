//! The `hutts` dialect (spec section 2, seed `hutts-server.txt`): Hutts Verification's built-in
//! JSON server for South African ID documents. No authentication (2.1); four `POST` routes at the
//! root: `/extractAll`, `/extractText`, `/extractFace`, `/verifyID`; errors as the upstream
//! server's only error shape, `{"success": false, "error": ...}` (2.4).
//!
//! Thin by design: wire types ([`wire`]), the error table ([`error`]), verifyID's scores
//! ([`verify`]) and the routes ([`route`]).

pub mod catalogue;
pub mod error;
pub mod route;
pub mod verify;
pub mod wire;

pub use catalogue::ROUTES;
pub use error::HuttsError;
pub use route::{configure, not_found, HuttsService};

/// The dialect's name in configuration, metrics labels and logs.
pub const DIALECT: &str = "hutts";
