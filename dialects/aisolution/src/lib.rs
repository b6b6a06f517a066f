//! The `aisolution` dialect (spec section 5, seed `aisolution-api.txt`): `?token=` in the query,
//! form-encoded base64 images in, `{"status", "message"}` out, always HTTP 200 for a documented
//! status. Six routes: facecompare, idholding, addface, searchface, delface, gliswadetail.
//!
//! Thin by design: wire types ([`wire`]), tokens ([`auth`]), the one error table ([`error`]), the
//! WhatsApp reply shapes ([`whatsapp`]) and the mapping onto commands ([`route`]).

pub mod auth;
pub mod catalogue;
pub mod error;
pub mod route;
pub mod whatsapp;
pub mod wire;

pub use auth::{Client, Clients};
pub use catalogue::ROUTES;
pub use error::AisolutionError;
pub use route::{scope, AisolutionService, Thresholds};

/// The dialect's name in configuration, metrics labels and logs.
pub const DIALECT: &str = "aisolution";
