//! The `stateless` dialect (spec section 3, seed `stateless-image-verification.txt`): one route,
//! `POST /identity/image_verification/stateless`, two AES-256-GCM encrypted photos in, one calibrated
//! `verification_score` out, numeric codes in a small JSON envelope.
//!
//! Thin by design: wire types ([`wire`]), the vendor's encryption ([`crypto`]), the one error table
//! ([`error`]) and the mapping onto the command model's `CompareFaces` ([`route`]).

pub mod catalogue;
pub mod crypto;
pub mod error;
pub mod route;
pub mod wire;

pub use catalogue::ROUTES;
pub use crypto::ImageCipher;
pub use error::StatelessError;
pub use route::{not_found, scope, StatelessService, ROUTE};

/// The dialect's name in configuration, metrics labels and logs.
pub const DIALECT: &str = "stateless";
