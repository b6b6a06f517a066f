//! What the dialect needs to answer: keys, settings, the engine and the records.

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use command::gallery::FaceGallery;
use command::records::Records;
use command::{CalibratedScore, FaceVerifier, ImageLimits};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::auth::Keys;

/// `matched` / `unsure` / `unmatched` from the calibrated score (spec 7.3, T10): the defaults
/// reproduce the vendor's examples (0.738 matched, 0.5098 unmatched).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    pub matched: f32,
    pub unsure: f32,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            matched: 0.7,
            unsure: 0.6,
        }
    }
}

impl Thresholds {
    pub fn result(&self, score: CalibratedScore) -> &'static str {
        if score.value() >= self.matched {
            "matched"
        } else if score.value() >= self.unsure {
            "unsure"
        } else {
            "unmatched"
        }
    }
}

/// The three comparison profiles of TV-05 `type` (`002:L2483-2488`), each with its thresholds.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Profiles {
    /// `1`: ID vs ID.
    pub id_vs_id: Thresholds,
    /// `2`: ID vs selfie (the default, T9).
    pub id_vs_selfie: Thresholds,
    /// `3`: selfie vs selfie.
    pub selfie_vs_selfie: Thresholds,
}

/// The dialect's settings (the gateway's `[trustvision]` section).
#[derive(Debug, Clone)]
pub struct Settings {
    pub profiles: Profiles,
    /// Per decoded image and per uploaded file (`002:L212-224`: 15MB).
    pub max_image_bytes: usize,
    /// Whole JSON body (T55: enough for two inline images).
    pub max_body_bytes: usize,
    /// Past this, 408 `request_timeout_exception` (T54).
    pub request_timeout: Duration,
    /// The collection used when a request names none (T26).
    pub default_collection: String,
    /// The collection name whose faces, across every local client, form TV-17's suspect DB.
    pub suspect_collection: String,
    /// TV-25: lifetime when `duration_seconds` is absent, and the most a request may ask for (T36).
    pub temporary_credential_default: Duration,
    pub temporary_credential_max: Duration,
    /// TV-33 `country`.
    pub country: String,
    /// TV-21: whether clients may delete their uploads (405 `not_allow_delete_exception` if not).
    pub allow_delete_files: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            profiles: Profiles::default(),
            max_image_bytes: 15 * 1024 * 1024,
            max_body_bytes: 48 * 1024 * 1024,
            request_timeout: Duration::from_secs(60),
            default_collection: "default".into(),
            suspect_collection: "suspects".into(),
            temporary_credential_default: Duration::from_secs(15 * 60),
            temporary_credential_max: Duration::from_secs(24 * 60 * 60),
            country: "vn".into(),
            allow_delete_files: true,
        }
    }
}

impl Settings {
    pub fn image_limits(&self) -> ImageLimits {
        ImageLimits {
            max_bytes: self.max_image_bytes,
            ..ImageLimits::default()
        }
    }
}

/// The dialect, ready to serve.
pub struct TrustVisionService {
    pub keys: Keys,
    pub settings: Settings,
    /// Per long-term key (T54); `None`: no limit.
    pub limiter: Option<DefaultKeyedRateLimiter<String>>,
    pub verifier: FaceVerifier,
    pub gallery: Arc<FaceGallery>,
    pub records: Records,
}

/// A per-key limiter allowing `per_minute` requests a minute (bursts up to the same number), or
/// none for 0.
pub fn rate_limiter(per_minute: u32) -> Option<DefaultKeyedRateLimiter<String>> {
    NonZeroU32::new(per_minute).map(|n| RateLimiter::keyed(Quota::per_minute(n)))
}
