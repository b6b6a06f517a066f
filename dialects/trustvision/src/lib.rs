//! The `trustvision` dialect (spec section 4, seed `trustvision-api.txt`): HMAC-signed requests,
//! JSON (and multipart uploads) in, `{"data", "errors"}` out. Part 1: media, faces, records,
//! temporary credentials, transactions and client settings; the other services answer the
//! dialect's own refusal until they are built (docs/compatibility.md).
//!
//! Thin by design: signing ([`auth`]), the error table ([`error`]), the envelope frame
//! ([`frame`]), response encryption ([`crypto`]), wire types ([`wire`]) and the routes
//! ([`media`], [`faces`], [`records`], [`session`]).

pub mod auth;
pub mod catalogue;
pub mod crypto;
pub mod error;
pub mod faces;
pub mod frame;
pub mod media;
pub mod records;
pub mod service;
pub mod session;
pub mod wire;

use std::sync::Arc;

use actix_web::web::{self, Data};
use actix_web::Scope;

pub use auth::Keys;
pub use catalogue::ROUTES;
pub use error::TrustVisionError;
pub use service::{rate_limiter, Profiles, Settings, Thresholds, TrustVisionService};

/// The dialect's name in configuration, metrics labels and logs.
pub const DIALECT: &str = "trustvision";

/// Where the API is mounted: the vendor's base URLs end in `/api` (`002:L75-89`), and the
/// vendor's client signs paths without it (trustvision-client.md).
pub const MOUNT: &str = "/api";

/// Every route under [`MOUNT`].
pub fn scope(service: Arc<TrustVisionService>) -> Scope {
    web::scope(MOUNT)
        .app_data(Data::from(service))
        .configure(media::configure)
        .configure(faces::configure)
        .configure(records::configure)
        .configure(session::configure)
        .default_service(web::to(frame::not_found))
}
