//! Each dialect's route catalogue: every route its vendor documents, how this gateway serves it, and
//! the errors the vendor documents for it. The contract tool checks the fixtures against it (every
//! route has a success fixture, or its honest refusal, and one per documented error), and
//! `docs/compatibility.md`'s tables are generated from it, so neither can drift from the code.

/// One documented route.
#[derive(Debug, Clone, Copy)]
pub struct RouteDoc {
    /// The digest's id (`TV-05`, `ST-1`, `HU-2`, `AI-3`).
    pub id: &'static str,
    pub method: &'static str,
    /// As the vendor documents it, parameters in braces (`/v1/images/{image_id}`).
    pub path: &'static str,
    /// Its fixture directory under `fixtures/<dialect>/`.
    pub fixtures: &'static str,
    pub serving: Serving,
    /// The errors the vendor documents for this route.
    pub errors: &'static [ErrorDoc],
    /// One line for the compatibility table (what is real, what differs).
    pub note: &'static str,
}

/// How the gateway serves a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Serving {
    /// The route does the real thing.
    Real,
    /// The route does the real thing with a documented limit (the reason names it).
    Partial(&'static str),
    /// The route answers the dialect's own documented error, with the outcome label of that answer
    /// (see [`ErrorDoc::outcome`]) and why nothing better can be served.
    Refused {
        outcome: &'static str,
        why: &'static str,
    },
}

/// One documented error of a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorDoc {
    pub status: u16,
    /// The outcome label the contract tool reads off an answer for this dialect: TrustVision's
    /// `errors[0].code` (or `failure:<code>` for a 200 `status: "failure"`), aisolution's `status`,
    /// the stateless dialect's numeric `code`, hutts' HTTP status.
    pub outcome: &'static str,
    /// `None`: a fixture must show it. `Some(reason)`: why no fixture can (e.g. a 500 no client can
    /// provoke) and where it is tested instead; printed in the coverage report and the docs.
    pub waived: Option<&'static str>,
}

impl ErrorDoc {
    /// An error a fixture must show.
    pub const fn shown(status: u16, outcome: &'static str) -> Self {
        ErrorDoc {
            status,
            outcome,
            waived: None,
        }
    }

    /// An error no fixture can show, with the reason and where it is tested instead.
    pub const fn waived(status: u16, outcome: &'static str, reason: &'static str) -> Self {
        ErrorDoc {
            status,
            outcome,
            waived: Some(reason),
        }
    }
}
